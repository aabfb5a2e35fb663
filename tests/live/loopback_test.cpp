// Live capture on the loopback interface while the test's own server and client exchange framed
// messages whose lengths and bytes are known: what sniff reports must equal what was sent.

#include "live/live_support.hpp"

using namespace sniff::test;
using namespace sniff::test::live;
using namespace std::chrono_literals;

namespace {

// Starts sniff on lo for the server's port, waits until it listens, runs the exchange, gives
// the last packets a moment to reach the ring, then stops sniff with SIGINT (as Ctrl-C).
struct CapturedExchange {
    Exchange sent;
    int exit_code = -1;
    std::string out;
    std::string err;
};

CapturedExchange capture_exchange(const std::filesystem::path& dir, const std::string& extra) {
    FramedServer server;
    const std::string port = std::to_string(server.port());
    Background sniff(
        sniff_bin() + " -i lo -f 'tcp port " + port + "' --framing struct --json " + extra, dir);
    REQUIRE(sniff.wait_for_err("listening on lo", 10s));
    CapturedExchange result;
    result.sent = server.exchange(standard_request_sizes());
    std::this_thread::sleep_for(300ms);
    sniff.signal(SIGINT);
    result.exit_code = sniff.wait(20s);
    result.out = sniff.out();
    result.err = sniff.err();
    return result;
}

} // namespace

TEST_CASE("a loopback capture finds the one flow and every message both sides sent", "[live]") {
    LIVE_REQUIRE_ROOT();
    const auto dir = scratch_dir("live-lo");
    const auto run = capture_exchange(dir, "");
    INFO(run.err);
    REQUIRE(run.exit_code == 0);

    const auto objects = json_lines(run.out);
    std::size_t opened = 0;
    for (const auto& flow : of_type(objects, "flow"))
        opened += flow.value("event", "") == "open" ? 1 : 0;
    CHECK(opened == 1);
    CHECK(message_lengths(objects, "c2s") == run.sent.request_lengths);
    CHECK(message_lengths(objects, "s2c") == run.sent.reply_lengths);
    // Every message was complete: none cut short by the end of the capture.
    for (const auto& message : of_type(objects, "message"))
        CHECK(message.value("status", "") != "truncated");

    const auto end = of_type(objects, "end");
    REQUIRE(end.size() == 1);
    CHECK(end[0]["interface"] == "lo");
    CHECK(end[0]["flows"] == 1);
    CHECK(end[0]["stream_bytes"] == run.sent.client_bytes.size() + run.sent.server_bytes.size());
    CHECK(end[0]["dropped_kernel"] == 0);
    CHECK(end[0]["gaps"] == 0);
    // The closing lines always say how many packets the kernel dropped.
    CHECK(run.err.find("packets dropped by the kernel") != std::string::npos);
}

TEST_CASE("the 100 KB message is reassembled from several loopback segments", "[live]") {
    LIVE_REQUIRE_ROOT();
    const auto dir = scratch_dir("live-lo-big");
    const auto run = capture_exchange(dir, "");
    INFO(run.err);
    REQUIRE(run.exit_code == 0);
    const auto objects = json_lines(run.out);
    bool found = false;
    for (const auto& message : of_type(objects, "message")) {
        if (message.value("length", std::size_t{0}) != 4 + 100 * 1024)
            continue;
        found = true;
        // Loopback's MTU is 65536, so 100 KB cannot travel in one segment.
        CHECK(message["segments"].size() >= 2);
        CHECK(message.value("class", "") == "split");
    }
    CHECK(found);
}

TEST_CASE("option -c N stops the capture by itself after N packets", "[live]") {
    LIVE_REQUIRE_ROOT();
    const auto dir = scratch_dir("live-count");
    FramedServer server;
    const std::string port = std::to_string(server.port());
    Background sniff(sniff_bin() + " -i lo -f 'tcp port " + port + "' --json -c 3", dir);
    REQUIRE(sniff.wait_for_err("listening on lo", 10s));
    // A whole exchange is far more than 3 packets; sniff must stop at 3 on its own.
    (void)server.exchange({10, 20, 30});
    const int exit_code = sniff.wait(10s);
    INFO(sniff.err());
    REQUIRE(exit_code == 0);
    const auto end = of_type(json_lines(sniff.out()), "end");
    REQUIRE(end.size() == 1);
    CHECK(end[0]["frames"] == 3);
    CHECK(sniff.err().find("3 packets captured") != std::string::npos);
}

TEST_CASE("option --duration ends a capture that sees no traffic", "[live]") {
    LIVE_REQUIRE_ROOT();
    const auto dir = scratch_dir("live-duration");
    const auto started = std::chrono::steady_clock::now();
    FramedServer quiet; // a port of our own that sees no traffic
    Background sniff(sniff_bin() + " -i lo -f 'tcp port " + std::to_string(quiet.port()) +
                         "' --duration 1",
                     dir);
    const int exit_code = sniff.wait(15s);
    const auto took = std::chrono::steady_clock::now() - started;
    INFO(sniff.err());
    CHECK(exit_code == 0);
    CHECK(took >= 1s);
    CHECK(sniff.err().find("0 packets captured") != std::string::npos);
    CHECK(sniff.out().find("interface lo: 0 flows") != std::string::npos);
}

TEST_CASE("SIGTERM ends a capture cleanly with the summary", "[live]") {
    LIVE_REQUIRE_ROOT();
    const auto dir = scratch_dir("live-term");
    FramedServer server;
    Background sniff(sniff_bin() + " -i lo -f 'tcp port " + std::to_string(server.port()) + "'",
                     dir);
    REQUIRE(sniff.wait_for_err("listening on lo", 10s));
    const auto sent = server.exchange({5, 6, 7});
    std::this_thread::sleep_for(300ms);
    sniff.signal(SIGTERM);
    CHECK(sniff.wait(10s) == 0);
    const std::string out = sniff.out();
    INFO(out << sniff.err());
    CHECK(out.find("interface lo: 1 flow,") != std::string::npos);
    const std::string bytes = std::to_string(sent.client_bytes.size() + sent.server_bytes.size());
    CHECK(out.find(bytes + " stream bytes") != std::string::npos);
}
