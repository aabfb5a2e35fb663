#pragma once
// Support for sniff replay's tests: real servers on free loopback ports, sessions of real
// clients captured with dumpcap (protocols/harness), and sniff replay run on them.

#include "protocols/harness.hpp"
#include "support/process.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <unistd.h>
#include <vector>

namespace sniff::replay_test {

using protocols::Background;
using protocols::shell_quote;

// A redis-server on a free port, no persistence, stopped (SIGTERM) with the object.
struct RedisServer {
    explicit RedisServer(const std::filesystem::path& dir)
        : port(protocols::free_port()),
          process("redis-server --port " + std::to_string(port) +
                      " --bind 127.0.0.1 --save '' --appendonly no --daemonize no --dir " +
                      shell_quote(dir.string()),
                  dir / ("redis-" + std::to_string(port) + ".log")) {
        REQUIRE(protocols::wait_for_port(port, 10000));
    }
    ~RedisServer() { process.stop(SIGTERM); }
    int port;
    Background process;
};

// What `sniff replay ... --json` said: its replay events and summary, and its exit status.
struct ReplayRun {
    int exit_code = -1;
    std::vector<nlohmann::json> events; // type replay
    nlohmann::json summary;             // type replay_summary
    std::vector<nlohmann::json> flows;  // type replay_flow
    std::string out;
    std::string err;
};

inline ReplayRun run_replay(const std::string& arguments) {
    const auto result = test::run_command("timeout 120 " + std::string(SNIFF_BIN) + " replay " +
                                          arguments + " --json -q");
    ReplayRun run;
    run.exit_code = result.exit_code;
    run.out = result.out;
    run.err = result.err;
    std::size_t start = 0;
    while (start < result.out.size()) {
        auto end = result.out.find('\n', start);
        if (end == std::string::npos)
            end = result.out.size();
        const auto line = result.out.substr(start, end - start);
        start = end + 1;
        if (line.empty())
            continue;
        auto event = nlohmann::json::parse(line, nullptr, false);
        if (event.is_discarded())
            continue;
        if (event.value("type", "") == "replay")
            run.events.push_back(event);
        else if (event.value("type", "") == "replay_summary")
            run.summary = event;
        else if (event.value("type", "") == "replay_flow")
            run.flows.push_back(event);
    }
    return run;
}

// A replayed server ends by itself after its flows: wait for that before stop(). A SIGTERM sent
// while it exits (its signal handling already gone, standard output not yet flushed) kills it
// with its summary unwritten; under ASan, whose leak check runs at exit, that window is wide.
inline void wait_for_end(Background& process, int timeout_ms) {
    for (int waited = 0; waited < timeout_ms && process.running(); waited += 20)
        usleep(20 * 1000);
}

inline bool skip_without(const std::vector<std::string>& programs) {
    if (!protocols::is_root()) {
        WARN("capturing on lo needs root: skipped");
        return true;
    }
    for (const auto& program : programs)
        if (!test::have_program(program)) {
            WARN(program + " is not installed: skipped");
            return true;
        }
    return false;
}

} // namespace sniff::replay_test
