// sniff exec on a C program of the tests' own (tests/exec/programs/socket_calls.c, compiled here
// with the system's gcc): every interposed call, MSG_PEEK, dup2 over a socket, a reused
// descriptor number, fork + exec, two threads, a UDP datagram longer than the buffer.

#include "exec/support.hpp"
#include "support/process.hpp"

#include <catch2/catch.hpp>

namespace {

using sniff::model::Direction;
using sniff::test::RecordingSink;
using sniff::test::SeenFlow;

std::string build_socket_calls() {
    static const std::string binary = [] {
        const auto dir = sniff::test::scratch_dir("exec-c");
        const std::string out = (dir / "socket_calls").string();
        const auto built =
            sniff::test::run_command("gcc -O2 -pthread -o '" + out +
                                     "' '" SNIFF_SOURCE_DIR "/tests/exec/programs/socket_calls.c'");
        return built.exit_code == 0 ? out : std::string();
    }();
    return binary;
}

struct CRun {
    RecordingSink sink;
    sniff::test::ExecRun run;
};

const CRun& c_run() {
    static CRun result = [] {
        CRun r;
        r.run = sniff::test::run_exec({build_socket_calls()}, r.sink);
        return r;
    }();
    return result;
}

// The flow whose client side wrote `text` with a call other than a read: the connecting side's
// own flow (both ends of a loopback connection are in the program, each its own flow).
const SeenFlow* writer_flow(const RecordingSink& sink, const std::string& text) {
    for (const SeenFlow* flow : sink.carrying(Direction::c2s, text))
        for (const auto& segment : flow->segments)
            if (segment.direction == Direction::c2s &&
                segment.call.find("read") == std::string::npos &&
                segment.call.find("recv") == std::string::npos)
                return flow;
    return nullptr;
}

} // namespace

TEST_CASE("exec runs a C program unchanged and reports its status", "[exec]") {
    REQUIRE_FALSE(build_socket_calls().empty());
    const CRun& run = c_run();
    REQUIRE(run.run.error.empty());
    CHECK(run.run.status == 0); // the program checks every result of its own calls
    CHECK(run.run.counters.malformed == 0);
    CHECK(run.run.counters.dropped == 0);
}

TEST_CASE("exec reports each reading and writing call by name with its bytes", "[exec]") {
    const CRun& run = c_run();
    const SeenFlow* client = writer_flow(run.sink, "via-write");
    REQUIRE(client != nullptr);
    CHECK(client->flow.origin == sniff::model::FlowOrigin::exec);
    CHECK(client->flow.saw_syn); // connect() named the client
    for (const char* call : {"write", "send", "writev", "sendto", "sendmsg"})
        CHECK(client->any_call(call));
    CHECK(client->stream(Direction::c2s)
              .rfind("via-writevia-sendwritev-partvia-sendtovia-sendmsgpeekedchk1chk2chk3", 0) ==
          0);
    CHECK(client->stream(Direction::s2c) == "answer");

    // The accepting side of the same connection: its reads, one segment per call.
    const auto readers = run.sink.carrying(Direction::c2s, "via-write");
    const SeenFlow* server = nullptr;
    for (const SeenFlow* flow : readers)
        if (flow != client)
            server = flow;
    REQUIRE(server != nullptr);
    for (const char* call : {"read", "recv", "readv", "recvfrom", "recvmsg", "__read_chk",
                             "__recv_chk", "__recvfrom_chk"})
        CHECK(server->any_call(call));
    // MSG_PEEK did not advance the stream: "peeked" is there once.
    const std::string in = server->stream(Direction::c2s);
    CHECK(in.rfind("via-writevia-sendwritev-partvia-sendtovia-sendmsgpeekedchk1chk2chk3", 0) == 0);
    for (const auto& segment : server->segments)
        if (segment.call == "recv" && segment.bytes == "via-send")
            CHECK(segment.info.asked == 8);
    CHECK(run.run.counters.peeks >= 1);
    CHECK(run.run.counters.eofs >= 1);
}

TEST_CASE("exec reports sendfile and splice as byte counts", "[exec]") {
    const CRun& run = c_run();
    const SeenFlow* client = writer_flow(run.sink, "via-write");
    REQUIRE(client != nullptr);
    REQUIRE(client->gaps.size() == 1);
    CHECK(client->gaps[0].length == 13); // sendfile's count, its bytes never in the program
    const auto readers = run.sink.carrying(Direction::c2s, "via-write");
    std::size_t spliced = 0;
    for (const SeenFlow* flow : readers)
        for (const auto& gap : flow->gaps)
            spliced += flow != client ? gap.length : 0;
    CHECK(spliced == 13);
}

TEST_CASE("exec follows dup2 over a socket and a descriptor number reused after close", "[exec]") {
    const CRun& run = c_run();
    const SeenFlow* first = writer_flow(run.sink, "dup-first");
    const SeenFlow* second = writer_flow(run.sink, "dup2-lands-on-second");
    REQUIRE(first != nullptr);
    REQUIRE(second != nullptr);
    CHECK(first != second);
    CHECK(first->stream(Direction::c2s) == "dup-first");
    CHECK(second->stream(Direction::c2s) == "dup2-lands-on-second+fcntl-dup");

    const SeenFlow* before = writer_flow(run.sink, "before-reuse");
    const SeenFlow* after = writer_flow(run.sink, "after-reuse");
    REQUIRE(before != nullptr);
    REQUIRE(after != nullptr);
    CHECK(before != after);
    CHECK(before->stream(Direction::c2s) == "before-reuse");
    CHECK(after->stream(Direction::c2s) == "after-reuse");
    CHECK(before->closed);
}

TEST_CASE("exec follows fork, exec and threads", "[exec]") {
    const CRun& run = c_run();
    CHECK(writer_flow(run.sink, "from-fork-child") != nullptr);
    CHECK(writer_flow(run.sink, "from-exec-child") != nullptr);
    for (const char* text : {"thread-A;", "thread-B;"}) {
        const SeenFlow* flow = writer_flow(run.sink, text);
        REQUIRE(flow != nullptr);
        std::string expected;
        for (int i = 0; i < 50; ++i)
            expected += text;
        CHECK(flow->stream(Direction::c2s) == expected);
        CHECK(flow->calls(Direction::c2s, "send") == 50);
    }
}

TEST_CASE("exec reports a UDP datagram cut by a small buffer with its real length", "[exec]") {
    const CRun& run = c_run();
    bool cut_seen = false;
    for (const auto& [id, flow] : run.sink.flows)
        for (const auto& segment : flow.segments)
            if (segment.call == "recv" && segment.bytes.rfind("udp-big", 0) == 0) {
                CHECK(flow.flow.protocol == sniff::model::Protocol::udp);
                CHECK(segment.bytes.size() == 1024);
                CHECK(segment.info.asked == 1024);
                cut_seen = true;
            }
    CHECK(cut_seen);
    bool anomaly = false;
    for (const auto& seen : run.sink.anomalies)
        anomaly |= seen.kind == sniff::model::AnomalyKind::datagram_truncated &&
                   seen.detail.find("1024 of a 3000-byte datagram") != std::string::npos;
    CHECK(anomaly);
    CHECK(run.run.counters.truncated_datagrams == 1);
    std::size_t mmsg = 0;
    for (const auto& [id, flow] : run.sink.flows)
        for (const auto& segment : flow.segments)
            mmsg += segment.call == "recvmmsg" || segment.call == "sendmmsg" ? 1 : 0;
    CHECK(mmsg == 4);
}

TEST_CASE("exec keeps reporting after close_range over its descriptor and dup2 onto it", "[exec]") {
    const CRun& run = c_run();
    CHECK(writer_flow(run.sink, "after-close-range") != nullptr);
    CHECK(writer_flow(run.sink, "after-dup2-onto-1021") != nullptr);
}
