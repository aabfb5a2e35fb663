// Flow life cycle: gaps, FIN/RST, port reuse, idle expiry, buffering caps, snaplen, UDP.

#include "reassembly/reassembly_fixture.hpp"

#include <catch2/catch.hpp>

using namespace sniff;
using namespace sniff::reassembly;
using namespace sniff::reassembly::test;
using model::AnomalyKind;
using model::GapReason;

TEST_CASE("a lost segment becomes a gap of its exact size and the stream goes on", "[reassembly]") {
    Harness h;
    Connection c;
    h.handshake(c);
    h.feed(c.data(c2s, 0, "0123456789"));
    h.feed(c.data(c2s, 20, "after-the-gap"));
    h.feed(c.fin(c2s, 33));
    h.feed(c.fin(s2c, 0));
    CHECK(h.reassembler.open_flows() == 1); // bytes before the FIN are still missing
    h.reassembler.finish();
    auto& flow = h.sink.flow(1);
    auto& out = flow.of(c2s);
    CHECK(out.bytes == "0123456789after-the-gap");
    REQUIRE(out.gaps.size() == 1);
    CHECK(out.gaps[0].offset == 10);
    CHECK(out.gaps[0].length == 10);
    CHECK(out.gaps[0].reason == GapReason::lost);
    CHECK(out.tiling_errors == 0);
    CHECK(flow.reason == CloseReason::end_of_input);
    CHECK(flow.closed.of(c2s).gaps == 1);
    CHECK(flow.closed.of(c2s).gap_bytes == 10);
    CHECK(h.reassembler.open_flows() == 0);
}

TEST_CASE("a FIN with missing bytes before it leaves a gap up to the FIN", "[reassembly]") {
    Harness h;
    Connection c;
    h.handshake(c);
    h.feed(c.data(c2s, 0, "abc"));
    h.feed(c.fin(c2s, 8));
    h.reassembler.finish();
    auto& out = h.sink.flow(1).of(c2s);
    REQUIRE(out.gaps.size() == 1);
    CHECK(out.gaps[0].offset == 3);
    CHECK(out.gaps[0].length == 5);
}

TEST_CASE("FIN both ways closes the flow once all bytes are delivered", "[reassembly]") {
    Harness h;
    Connection c;
    h.handshake(c);
    h.feed(c.data(c2s, 0, "bye"));
    h.feed(c.fin(c2s, 3));
    h.feed(c.data(s2c, 0, "ok", f::psh | f::ack | f::fin));
    h.feed(c.ack(c2s, 4)); // counted with the flow, as tshark's conversations count it
    h.feed(c.ack(c2s, 4)); // a duplicate within the linger too
    CHECK(h.reassembler.open_flows() == 1);
    h.time += 1'100'000'000; // the linger (1 s) is over
    h.reassembler.expire(h.time);
    CHECK(h.reassembler.open_flows() == 0);
    h.feed(c.ack(c2s, 4)); // a later copy belongs to the closed flow, uncounted
    CHECK(h.reassembler.flows_seen() == 1);
    auto& flow = h.sink.flow(1);
    CHECK(flow.reason == CloseReason::fin);
    CHECK(flow.closed.of(c2s).fin);
    CHECK(flow.closed.of(s2c).fin);
    CHECK(flow.of(s2c).bytes == "ok");
    CHECK(flow.closed.of(c2s).packets == 6); // SYN, ACK, "bye", FIN, the final ACK twice
    CHECK(flow.closed.of(s2c).packets == 2); // SYN+ACK, "ok" with FIN
    CHECK(h.sink.events_after_close == 0);
}

TEST_CASE("an ended flow's linger is cut short by a new SYN on its 4-tuple", "[reassembly]") {
    Harness h;
    Connection first;
    h.handshake(first);
    h.feed(first.fin(c2s, 0));
    h.feed(first.fin(s2c, 0));
    h.feed(first.ack(c2s, 1));
    Connection second;
    second.isn[0] = 500000;
    h.feed(second.syn());
    CHECK(h.sink.flow(1).reason == CloseReason::fin);
    CHECK(h.sink.flow(1).closed.of(c2s).packets == 4);
    CHECK(h.sink.flow(2).opened.reuse == 1);
    CHECK(h.reassembler.open_flows() == 1);
}

TEST_CASE("a flow whose final ACK never comes still closes as fin", "[reassembly]") {
    Harness h;
    Connection c;
    h.handshake(c);
    h.feed(c.fin(c2s, 0));
    h.feed(c.fin(s2c, 0));
    h.reassembler.finish();
    CHECK(h.sink.flow(1).reason == CloseReason::fin);
}

TEST_CASE("data beyond a seen FIN is reported, not delivered", "[reassembly]") {
    Harness h;
    Connection c;
    h.handshake(c);
    h.feed(c.data(c2s, 0, "abc", f::ack | f::fin));
    h.feed(c.data(c2s, 2, "cdef"));
    CHECK(h.sink.flow(1).of(c2s).bytes == "abc");
    CHECK(h.sink.count(AnomalyKind::data_after_fin) == 1);
}

TEST_CASE("RST closes the flow and later data is an anomaly", "[reassembly]") {
    Harness h;
    Connection c;
    h.handshake(c);
    h.feed(c.data(c2s, 0, "hello?"));
    h.feed(c.data(c2s, 10, "held")); // a hole: becomes a gap at the reset
    h.feed(c.rst(s2c, 0));
    // What the client had in flight still counts with the flow, never as stream data.
    h.feed(c.data(c2s, 6, "in flight"));
    REQUIRE(h.sink.count(AnomalyKind::data_after_rst) == 1);
    CHECK(h.sink.anomalies.back().first == 1);
    h.time += 1'100'000'000; // the linger (1 s) is over
    h.reassembler.expire(h.time);
    CHECK(h.reassembler.open_flows() == 0);
    h.feed(c.data(c2s, 15, "data after the reset"));
    CHECK(h.reassembler.flows_seen() == 1);
    auto& flow = h.sink.flow(1);
    CHECK(flow.reason == CloseReason::rst);
    CHECK(flow.closed.of(s2c).rst);
    CHECK(flow.closed.of(c2s).packets == 5); // SYN, ACK, "hello?", "held", "in flight"
    CHECK(flow.of(c2s).bytes == "hello?held");
    REQUIRE(flow.of(c2s).gaps.size() == 1);
    CHECK(flow.of(c2s).gaps[0].length == 4);
    REQUIRE(h.sink.count(AnomalyKind::data_after_rst) == 2);
    CHECK(h.sink.anomalies.back().first == 0); // the flow is gone
    CHECK(h.sink.events_after_close == 0);
}

TEST_CASE("a new SYN after a close opens a new flow counting the reuse", "[reassembly]") {
    Harness h;
    Connection first;
    h.handshake(first);
    h.feed(first.data(c2s, 0, "first life"));
    h.feed(first.fin(c2s, 10));
    h.feed(first.fin(s2c, 0));
    Connection second;
    second.isn[0] = 500000;
    second.isn[1] = 600000;
    h.handshake(second);
    h.feed(second.data(c2s, 0, "second life"));
    REQUIRE(h.sink.flows.size() == 2);
    CHECK(h.sink.flow(1).of(c2s).bytes == "first life");
    CHECK(h.sink.flow(1).opened.reuse == 0);
    CHECK(h.sink.flow(2).of(c2s).bytes == "second life");
    CHECK(h.sink.flow(2).opened.reuse == 1);
    CHECK(h.sink.flow(2).opened.id == 2);
}

TEST_CASE("a SYN with a new ISN on an open flow replaces it", "[reassembly]") {
    Harness h;
    Connection first;
    h.handshake(first);
    h.feed(first.data(c2s, 0, "abandoned"));
    h.feed(first.syn()); // a retransmitted SYN is no new connection
    CHECK(h.reassembler.flows_seen() == 1);
    Connection second;
    second.isn[0] = 77777;
    h.feed(second.syn());
    h.feed(second.data(c2s, 0, "new"));
    CHECK(h.reassembler.flows_seen() == 2);
    CHECK(h.sink.flow(1).reason == CloseReason::replaced);
    CHECK(h.sink.flow(2).opened.reuse == 1);
    CHECK(h.sink.flow(2).of(c2s).bytes == "new");
}

TEST_CASE("a SYN recorded after its SYN+ACK and ACK is the same connection's", "[reassembly]") {
    // A capture's per-CPU queues can write the SYN after the packets that answer it.
    Harness h;
    Connection c;
    h.feed(c.syn_ack());
    h.feed(c.ack(c2s, 0));
    h.feed(c.syn());
    h.feed(c.data(c2s, 0, "hello"));
    h.feed(c.data(s2c, 0, "world"));
    CHECK(h.reassembler.flows_seen() == 1);
    CHECK(h.sink.flow(1).opened.client == c.client);
    CHECK(h.sink.flow(1).of(c2s).bytes == "hello");
    CHECK(h.sink.flow(1).of(s2c).bytes == "world");
    // A SYN of another ISN still opens a new connection.
    Connection next;
    next.isn[0] = 4242;
    h.feed(next.syn());
    CHECK(h.reassembler.flows_seen() == 2);
}

TEST_CASE("idle flows expire with their holes turned into gaps", "[reassembly]") {
    ReassemblyConfig config;
    config.idle_timeout = 10'000;
    Harness h(config);
    Connection c;
    h.handshake(c);
    h.feed(c.data(c2s, 0, "abc"));
    h.feed(c.data(c2s, 5, "fgh"));
    h.reassembler.expire(h.time + 10'000); // exactly the timeout: not yet idle
    CHECK(h.reassembler.open_flows() == 1);
    h.reassembler.expire(h.time + 10'001);
    CHECK(h.reassembler.open_flows() == 0);
    auto& flow = h.sink.flow(1);
    CHECK(flow.reason == CloseReason::idle);
    CHECK(flow.of(c2s).bytes == "abcfgh");
    REQUIRE(flow.of(c2s).gaps.size() == 1);
    CHECK(flow.of(c2s).gaps[0].offset == 3);
    // More traffic on the tuple later is a new flow.
    h.time += 20'000;
    h.feed(c.data(c2s, 8, "more"));
    CHECK(h.reassembler.flows_seen() == 2);
    CHECK(h.sink.flow(2).opened.reuse == 1);
}

TEST_CASE("the per-flow buffering cap declares the earliest hole a gap", "[reassembly]") {
    ReassemblyConfig config;
    config.max_buffered_per_flow = 100;
    Harness h(config);
    Connection c;
    h.handshake(c);
    h.feed(c.data(c2s, 0, std::string(10, 'a')));
    h.feed(c.data(c2s, 20, std::string(60, 'b')));
    CHECK(h.reassembler.buffered_bytes() == 60);
    h.feed(c.data(c2s, 90, std::string(60, 'd'))); // 120 held > 100
    CHECK(h.reassembler.buffered_bytes() == 60);   // 20..80 released, 90..150 still held
    auto& out = h.sink.flow(1).of(c2s);
    REQUIRE(out.gaps.size() == 1);
    CHECK(out.gaps[0].offset == 10);
    CHECK(out.gaps[0].length == 10);
    CHECK(out.gaps[0].reason == GapReason::buffer_limit);
    CHECK(out.bytes == std::string(10, 'a') + std::string(60, 'b'));
    h.feed(c.data(c2s, 80, std::string(10, 'c')));
    CHECK(out.bytes == std::string(10, 'a') + std::string(60, 'b') + std::string(10, 'c') +
                           std::string(60, 'd'));
    CHECK(h.reassembler.buffered_bytes() == 0);
    CHECK(h.sink.count(AnomalyKind::memory_cap) == 1);
}

TEST_CASE("the total buffering cap releases the flow that went over it", "[reassembly]") {
    ReassemblyConfig config;
    config.max_buffered_total = 100;
    Harness h(config);
    Connection a;
    Connection b;
    b.client.port = 40001;
    h.handshake(a);
    h.handshake(b);
    h.feed(a.data(c2s, 10, std::string(60, 'a')));
    h.feed(b.data(c2s, 10, std::string(60, 'b')));
    CHECK(h.reassembler.buffered_bytes() == 60);
    CHECK(h.sink.flow(1).of(c2s).gaps.empty());
    REQUIRE(h.sink.flow(2).of(c2s).gaps.size() == 1);
    CHECK(h.sink.flow(2).of(c2s).gaps[0].reason == GapReason::buffer_limit);
    CHECK(h.sink.flow(2).of(c2s).bytes == std::string(60, 'b'));
    CHECK(h.sink.count(AnomalyKind::memory_cap) == 1);
}

TEST_CASE("bytes cut by the snap length become a snaplen gap", "[reassembly]") {
    Harness h;
    Connection c;
    h.handshake(c);
    const std::string captured(146, 'x');
    auto cut = c.data(c2s, 0, captured);
    cut.payload_missing = 854;
    SECTION("in order") {
        h.feed(cut);
        h.feed(c.data(c2s, 1000, "next"));
    }
    SECTION("cut segment arriving late") {
        h.feed(c.data(c2s, 1000, "next"));
        h.feed(cut);
    }
    auto& out = h.sink.flow(1).of(c2s);
    CHECK(out.bytes == captured + "next");
    REQUIRE(out.gaps.size() == 1);
    CHECK(out.gaps[0].offset == 146);
    CHECK(out.gaps[0].length == 854);
    CHECK(out.gaps[0].reason == GapReason::snaplen);
    CHECK(out.segments.back().offset == 1000);
    CHECK(out.tiling_errors == 0);
}

TEST_CASE("UDP datagrams are one segment each at running offsets", "[reassembly]") {
    Harness h;
    auto datagram = [](model::Endpoint from, model::Endpoint to, std::string_view text) {
        packet::DecodedPacket p;
        p.protocol = model::Protocol::udp;
        p.source = from;
        p.destination = to;
        p.payload = bytes_of(text);
        return p;
    };
    const auto client = endpoint(0x0a000001, 5353);
    const auto server = endpoint(0x0a000002, 53);
    h.feed(datagram(client, server, "query-1"));
    h.feed(datagram(client, server, ""));
    h.feed(datagram(client, server, "query-3"));
    h.feed(datagram(server, client, "answer"));
    auto cut = datagram(server, client, "abc");
    cut.payload_missing = 7;
    h.feed(cut);
    h.feed(datagram(server, client, "z"));
    CHECK(h.reassembler.open_flows() == 1);
    h.reassembler.finish();
    auto& flow = h.sink.flow(1);
    CHECK(flow.opened.protocol == model::Protocol::udp);
    CHECK(flow.opened.client == client);
    auto& out = flow.of(c2s);
    CHECK(out.bytes == "query-1query-3");
    REQUIRE(out.segments.size() == 3);
    CHECK(out.segments[1].length == 0);
    CHECK(out.segments[2].offset == 7);
    auto& back = flow.of(s2c);
    CHECK(back.bytes == "answerabcz");
    REQUIRE(back.gaps.size() == 1);
    CHECK(back.gaps[0].offset == 9);
    CHECK(back.gaps[0].length == 7);
    CHECK(back.segments.back().offset == 16);
    CHECK(flow.reason == CloseReason::end_of_input);
    CHECK(flow.closed.of(c2s).packets == 3);
    CHECK(flow.closed.of(s2c).wire_bytes == 6 + 10 + 1);
}

TEST_CASE("flow stats count packets, bytes and first frames", "[reassembly]") {
    Harness h;
    Connection c;
    h.handshake(c);                    // frames 1..3
    h.feed(c.data(s2c, 0, "banner"));  // frame 4
    h.feed(c.data(c2s, 0, "request")); // frame 5
    h.reassembler.finish();
    const auto& flow = h.sink.flow(1).closed;
    CHECK(flow.first_frame == 1);
    CHECK(flow.first_seen == 1'001'000);
    CHECK(flow.last_seen == 1'005'000);
    CHECK(flow.of(c2s).packets == 3);
    CHECK(flow.of(s2c).packets == 2);
    CHECK(flow.of(c2s).first_frame == 5);
    CHECK(flow.of(s2c).first_frame == 4);
    CHECK(flow.of(c2s).wire_bytes == 7);
    CHECK(flow.of(s2c).stream_bytes == 6);
}
