// Captures that lost bytes: a segment missing from the client's stream (editcap removes it) is
// replayed up to the gap and said so; a flow whose handshake the capture missed (it began
// mid-connection) is not replayed at all. Never a wrong byte sent.

#include "replay/support.hpp"

#include <sstream>

using namespace sniff;
using namespace sniff::replay_test;

namespace {

const std::string k_script = std::string(SNIFF_SOURCE_DIR) + "/tests/replay/naive_server.py";

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

// Frame numbers of the client's data segments, in order.
std::vector<std::string> client_data_frames(const std::filesystem::path& file, int port) {
    const auto listed =
        test::run_command("tshark -n -r " + shell_quote(file.string()) + " -Y " +
                          shell_quote("tcp.dstport==" + std::to_string(port) + " && tcp.len>0") +
                          " -T fields -e frame.number");
    REQUIRE(listed.exit_code == 0);
    std::vector<std::string> frames;
    std::string line;
    std::istringstream in(listed.out);
    while (std::getline(in, line))
        if (!line.empty())
            frames.push_back(line);
    return frames;
}

} // namespace

TEST_CASE("a gap in the client's stream: replayed up to it, the rest named, never sent",
          "[replay][gap]") {
    if (skip_without({"python3", "dumpcap", "editcap", "tshark"}))
        return;
    const auto dir = test::scratch_dir("replay-gap");
    const auto file = dir / "session.pcapng";
    int captured_port = 0;
    {
        NaiveServer server(dir);
        captured_port = server.port;
        protocols::LoopbackCapture capture(file, server.port);
        REQUIRE(capture.started());
        REQUIRE(test::run_command("timeout 30 python3 " + shell_quote(k_script) + " " +
                                  std::to_string(server.port) + " client 6")
                    .exit_code == 0);
        capture.stop();
    }
    const auto frames = client_data_frames(file, captured_port);
    REQUIRE(frames.size() == 6);
    const auto holed = dir / "holed.pcapng";
    REQUIRE(test::run_command("editcap " + shell_quote(file.string()) + " " +
                              shell_quote(holed.string()) + " " + frames[3])
                .exit_code == 0);

    NaiveServer server(dir);
    const std::string target = " --to 127.0.0.1:" + std::to_string(server.port);
    const auto run =
        run_replay(shell_quote(holed.string()) + " --flow 1" + target + " --framing len:size=4");
    INFO(run.out << run.err);
    CHECK(run.exit_code == 0);
    CHECK(run.summary.value("requests", 0) == 3); // messages 0, 1, 2: the gap took message 3
    CHECK(run.summary.value("answers_equal", 0) == 3);
    CHECK(run.summary.value("answers_missing", -1) == 0);
    CHECK(run.err.find("replayed up to the gap: the client's stream has a gap at byte") !=
          std::string::npos);
    CHECK(run.err.find("not compared") != std::string::npos);
    // The same notes as data, for --json readers.
    REQUIRE(run.flows.size() == 1);
    CHECK(run.flows[0].value("captured_flow", 0) == 1);
    CHECK(run.flows[0].value("answers_equal", 0) == 3);
    REQUIRE(run.flows[0]["notes"].size() == 2);
    CHECK(run.flows[0]["notes"][0].get<std::string>().starts_with("replayed up to the gap"));
    CHECK(run.flows[0]["notes"][1].get<std::string>().find("not compared") != std::string::npos);
    CHECK_FALSE(run.flows[0].contains("failure"));

    // Without the handshake, the first bytes may be the middle of a message: refused.
    const auto mid = dir / "mid.pcapng";
    REQUIRE(test::run_command("editcap " + shell_quote(file.string()) + " " +
                              shell_quote(mid.string()) + " 1-3")
                .exit_code == 0);
    const auto refused = run_replay(shell_quote(mid.string()) + " --flow 1" + target);
    INFO(refused.out << refused.err);
    CHECK(refused.exit_code == 1);
    CHECK(refused.summary.value("requests", -1) == 0);
    CHECK(refused.err.find("began after this connection did (no SYN)") != std::string::npos);
    REQUIRE(refused.flows.size() == 1);
    CHECK(refused.flows[0].value("failure", "").find("began after this connection did") !=
          std::string::npos);
}
