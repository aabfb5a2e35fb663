// sniff exec on Node.js (Debian's nodejs): a `net` server and client in one process. libuv reads
// and writes through libc's read() and write(), so both ends of the connection are seen, each as
// the program's own calls.

#include "exec/support.hpp"
#include "support/process.hpp"

#include <catch2/catch.hpp>

using sniff::model::Direction;

TEST_CASE("exec sees a Node.js net server and client through their read and write calls",
          "[exec][node]") {
    if (!sniff::test::have_program("node")) {
        WARN("node is not installed (./run test installs nodejs)");
        return;
    }
    sniff::test::RecordingSink events;
    const auto run = sniff::test::run_exec(
        {"/usr/bin/node", SNIFF_SOURCE_DIR "/tests/exec/programs/node_net.js"}, events);
    REQUIRE(run.error.empty());
    REQUIRE(run.status == 0); // the client got every byte it expected
    const std::string request = "hello\nworld\n";
    const std::string answer = "HELLO\nWORLD\n" + std::string(3000, 'x');
    // The client's socket and the server's accepted one: the same bytes, seen from each end.
    const auto flows = events.carrying(Direction::c2s, request);
    REQUIRE(flows.size() == 2);
    for (const auto* flow : flows) {
        INFO("flow " << flow->flow.id);
        CHECK(flow->stream(Direction::c2s) == request);
        CHECK(flow->stream(Direction::s2c) == answer);
        CHECK(flow->closed);
        for (const auto& segment : flow->segments)
            CHECK((segment.call == "read" || segment.call == "write" || segment.call == "writev"));
    }
    // The client wrote the two lines in two calls, 50 ms apart; the server read each with a
    // call of its own.
    std::size_t writes = 0, reads = 0;
    for (const auto* flow : flows) {
        writes += flow->calls(Direction::c2s, "write") + flow->calls(Direction::c2s, "writev");
        reads += flow->calls(Direction::c2s, "read");
    }
    CHECK(writes == 2);
    CHECK(reads == 2);
}
