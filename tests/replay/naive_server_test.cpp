// A naive server (one recv() = one message, tests/replay/naive_server.py) answers a replay of a
// captured session correctly when the captured segments are kept (--rechunk original) and
// breaks under --rechunk adversarial: the report names the answer and the request it broke on.
// A server that never answers ends the replay after --answer-timeout.

#include "replay/support.hpp"

#include <sys/socket.h>
#include <unistd.h>

using namespace sniff;
using namespace sniff::replay_test;

namespace {

const std::string k_script = std::string(SNIFF_SOURCE_DIR) + "/tests/replay/naive_server.py";
constexpr int k_messages = 6;

struct NaiveServer {
    explicit NaiveServer(const std::filesystem::path& dir)
        : port(protocols::free_port()),
          process("python3 " + shell_quote(k_script) + " " + std::to_string(port),
                  dir / ("naive-" + std::to_string(port) + ".log")) {
        REQUIRE(protocols::wait_for_port(port, 10000));
    }
    ~NaiveServer() { process.stop(SIGTERM); }
    int port;
    Background process;
};

std::filesystem::path capture_session(const std::filesystem::path& dir) {
    NaiveServer server(dir);
    const auto file = dir / "naive.pcapng";
    protocols::LoopbackCapture capture(file, server.port);
    REQUIRE(capture.started());
    const auto client =
        test::run_command("timeout 30 python3 " + shell_quote(k_script) + " " +
                          std::to_string(server.port) + " client " + std::to_string(k_messages));
    REQUIRE(client.exit_code == 0);
    capture.stop();
    return file;
}

} // namespace

TEST_CASE("a naive server answers the captured chunks and breaks on adversarial ones",
          "[replay][naive]") {
    if (skip_without({"python3", "dumpcap"}))
        return;
    const auto dir = test::scratch_dir("replay-naive");
    const auto file = capture_session(dir);
    NaiveServer server(dir);
    const std::string common = shell_quote(file.string()) +
                               " --flow 1 --to 127.0.0.1:" + std::to_string(server.port) +
                               " --framing len:size=4";

    const auto original = run_replay(common + " --rechunk original");
    INFO(original.out << original.err);
    CHECK(original.exit_code == 0);
    CHECK(original.summary.value("requests", 0) == k_messages);
    CHECK(original.summary.value("answers_equal", 0) == k_messages);

    const auto adversarial = run_replay(common + " --rechunk adversarial");
    INFO(adversarial.out << adversarial.err);
    CHECK(adversarial.exit_code == 1);
    CHECK(adversarial.summary.value("answers_different", 0) >= 1);
    REQUIRE(!adversarial.events.empty());
    // The first message is cut inside its length field: the first answer is already wrong.
    const auto& first = adversarial.events.front();
    CHECK(first["result"] == "different");
    CHECK(first["message"] == 1);
    CHECK(first["request"] == 1);
    CHECK(first["got"].get<std::string>().find("ERR short") != std::string::npos);
    CHECK(first["expected"].get<std::string>().find("got message 0") != std::string::npos);

    // The text report says it in words: which answer, after which request, both versions.
    const auto text = test::run_command("timeout 60 " + std::string(SNIFF_BIN) + " replay " +
                                        common + " --rechunk adversarial -q");
    INFO(text.out << text.err);
    CHECK(text.exit_code == 1);
    CHECK(text.out.find("answer 1 different at byte 3") != std::string::npos);
    CHECK(text.out.find("after request 1: \"\\0\\0\\0\\x14message 0") != std::string::npos);
    CHECK(text.out.find("captured: \\0\\0\\0\\x18got message 0") != std::string::npos);
    CHECK(text.out.find("replayed: \\0\\0\\0\\tERR short") != std::string::npos);
}

TEST_CASE("a server that never answers ends the TCP replay after --answer-timeout",
          "[replay][naive]") {
    if (skip_without({"python3", "dumpcap"}))
        return;
    const auto dir = test::scratch_dir("replay-silent");
    const auto file = capture_session(dir);
    // Listening, so the kernel accepts the connection and takes the request, but never read.
    const int port = protocols::free_port();
    const int silent = socket(AF_INET, SOCK_STREAM, 0);
    const int yes = 1;
    setsockopt(silent, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    auto address = protocols::loopback(port);
    REQUIRE(bind(silent, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    REQUIRE(listen(silent, 4) == 0);
    const auto run =
        run_replay(shell_quote(file.string()) + " --flow 1 --to 127.0.0.1:" + std::to_string(port) +
                   " --framing len:size=4 --answer-timeout 300");
    close(silent);
    INFO(run.out << run.err);
    CHECK(run.exit_code == 1);
    REQUIRE(run.flows.size() == 1);
    CHECK(run.flows[0].value("failure", "").find("sent nothing for 300 ms while") !=
          std::string::npos);
    CHECK(run.summary.value("requests", 0) == 1); // the replay stopped at the first silence
}
