// sniff replay against a fresh redis-server: a redis-cli session and a redis-benchmark run, both
// captured on lo by dumpcap, replayed in every chunking. Every answer is equal except two that
// depend on the server, which the test names and ignores (--ignore): COMMAND DOCS, which redis-cli
// sends first (the server lists its commands in its own hash order, different in every process),
// and TIME.

#include "replay/support.hpp"

#include <fstream>
#include <set>

using namespace sniff;
using namespace sniff::replay_test;

namespace {

// Commands whose answers a fresh server gives again, and TIME, which it cannot.
const std::vector<std::string> k_commands{"PING",
                                          "SET greeting hello",
                                          "GET greeting",
                                          "INCR counter",
                                          "INCR counter",
                                          "RPUSH list a b c",
                                          "LRANGE list 0 -1",
                                          "HSET h f1 v1 f2 v2",
                                          "HGETALL h",
                                          "SET big " + std::string(5000, 'x'),
                                          "GET big",
                                          "TIME",
                                          "EXISTS greeting nothing",
                                          "DEL greeting",
                                          "GET greeting"};
// Answer numbers: redis-cli's COMMAND DOCS comes first.
constexpr int k_docs_answer = 1;
constexpr int k_time_answer = 13;
constexpr int k_requests = 16;

// redis-cli reads the commands from standard input and sends each after the previous answer.
std::string redis_cli_session(const std::filesystem::path& dir, int port) {
    const auto input = dir / "commands.txt";
    {
        std::ofstream out(input);
        for (const auto& command : k_commands)
            out << command << "\n";
    }
    const auto result = test::run_command("timeout 30 redis-cli -p " + std::to_string(port) +
                                          " < " + shell_quote(input.string()));
    REQUIRE(result.exit_code == 0);
    return result.out;
}

std::filesystem::path capture_redis_cli(const std::filesystem::path& dir, std::string& output) {
    RedisServer server(dir);
    const auto file = dir / "redis-cli.pcapng";
    protocols::LoopbackCapture capture(file, server.port);
    REQUIRE(capture.started());
    output = redis_cli_session(dir, server.port);
    capture.stop();
    return file;
}

} // namespace

TEST_CASE("a redis-cli session replays against a fresh redis-server in every chunking",
          "[replay][redis]") {
    if (skip_without({"redis-server", "redis-cli", "dumpcap"}))
        return;
    const auto dir = test::scratch_dir("replay-redis-cli");
    std::string output;
    const auto file = capture_redis_cli(dir, output);
    const std::vector<std::string> chunkings{"original", "1", "random:1-7 --seed 7",
                                             "adversarial --framing resp"};
    for (const auto& chunking : chunkings) {
        INFO("--rechunk " << chunking);
        RedisServer fresh(dir);
        const auto run = run_replay(
            shell_quote(file.string()) + " --flow 1 --to 127.0.0.1:" + std::to_string(fresh.port) +
            " --rechunk " + chunking + " --ignore " + std::to_string(k_docs_answer) + " --ignore " +
            std::to_string(k_time_answer));
        INFO(run.out << run.err);
        CHECK(run.exit_code == 0);
        CHECK(run.summary.value("requests", 0) == k_requests);
        CHECK(run.summary.value("answers_equal", 0) == k_requests - 2);
        CHECK(run.summary.value("answers_ignored", 0) == 2);
        CHECK(run.summary.value("answers_different", -1) == 0);
        CHECK(run.summary.value("answers_missing", -1) == 0);
        CHECK(run.summary.value("answers_extra", -1) == 0);
        REQUIRE(run.events.size() == k_requests);
        CHECK(run.events[k_time_answer - 1]["result"] == "ignored");
        CHECK(run.events[k_time_answer - 1]["request"] == k_time_answer);
    }
    // Without --ignore TIME, its answer is a difference, named with its request.
    RedisServer fresh(dir);
    const auto run = run_replay(shell_quote(file.string()) + " --flow 1 --to 127.0.0.1:" +
                                std::to_string(fresh.port) + " --ignore 1");
    CHECK(run.exit_code == 1);
    CHECK(run.summary.value("answers_different", 0) == 1);
    REQUIRE(run.events.size() == k_requests);
    CHECK(run.events[k_time_answer - 1]["result"] == "different");
    CHECK(run.events[k_time_answer - 1]["got"] != run.events[k_time_answer - 1]["expected"]);
}

TEST_CASE("a real TIME answer is equal once --ignore N:resp:K leaves its elements out",
          "[replay][redis][fields]") {
    if (skip_without({"redis-server", "redis-cli", "dumpcap"}))
        return;
    const auto dir = test::scratch_dir("replay-redis-fields");
    std::string output;
    const auto file = capture_redis_cli(dir, output);
    const std::string time = std::to_string(k_time_answer);
    // TIME's seconds and microseconds left out: the rest of its answer (the array header) is
    // compared and equal, whatever length the live microseconds have.
    {
        RedisServer fresh(dir);
        const auto run = run_replay(shell_quote(file.string()) +
                                    " --flow 1 --to 127.0.0.1:" + std::to_string(fresh.port) +
                                    " --framing resp --ignore " + std::to_string(k_docs_answer) +
                                    " --ignore " + time + ":resp:1 --ignore " + time + ":resp:2");
        INFO(run.out << run.err);
        CHECK(run.exit_code == 0);
        CHECK(run.summary.value("answers_equal", 0) == k_requests - 1);
        CHECK(run.summary.value("answers_ignored", 0) == 1);
        REQUIRE(run.events.size() == k_requests);
        CHECK(run.events[k_time_answer - 1]["result"] == "equal");
    }
    // Only the seconds left out: the microseconds still differ, named inside the second element.
    RedisServer fresh(dir);
    const auto run = run_replay(shell_quote(file.string()) + " --flow 1 --to 127.0.0.1:" +
                                std::to_string(fresh.port) + " --framing resp --ignore " +
                                std::to_string(k_docs_answer) + " --ignore " + time + ":resp:1");
    INFO(run.out << run.err);
    CHECK(run.exit_code == 1);
    CHECK(run.summary.value("answers_different", 0) == 1);
    REQUIRE(run.events.size() == k_requests);
    const auto& event = run.events[k_time_answer - 1];
    CHECK(event["result"] == "different");
    // "*2\r\n$10\r\n" + 10 digits + "\r\n" come first: 21 bytes, all left out or equal.
    CHECK(event.value("first_difference", 0) >= 21);
    // A field that is no RESP answer's, or a bad one, is a usage error.
    CHECK(run_replay(shell_quote(file.string()) + " --to 127.0.0.1:1 --ignore resp:0").exit_code ==
          2);
}

TEST_CASE("the text report lists each answer and the difference with both versions",
          "[replay][redis]") {
    if (skip_without({"redis-server", "redis-cli", "dumpcap"}))
        return;
    const auto dir = test::scratch_dir("replay-redis-text");
    std::string output;
    const auto file = capture_redis_cli(dir, output);
    RedisServer fresh(dir);
    const auto result = test::run_command(
        std::string(SNIFF_BIN) + " replay " + shell_quote(file.string()) +
        " --to 127.0.0.1:" + std::to_string(fresh.port) + " --framing resp --ignore 1 -q");
    INFO(result.out << result.err);
    CHECK(result.exit_code == 1);
    CHECK(result.out.find("answer 1 ignored") != std::string::npos);
    CHECK(result.out.find("answer 2 equal") != std::string::npos);
    CHECK(result.out.find("answer 13 different at byte") != std::string::npos);
    CHECK(result.out.find("after request 13: \"*1\\r\\n$4\\r\\nTIME\\r\\n\"") != std::string::npos);
    CHECK(result.out.find("      captured: ") != std::string::npos);
    CHECK(result.out.find("      replayed: ") != std::string::npos);
    CHECK(result.out.find("replay: 1 flow, 16 requests sent, 14 equal, 1 different, 0 missing, "
                          "0 extra, 1 ignored") != std::string::npos);
    // The replayed connection is a flow of the run like any other: the summary lists it.
    CHECK(result.out.find(" replay") != std::string::npos);
}

TEST_CASE("a redis-benchmark run replays flow by flow against a fresh server", "[replay][redis]") {
    if (skip_without({"redis-server", "redis-benchmark", "dumpcap"}))
        return;
    const auto dir = test::scratch_dir("replay-redis-bench");
    const auto file = dir / "bench.pcapng";
    {
        RedisServer server(dir);
        protocols::LoopbackCapture capture(file, server.port);
        REQUIRE(capture.started());
        const auto bench =
            test::run_command("timeout 60 redis-benchmark -p " + std::to_string(server.port) +
                              " -n 200 -c 1 -P 4 -t ping,set,get,incr,lpush -q");
        REQUIRE(bench.exit_code == 0);
        capture.stop();
    }
    for (const std::string chunking : {"original", "random:1-7", "adversarial"}) {
        INFO("--rechunk " << chunking);
        RedisServer fresh(dir);
        const auto run = run_replay(shell_quote(file.string()) +
                                    " --flow all --to 127.0.0.1:" + std::to_string(fresh.port) +
                                    " --framing resp --rechunk " + chunking);
        INFO(run.out << run.err);
        CHECK(run.exit_code == 0);
        CHECK(run.summary.value("flows", 0) >= 6); // CONFIG GET, then one per test
        CHECK(run.summary.value("requests", 0) >= 1000);
        CHECK(run.summary.value("answers_equal", 0) == run.summary.value("requests", -1));
        CHECK(run.summary.value("answers_different", -1) == 0);
    }
}

TEST_CASE("flows are chosen by number, all, or a filter, and replayed several at once",
          "[replay][redis][flows]") {
    if (skip_without({"redis-server", "redis-benchmark", "dumpcap"}))
        return;
    const auto dir = test::scratch_dir("replay-redis-flows");
    const auto file = dir / "bench.pcapng";
    int captured_port = 0;
    {
        RedisServer server(dir);
        captured_port = server.port;
        protocols::LoopbackCapture capture(file, server.port);
        REQUIRE(capture.started());
        // Four clients at once; PING, SET and GET answer the same whatever the interleaving.
        const auto bench =
            test::run_command("timeout 60 redis-benchmark -p " + std::to_string(server.port) +
                              " -n 400 -c 4 -P 2 -t ping,set,get -q");
        REQUIRE(bench.exit_code == 0);
        capture.stop();
    }
    RedisServer fresh(dir);
    const std::string target = " --to 127.0.0.1:" + std::to_string(fresh.port) + " --framing resp";
    const auto all = run_replay(shell_quote(file.string()) + target +
                                " --flow all --concurrency 4 --timing scale:0.5 --max-gap 20");
    INFO(all.out << all.err);
    CHECK(all.exit_code == 0);
    const int flows = all.summary.value("flows", 0);
    CHECK(flows >= 17); // CONFIG GET, then 4 clients for each of 4 tests
    CHECK(all.summary.value("answers_equal", 0) == all.summary.value("requests", -1));
    CHECK(all.summary.value("requests", 0) >= 1600);

    const auto two = run_replay(shell_quote(file.string()) + target + " --flow 2 --flow 3");
    CHECK(two.exit_code == 0);
    CHECK(two.summary.value("flows", 0) == 2);
    std::set<int> replayed;
    for (const auto& event : two.events)
        replayed.insert(event["captured_flow"].get<int>());
    CHECK(replayed == std::set<int>{2, 3});

    // A filter that no packet passes leaves nothing to replay; one they all pass, every flow.
    const auto none = run_replay(shell_quote(file.string()) + target + " udp");
    CHECK(none.exit_code == 1);
    CHECK(none.err.find("no flow to replay") != std::string::npos);
    const auto filtered = run_replay(shell_quote(file.string()) + target +
                                     " --concurrency 8 tcp port " + std::to_string(captured_port));
    CHECK(filtered.exit_code == 0);
    CHECK(filtered.summary.value("flows", 0) == flows);
}
