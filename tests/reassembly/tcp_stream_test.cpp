// TCP reassembly behaviours driven by hand-made packets: ordering, retransmissions, overlaps,
// sequence numbers and probes.

#include "reassembly/reassembly_fixture.hpp"

#include <catch2/catch.hpp>

using namespace sniff;
using namespace sniff::reassembly::test;
using model::AnomalyKind;

TEST_CASE("in-order segments are delivered at once with their frames and offsets", "[reassembly]") {
    Harness h;
    Connection c;
    h.handshake(c);
    h.feed(c.data(c2s, 0, "hello "));
    const std::uint64_t first_data_frame = h.frame;
    h.feed(c.data(s2c, 0, "hi"));
    h.feed(c.data(c2s, 6, "world"));
    REQUIRE(h.sink.flows.size() == 1);
    auto& flow = h.sink.flow(1);
    auto& out = flow.of(c2s);
    CHECK(out.bytes == "hello world");
    CHECK(flow.of(s2c).bytes == "hi");
    REQUIRE(out.segments.size() == 2);
    CHECK(out.segments[0].frame == first_data_frame);
    CHECK(out.segments[0].offset == 0);
    CHECK(out.segments[0].length == 6);
    CHECK(out.segments[1].index == 1);
    CHECK(out.segments[1].offset == 6);
    CHECK(out.segments[1].tcp_flags == (f::psh | f::ack));
    CHECK(out.tiling_errors == 0);
    CHECK(flow.opened.client == c.client);
    CHECK(flow.opened.saw_syn);
    CHECK(h.reassembler.buffered_bytes() == 0);
}

TEST_CASE("out-of-order segments are held and delivered in order as separate segments",
          "[reassembly]") {
    Harness h;
    Connection c;
    h.handshake(c);
    h.feed(c.data(c2s, 13, "third"));
    const std::uint64_t third_frame = h.frame;
    h.feed(c.data(c2s, 6, "second "));
    CHECK(h.reassembler.buffered_bytes() == 12);
    CHECK(h.sink.flow(1).of(c2s).bytes.empty());
    h.feed(c.data(c2s, 0, "first "));
    auto& out = h.sink.flow(1).of(c2s);
    CHECK(out.bytes == "first second third");
    REQUIRE(out.segments.size() == 3);
    CHECK(out.segments[2].frame == third_frame); // each held piece keeps its own frame
    CHECK(out.segments[2].offset == 13);
    CHECK(h.reassembler.buffered_bytes() == 0);
    h.reassembler.finish();
    const auto& stats = h.sink.flow(1).closed.of(c2s);
    CHECK(stats.out_of_order == 2);
    CHECK(stats.segments == 3);
    CHECK(stats.stream_bytes == 18);
    CHECK(stats.gaps == 0);
}

TEST_CASE("an exact retransmission is counted and not delivered again", "[reassembly]") {
    Harness h;
    Connection c;
    h.handshake(c);
    h.feed(c.data(c2s, 0, "0123456789"));
    h.feed(c.data(c2s, 0, "0123456789"));
    h.feed(c.data(c2s, 10, "ab"));
    h.reassembler.finish();
    auto& flow = h.sink.flow(1);
    CHECK(flow.of(c2s).bytes == "0123456789ab");
    CHECK(flow.closed.of(c2s).retransmissions == 1);
    CHECK(flow.closed.of(c2s).wire_bytes == 22);
    CHECK(flow.closed.of(c2s).stream_bytes == 12);
    CHECK(h.sink.count(AnomalyKind::overlap_conflict) == 0);
}

TEST_CASE("a retransmission carrying new bytes delivers only the new part", "[reassembly]") {
    Harness h;
    Connection c;
    h.handshake(c);
    h.feed(c.data(c2s, 0, "0123456789"));
    h.feed(c.data(c2s, 0, "0123456789ABCDEFGHIJ"));
    h.feed(c.data(c2s, 20, "tail"));
    auto& out = h.sink.flow(1).of(c2s);
    CHECK(out.bytes == "0123456789ABCDEFGHIJtail");
    REQUIRE(out.segments.size() == 3);
    CHECK(out.segments[1].offset == 10);
    CHECK(out.segments[1].length == 10);
    CHECK(out.tiling_errors == 0);
}

TEST_CASE("overlapping bytes that differ keep the first copy and name both versions",
          "[reassembly]") {
    Harness h;
    Connection c;
    h.handshake(c);
    SECTION("against delivered bytes") {
        h.feed(c.data(c2s, 0, "AAAAAAAAAA"));
        h.feed(c.data(c2s, 5, "XXXXXBBBBB"));
        CHECK(h.sink.flow(1).of(c2s).bytes == "AAAAAAAAAABBBBB");
        const auto* anomaly = h.sink.first(AnomalyKind::overlap_conflict);
        REQUIRE(anomaly != nullptr);
        CHECK(anomaly->offset == 5);
        CHECK(anomaly->detail.find("\"AAAAA\"") != std::string::npos);
        CHECK(anomaly->detail.find("\"XXXXX\"") != std::string::npos);
    }
    SECTION("against held bytes") {
        h.feed(c.data(c2s, 0, "01234"));
        h.feed(c.data(c2s, 10, "held-piece"));
        h.feed(c.data(c2s, 5, "mmmmmhe\nd-")); // bytes 10..14 differ at offset 12
        CHECK(h.sink.flow(1).of(c2s).bytes == "01234mmmmmheld-piece");
        const auto* anomaly = h.sink.first(AnomalyKind::overlap_conflict);
        REQUIRE(anomaly != nullptr);
        CHECK(anomaly->offset == 12);
        CHECK(anomaly->detail.find("\"ld-\"") != std::string::npos);
        CHECK(anomaly->detail.find("\"\\nd-\"") != std::string::npos); // escaped newline
    }
    SECTION("against held bytes still behind a hole") {
        h.feed(c.data(c2s, 10, "held-piece"));
        h.feed(c.data(c2s, 12, "LD-Pie")); // differs at 12 and 16: one anomaly
        h.feed(c.data(c2s, 0, "0123456789"));
        CHECK(h.sink.flow(1).of(c2s).bytes == "0123456789held-piece");
        const auto* anomaly = h.sink.first(AnomalyKind::overlap_conflict);
        REQUIRE(anomaly != nullptr);
        CHECK(anomaly->offset == 12);
        CHECK(anomaly->detail.find("\"ld-pie\"") != std::string::npos);
        CHECK(anomaly->detail.find("\"LD-Pie\"") != std::string::npos);
    }
    h.reassembler.finish();
    CHECK(h.sink.count(AnomalyKind::overlap_conflict) == 1);
    CHECK(h.sink.flow(1).closed.of(c2s).overlaps == 1);
}

TEST_CASE("a conflict excerpt is capped and escaped", "[reassembly]") {
    Harness h;
    Connection c;
    h.handshake(c);
    const std::string first(100, '\x1b');
    const std::string second(100, 'Z');
    h.feed(c.data(c2s, 0, first));
    h.feed(c.data(c2s, 0, second));
    const auto* anomaly = h.sink.first(AnomalyKind::overlap_conflict);
    REQUIRE(anomaly != nullptr);
    CHECK(anomaly->detail.find('\x1b') == std::string::npos);
    CHECK(anomaly->detail.find("\\x1b") != std::string::npos);
    CHECK(anomaly->detail.size() < 160);
}

TEST_CASE("partially overlapping pieces store only new bytes", "[reassembly]") {
    Harness h;
    Connection c;
    h.handshake(c);
    h.feed(c.data(c2s, 10, "klmnopqrst"));
    h.feed(c.data(c2s, 5, "fghijklmno"));
    CHECK(h.reassembler.buffered_bytes() == 15); // 5..9 new, 10..14 already held
    h.feed(c.data(c2s, 0, "abcde"));
    h.feed(c.data(c2s, 18, "stuvwx"));
    h.feed(c.data(c2s, 22, "wx")); // wholly old: a retransmission
    auto& out = h.sink.flow(1).of(c2s);
    CHECK(out.bytes == "abcdefghijklmnopqrstuvwx");
    CHECK(out.tiling_errors == 0);
    CHECK(h.sink.count(AnomalyKind::overlap_conflict) == 0);
    h.reassembler.finish();
    CHECK(h.sink.flow(1).closed.of(c2s).retransmissions == 1);
}

TEST_CASE("sequence numbers wrapping past 2^32 keep offsets continuous", "[reassembly]") {
    Harness h;
    Connection c;
    c.isn[0] = 0xfffffff0u;
    c.isn[1] = 0xffffffffu; // the server's first data byte has seq 0
    h.handshake(c);
    h.feed(c.data(c2s, 12, "across-the-wrap|")); // out of order, seq wrapped
    h.feed(c.data(c2s, 0, "before-wrap|"));
    h.feed(c.data(c2s, 28, "after"));
    h.feed(c.data(s2c, 0, "server side starts at zero"));
    auto& flow = h.sink.flow(1);
    CHECK(flow.of(c2s).bytes == "before-wrap|across-the-wrap|after");
    CHECK(flow.of(c2s).segments.back().offset == 28);
    CHECK(flow.of(s2c).bytes == "server side starts at zero");
}

TEST_CASE("a capture starting mid-connection takes the first segment as offset 0", "[reassembly]") {
    Harness h;
    Connection c;
    h.feed(c.data(c2s, 100, "we joined late "));
    h.feed(c.data(s2c, 50, "reply"));
    h.feed(c.data(c2s, 115, "and go on"));
    h.feed(c.data(c2s, 90, "0123456789")); // before the first seen byte: not part of the stream
    auto& flow = h.sink.flow(1);
    CHECK(flow.of(c2s).bytes == "we joined late and go on");
    CHECK(flow.of(s2c).bytes == "reply");
    CHECK_FALSE(flow.opened.saw_syn);
    CHECK(flow.opened.client == c.client); // the first sender
    CHECK(flow.of(c2s).segments[1].offset == 15);
}

TEST_CASE("a SYN+ACK seen first makes its sender the server", "[reassembly]") {
    Harness h;
    Connection c;
    h.feed(c.syn_ack());
    h.feed(c.data(c2s, 0, "request"));
    auto& flow = h.sink.flow(1);
    CHECK(flow.opened.client == c.client);
    CHECK(flow.opened.server == c.server);
    CHECK(flow.opened.saw_syn);
    CHECK(flow.of(c2s).bytes == "request");
}

TEST_CASE("a keep-alive probe is reported and never stream data", "[reassembly]") {
    Harness h;
    Connection c;
    h.handshake(c);
    h.feed(c.data(c2s, 0, "0123456789"));
    h.feed(c.raw(c2s, c.seq_at(c2s, 9), std::string_view("\0", 1), f::ack)); // garbage byte
    h.feed(c.raw(c2s, c.seq_at(c2s, 9), "", f::ack));
    h.feed(c.data(c2s, 10, "abc"));
    CHECK(h.sink.flow(1).of(c2s).bytes == "0123456789abc");
    CHECK(h.sink.count(AnomalyKind::keepalive) == 2);
    CHECK(h.sink.count(AnomalyKind::overlap_conflict) == 0);
}

TEST_CASE("a zero-window probe is flagged and its byte delivered once", "[reassembly]") {
    Harness h;
    Connection c;
    h.handshake(c);
    h.feed(c.data(c2s, 0, "0123456789"));
    h.feed(c.ack(s2c, 0, 0)); // the server's window closes
    h.feed(c.data(c2s, 10, "a"));
    h.feed(c.data(c2s, 10, "a"));
    h.feed(c.ack(s2c, 0, 65535));
    h.feed(c.data(c2s, 10, "abcdef"));
    CHECK(h.sink.flow(1).of(c2s).bytes == "0123456789abcdef");
    CHECK(h.sink.count(AnomalyKind::zero_window_probe) == 2);
    CHECK(h.sink.count(AnomalyKind::overlap_conflict) == 0);
}

TEST_CASE("data on a SYN (TCP Fast Open) starts the stream at offset 0", "[reassembly]") {
    Harness h;
    Connection c;
    h.feed(c.raw(c2s, c.isn[0], "fast-open data", f::syn));
    h.feed(c.syn_ack());
    h.feed(c.data(c2s, 14, " then more"));
    h.feed(c.raw(c2s, c.isn[0], "fast-open data", f::syn)); // retransmitted SYN
    CHECK(h.reassembler.flows_seen() == 1);
    auto& out = h.sink.flow(1).of(c2s);
    CHECK(out.bytes == "fast-open data then more");
    REQUIRE(!out.segments.empty());
    CHECK(out.segments[0].offset == 0);
    CHECK(h.sink.count(AnomalyKind::syn_with_data) == 1);
}

TEST_CASE("flows differing only in address family or protocol stay apart", "[reassembly]") {
    Harness h;
    Connection v4;
    Connection v6 = v4;
    v6.client.ip.version = 6; // same address bytes, other family
    v6.server.ip.version = 6;
    h.feed(v4.data(c2s, 0, "four"));
    h.feed(v6.data(c2s, 0, "six"));
    auto udp = v4.data(s2c, 0, "datagram");
    udp.protocol = model::Protocol::udp;
    h.feed(udp);
    h.feed(v4.data(s2c, 0, "back"));
    REQUIRE(h.sink.flows.size() == 3);
    CHECK(h.sink.flow(1).of(c2s).bytes == "four");
    CHECK(h.sink.flow(1).of(s2c).bytes == "back");
    CHECK(h.sink.flow(2).of(c2s).bytes == "six");
    CHECK(h.sink.flow(3).of(c2s).bytes == "datagram"); // its first sender is its client
    CHECK(h.sink.flow(3).opened.client == v4.server);
}
