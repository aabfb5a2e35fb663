// Holes that will never fill in a lossy capture: a hole the peer has acknowledged (the capture lost
// the packet, the network did not) and bytes that waited behind a hole for too long in capture
// time become lost gaps early, so held memory stays small; a hole filled in time stays whole.

#include "reassembly/reassembly_fixture.hpp"

#include <catch2/catch.hpp>

using namespace sniff;
using namespace sniff::reassembly::test;

namespace {

// A segment of direction d that also acknowledges the peer's stream up to peer_offset.
packet::DecodedPacket acking(const Connection& c, model::Direction d, std::uint64_t offset,
                             std::string_view payload, std::uint64_t peer_offset) {
    auto packet = c.data(d, offset, payload);
    packet.tcp.ack = c.seq_at(model::opposite(d), peer_offset);
    return packet;
}

reassembly::ReassemblyConfig with_grace(std::uint64_t packets) {
    reassembly::ReassemblyConfig config;
    config.ack_grace.packets = packets;
    return config;
}

} // namespace

TEST_CASE("a hole the peer acknowledged becomes a lost gap after the reordering allowance",
          "[reassembly][lossy]") {
    Harness h(with_grace(3));
    Connection c;
    h.handshake(c);
    h.feed(c.data(c2s, 0, "aaaa"));
    h.feed(c.data(c2s, 8, "cccc")); // bytes 4..8 never captured
    CHECK(h.reassembler.buffered_bytes() == 4);
    h.feed(acking(c, s2c, 0, "+OK\r\n", 12)); // the server got all 12 bytes
    auto& out = h.sink.flow(1).of(c2s);
    CHECK(out.gaps.empty()); // a late copy may still come: not yet
    h.feed(acking(c, s2c, 5, "+OK\r\n", 12));
    h.feed(acking(c, s2c, 10, "+OK\r\n", 12));
    CHECK(out.gaps.empty());
    h.feed(acking(c, s2c, 15, "+OK\r\n", 12)); // third packet after the ACK
    REQUIRE(out.gaps.size() == 1);
    CHECK(out.gaps[0].offset == 4);
    CHECK(out.gaps[0].length == 4);
    CHECK(out.gaps[0].reason == model::GapReason::lost);
    CHECK(out.bytes == "aaaacccc"); // what waited behind the hole is delivered at once
    CHECK(h.reassembler.buffered_bytes() == 0);
    CHECK(out.tiling_errors == 0);
    CHECK(h.sink.count(model::AnomalyKind::memory_cap) == 0);
}

TEST_CASE("an acknowledged hole is waited for no longer than the frame allowance of the capture",
          "[reassembly][lossy]") {
    reassembly::ReassemblyConfig config;
    config.ack_grace.frames = 10; // the packet allowance (64) is far off
    Harness h(config);
    Connection c;
    h.handshake(c);
    h.feed(c.data(c2s, 0, "aaaa"));
    h.feed(c.data(c2s, 8, "cccc")); // bytes 4..8 never captured
    h.feed(acking(c, s2c, 0, "+OK\r\n", 12));
    auto& out = h.sink.flow(1).of(c2s);
    h.frame += 8; // frames of other flows: the next packet is the 9th frame after the ACK
    h.feed(acking(c, s2c, 5, "+OK\r\n", 12));
    CHECK(out.gaps.empty());
    CHECK(h.sink.flow(1).of(s2c).bytes.empty()); // the answers wait for the question
    h.frame += 5;
    h.feed(acking(c, s2c, 10, "+OK\r\n", 12));
    REQUIRE(out.gaps.size() == 1);
    CHECK(out.gaps[0].offset == 4);
    CHECK(out.gaps[0].length == 4);
    CHECK(out.bytes == "aaaacccc");
    CHECK(h.sink.flow(1).of(s2c).bytes == "+OK\r\n+OK\r\n+OK\r\n");
    CHECK(h.reassembler.buffered_bytes() == 0);
}

TEST_CASE("a segment recorded shortly after the ACK that covers it still fills its hole",
          "[reassembly][lossy]") {
    Harness h(with_grace(4));
    Connection c;
    h.handshake(c);
    h.feed(c.data(c2s, 0, "aaaa"));
    h.feed(c.data(c2s, 8, "cccc"));
    h.feed(acking(c, s2c, 0, "+OK\r\n", 12));
    h.feed(acking(c, s2c, 5, "+OK\r\n", 12));
    h.feed(c.data(c2s, 4, "bbbb")); // reordered behind the server's replies
    h.reassembler.finish();
    auto& out = h.sink.flow(1).of(c2s);
    CHECK(out.bytes == "aaaabbbbcccc");
    CHECK(out.gaps.empty());
}

TEST_CASE("only the acknowledged part of a hole is declared lost", "[reassembly][lossy]") {
    Harness h(with_grace(1));
    Connection c;
    h.handshake(c);
    h.feed(c.data(c2s, 0, "aaaa"));
    h.feed(c.data(c2s, 12, "dddd"));
    h.feed(acking(c, s2c, 0, "+OK\r\n", 8)); // acknowledges up to 8 of the hole 4..12
    h.feed(acking(c, s2c, 5, "+OK\r\n", 8));
    auto& out = h.sink.flow(1).of(c2s);
    REQUIRE(out.gaps.size() == 1);
    CHECK(out.gaps[0].offset == 4);
    CHECK(out.gaps[0].length == 4);
    CHECK(out.bytes == "aaaa");
    CHECK(h.reassembler.buffered_bytes() == 4);
    h.feed(c.data(c2s, 8, "cccc")); // not acknowledged yet when the gap was declared: still taken
    CHECK(out.bytes == "aaaaccccdddd");
    CHECK(h.reassembler.buffered_bytes() == 0);
    CHECK(out.tiling_errors == 0);
}

TEST_CASE("an acknowledgement below the hole or from an old number releases nothing",
          "[reassembly][lossy]") {
    Harness h(with_grace(1));
    Connection c;
    h.handshake(c);
    h.feed(c.data(c2s, 0, "aaaa"));
    h.feed(c.data(c2s, 8, "cccc"));
    h.feed(acking(c, s2c, 0, "+OK\r\n", 4)); // up to the hole, not into it
    h.feed(acking(c, s2c, 5, "+OK\r\n", 2));
    h.feed(acking(c, s2c, 10, "+OK\r\n", 4));
    auto& out = h.sink.flow(1).of(c2s);
    CHECK(out.gaps.empty());
    CHECK(h.reassembler.buffered_bytes() == 4);
    h.feed(c.data(c2s, 4, "bbbb"));
    CHECK(out.bytes == "aaaabbbbcccc");
}

TEST_CASE("bytes held behind a hole for longer than the hole timeout are released",
          "[reassembly][lossy]") {
    reassembly::ReassemblyConfig config;
    config.hole_timeout = 1'000'000'000;
    Harness h(config);
    Connection c;
    h.handshake(c);
    h.feed(c.data(c2s, 0, "aaaa"));
    h.feed(c.data(c2s, 8, "cccc"));
    auto& out = h.sink.flow(1).of(c2s);

    SECTION("on the flow's next packet") {
        h.time += 500'000'000;
        h.feed(c.data(s2c, 0, "x"));
        CHECK(out.gaps.empty());
        h.time += 600'000'000;
        h.feed(c.data(s2c, 1, "y"));
    }
    SECTION("at expiry when the flow stays quiet") {
        h.reassembler.expire(h.time + 900'000'000);
        CHECK(out.gaps.empty());
        h.reassembler.expire(h.time + 1'100'000'000);
    }
    REQUIRE(out.gaps.size() == 1);
    CHECK(out.gaps[0].offset == 4);
    CHECK(out.gaps[0].length == 4);
    CHECK(out.gaps[0].reason == model::GapReason::lost);
    CHECK(out.bytes == "aaaacccc");
    CHECK(h.reassembler.buffered_bytes() == 0);
    CHECK_FALSE(h.sink.flow(1).reason.has_value()); // the flow itself stays open
}

TEST_CASE("a lost request acknowledged by its reply no longer holds the stream behind it",
          "[reassembly][lossy]") {
    // The memory case of a lossy capture: without the acknowledgement rule every later request
    // would wait behind the hole until the buffering cap.
    Harness h(with_grace(8));
    Connection c;
    h.handshake(c);
    const std::string request(100, 'r');
    std::uint64_t max_held = 0;
    for (std::uint64_t i = 0; i < 200; ++i) {
        const std::uint64_t at = i * request.size();
        if (i != 3) // request 3 is dropped by the capture
            h.feed(c.data(c2s, at, request));
        h.feed(acking(c, s2c, i * 5, "+OK\r\n", at + request.size()));
        max_held = std::max(max_held, h.reassembler.buffered_bytes());
    }
    h.reassembler.finish();
    auto& out = h.sink.flow(1).of(c2s);
    REQUIRE(out.gaps.size() == 1);
    CHECK(out.gaps[0].offset == 300);
    CHECK(out.gaps[0].length == 100);
    CHECK(out.bytes.size() == 199 * request.size());
    CHECK(max_held <= 5 * request.size());
}
