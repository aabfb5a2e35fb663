// --side server: sniff plays the captured redis-server for a real redis-cli, which gets the
// captured answers byte for byte whatever the chunking; the client's requests are compared with
// the captured ones.

#include "protocols/wire_client.hpp"
#include "replay/support.hpp"

#include <fstream>
#include <sstream>
#include <unistd.h>

using namespace sniff;
using namespace sniff::replay_test;

namespace {

const std::vector<std::string> k_commands{"PING",
                                          "SET greeting hello",
                                          "GET greeting",
                                          "INCR counter",
                                          "RPUSH list a b c",
                                          "LRANGE list 0 -1",
                                          "TIME",
                                          "SET big " + std::string(3000, 'y'),
                                          "GET big"};

std::string run_redis_cli(const std::filesystem::path& input, int port) {
    const auto result = test::run_command("timeout 60 redis-cli -p " + std::to_string(port) +
                                          " < " + shell_quote(input.string()));
    REQUIRE(result.exit_code == 0);
    return result.out;
}

std::vector<nlohmann::json> json_lines(const std::string& text) {
    std::vector<nlohmann::json> lines;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line))
        if (line.starts_with("{")) {
            auto object = nlohmann::json::parse(line, nullptr, false);
            if (!object.is_discarded())
                lines.push_back(object);
        }
    return lines;
}

// The JSON line of `type` in a replayer's log; null when it wrote none.
nlohmann::json line_of_type(const std::string& log, const std::string& type) {
    for (const auto& line : json_lines(log))
        if (line.value("type", "") == type)
            return line;
    return {};
}

// True once something listens on 127.0.0.1:port (/proc/net/tcp, state 0A), without connecting.
bool listening(int port, int timeout_ms) {
    char wanted[32];
    std::snprintf(wanted, sizeof wanted, "0100007F:%04X", port);
    for (int waited = 0; waited < timeout_ms; waited += 50) {
        std::ifstream table("/proc/net/tcp");
        std::string line;
        while (std::getline(table, line)) {
            std::istringstream fields(line);
            std::string slot, local, remote, state;
            fields >> slot >> local >> remote >> state;
            if (local == wanted && state == "0A")
                return true;
        }
        usleep(50 * 1000);
    }
    return false;
}

} // namespace

TEST_CASE("a replayed server gives redis-cli the captured answers, byte-exact, in every chunking",
          "[replay][server]") {
    if (skip_without({"redis-server", "redis-cli", "dumpcap"}))
        return;
    const auto dir = test::scratch_dir("replay-server-side");
    const auto input = dir / "commands.txt";
    {
        std::ofstream out(input);
        for (const auto& command : k_commands)
            out << command << "\n";
    }
    const auto file = dir / "session.pcapng";
    std::string captured_output;
    {
        RedisServer server(dir);
        protocols::LoopbackCapture capture(file, server.port);
        REQUIRE(capture.started());
        captured_output = run_redis_cli(input, server.port);
        capture.stop();
    }
    REQUIRE(captured_output.find("hello") != std::string::npos);
    for (const std::string chunking :
         {"original", "adversarial --framing resp", "random:1-7 --seed 3", "fixed:1000"}) {
        INFO("--rechunk " << chunking);
        const int port = protocols::free_port();
        const auto log = dir / ("replay-" + std::to_string(port) + ".log");
        Background replayer(std::string(SNIFF_BIN) + " replay " + shell_quote(file.string()) +
                                " --flow 1 --side server --listen " + std::to_string(port) +
                                " --rechunk " + chunking + " --json -q",
                            log);
        // Not by connecting: the first connection is the client the replayed server answers.
        REQUIRE(listening(port, 10000));
        const auto output = run_redis_cli(input, port);
        CHECK(output == captured_output);
        wait_for_end(replayer, 10000); // it ends by itself after its one flow
        replayer.stop(SIGTERM, 10000);
        const auto summary = line_of_type(replayer.log(), "replay_summary");
        INFO(replayer.log());
        // COMMAND DOCS first, then one request per command: all as captured.
        CHECK(summary.value("requests", 0) == static_cast<int>(k_commands.size()) + 1);
        CHECK(summary.value("answers_equal", 0) == static_cast<int>(k_commands.size()) + 1);
        CHECK(summary.value("answers_different", -1) == 0);
        CHECK(summary.value("flows_failed", -1) == 0);
    }
}

TEST_CASE("a replayed server serves a second connection while the first is still open",
          "[replay][server]") {
    if (skip_without({"redis-server", "redis-cli", "dumpcap"}))
        return;
    const auto dir = test::scratch_dir("replay-server-side-by-side");
    const auto first_input = dir / "first.txt";
    const auto second_input = dir / "second.txt";
    std::ofstream(first_input) << "PING\n";
    std::ofstream(second_input) << "SET side by-side\nGET side\n";
    const auto file = dir / "two-sessions.pcapng";
    std::string second_output;
    {
        RedisServer server(dir);
        protocols::LoopbackCapture capture(file, server.port);
        REQUIRE(capture.started());
        run_redis_cli(first_input, server.port);
        second_output = run_redis_cli(second_input, server.port);
        capture.stop();
    }
    REQUIRE(second_output == "OK\nby-side\n");
    const int port = protocols::free_port();
    // The first client waits 60 s for the request of the first flow: served one at a time, the
    // second client's connection would sit in the backlog until then.
    Background replayer(std::string(SNIFF_BIN) + " replay " + shell_quote(file.string()) +
                            " --flow 1 --flow 2 --side server --listen " + std::to_string(port) +
                            " --answer-timeout 60000 --json -q",
                        dir / "replay.log");
    REQUIRE(listening(port, 10000));
    auto silent_first = std::make_unique<protocols::WireClient>(port);
    const auto started = std::chrono::steady_clock::now();
    // run_redis_cli gives up after 60 s.
    CHECK(run_redis_cli(second_input, port) == second_output);
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(30));
    silent_first.reset(); // ends flow 1: its client left before its request
    wait_for_end(replayer, 10000);
    replayer.stop(SIGTERM, 10000);
    INFO(replayer.log());
    const auto summary = line_of_type(replayer.log(), "replay_summary");
    // Flow 2: COMMAND DOCS, SET and GET, each answered as captured.
    CHECK(summary.value("answers_equal", 0) == 3);
    CHECK(summary.value("answers_different", -1) == 0);
    CHECK(summary.value("flows_failed", -1) == 1);
}
