// The two directions reach the sink in causal order: a segment that acknowledges bytes of the
// other direction not delivered yet (a capture recorded the answer before the question) waits for
// them; an RST recorded before its sender's last bytes waits for them; nonsense acknowledgements
// hold nothing for long.

#include "reassembly/reassembly_fixture.hpp"

#include <catch2/catch.hpp>

using namespace sniff;
using namespace sniff::reassembly;
using namespace sniff::reassembly::test;

namespace {

// Records which direction's bytes reached the sink, in order.
struct OrderSink : RecordingSink {
    std::string order; // "c" or "s" per data event
    void on_data(const model::Flow& flow, model::Direction direction,
                 const model::SegmentInfo& segment, util::Bytes bytes) override {
        order += direction == c2s ? 'c' : 's';
        RecordingSink::on_data(flow, direction, segment, bytes);
    }
};

packet::DecodedPacket acking(const Connection& c, model::Direction d, std::uint64_t offset,
                             std::string_view payload, std::uint64_t peer_offset,
                             std::uint8_t flags = model::tcp_flags::psh | model::tcp_flags::ack) {
    auto packet = c.data(d, offset, payload, flags);
    packet.tcp.ack = c.seq_at(model::opposite(d), peer_offset);
    return packet;
}

struct OrderHarness {
    explicit OrderHarness(ReassemblyConfig config = {}) : reassembler(config, sink) {}
    void feed(const packet::DecodedPacket& packet) { reassembler.add(packet, ++frame, ++time); }
    OrderSink sink;
    Reassembler reassembler;
    std::uint64_t frame = 0;
    model::Timestamp time = 1'000'000;
};

void handshake(OrderHarness& h, const Connection& c) {
    h.feed(c.syn());
    h.feed(c.syn_ack());
    h.feed(acking(c, c2s, 0, "", 0, model::tcp_flags::ack));
}

} // namespace

TEST_CASE("an answer recorded before its question is delivered after it", "[reassembly]") {
    OrderHarness h;
    Connection c;
    handshake(h, c);
    h.feed(acking(c, s2c, 0, "HTTP/1.1 200 OK\r\n", 16)); // answers the 16 bytes below
    CHECK(h.sink.order.empty());                          // parked
    h.feed(acking(c, c2s, 0, "HEAD / HTTP/1.1\r\n", 0));
    CHECK(h.sink.order == "cs");
    auto& flow = h.sink.flow(1);
    CHECK(flow.of(c2s).bytes == "HEAD / HTTP/1.1\r\n");
    CHECK(flow.of(s2c).bytes == "HTTP/1.1 200 OK\r\n");
    CHECK(flow.of(s2c).segments[0].frame == 4); // with its own frame number
}

TEST_CASE("a direction's later segment passes its parked one when the peer awaits it",
          "[reassembly]") {
    // Client: request (frame A, late), then data acknowledging the server's answer (frame B).
    // Server: the answer to the request. Recorded: answer, B, A.
    OrderHarness h;
    Connection c;
    handshake(h, c);
    h.feed(acking(c, s2c, 0, "101", 5));   // needs the client's first 5 bytes
    h.feed(acking(c, c2s, 5, "frame", 3)); // needs the answer: parked behind it
    CHECK(h.sink.order.empty());
    h.feed(acking(c, c2s, 0, "GET /", 0)); // the request: passes the parked client segment
    CHECK(h.sink.order == "csc");
    CHECK(h.sink.flow(1).of(c2s).bytes == "GET /frame");
}

TEST_CASE("an RST recorded before its sender's last bytes closes the flow after them",
          "[reassembly]") {
    OrderHarness h;
    Connection c;
    handshake(h, c);
    h.feed(acking(c, c2s, 0, "abc", 0));
    h.feed(acking(c, c2s, 6, "", 0, model::tcp_flags::rst | model::tcp_flags::ack));
    CHECK(h.reassembler.open_flows() == 1); // the RST waits for bytes 3..6
    h.feed(acking(c, c2s, 3, "def", 0));    // the RST's turn: the flow ends, and lingers 1 s
    h.reassembler.expire(h.time + 1'100'000'000);
    CHECK(h.reassembler.open_flows() == 0);
    auto& flow = h.sink.flow(1);
    CHECK(flow.of(c2s).bytes == "abcdef");
    CHECK(flow.reason == CloseReason::rst);
    CHECK(h.sink.anomalies.empty()); // no data after RST
}

TEST_CASE("each direction waiting on the other is no deadlock while the next bytes are uncaptured",
          "[reassembly]") {
    // STARTTLS as a reordered capture recorded it (sniff-gencap --reshuffle of a real SMTP
    // session): the ClientHello, the ServerHello and the server's "220" come before the client's
    // STARTTLS. Both directions then wait on the other's parked packets, but the client's next
    // bytes are not among them: the 220 must not be overtaken by the hellos.
    OrderHarness h;
    Connection c;
    handshake(h, c);
    h.feed(acking(c, c2s, 10, "CH", 11));           // ClientHello: needs the 220
    h.feed(acking(c, s2c, 11, "SH", 12));           // ServerHello: needs the ClientHello
    h.feed(acking(c, s2c, 0, "220 Ready\r\n", 10)); // later in the queue, needs less
    CHECK(h.sink.order.empty());
    h.feed(acking(c, c2s, 0, "STARTTLS\r\n", 0));
    CHECK(h.sink.order == "cscs");
    auto& flow = h.sink.flow(1);
    CHECK(flow.of(c2s).bytes == "STARTTLS\r\nCH");
    CHECK(flow.of(s2c).bytes == "220 Ready\r\nSH");
    CHECK(flow.of(c2s).gaps.empty());
    CHECK(flow.of(s2c).gaps.empty());
}

TEST_CASE("an RST waits for its sender's bytes that are parked behind it", "[reassembly]") {
    // Recorded: the client's RST, then its last request (parked: it acknowledges a server answer
    // not captured yet), then that answer. The request goes once the answer is in, though the
    // RST is older in the queue, and the RST after it.
    OrderHarness h;
    Connection c;
    handshake(h, c);
    h.feed(acking(c, c2s, 0, "one\r\n", 0));
    h.feed(acking(c, c2s, 10, "", 5, model::tcp_flags::rst | model::tcp_flags::ack));
    h.feed(acking(c, c2s, 5, "two\r\n", 5)); // acknowledges "ok1" below
    h.feed(acking(c, s2c, 0, "ok1\r\n", 5));
    CHECK(h.sink.order == "csc");
    h.reassembler.expire(h.time + 1'100'000'000);
    auto& flow = h.sink.flow(1);
    CHECK(flow.of(c2s).bytes == "one\r\ntwo\r\n");
    CHECK(flow.reason == CloseReason::rst);
    CHECK(h.sink.anomalies.empty()); // no data after the RST
}

TEST_CASE("acknowledgements of bytes never sent hold a segment only for the allowance",
          "[reassembly]") {
    ReassemblyConfig config;
    config.ack_grace.packets = 3;
    OrderHarness h(config);
    Connection c;
    handshake(h, c);
    h.feed(acking(c, s2c, 0, "bogus", 1000)); // acknowledges 1000 client bytes never sent
    CHECK(h.sink.order.empty());
    for (int i = 0; i < 4; ++i)
        h.feed(acking(c, c2s, 0, "", 0, model::tcp_flags::ack));
    CHECK(h.sink.order == "s");
    h.reassembler.finish();
    CHECK(h.sink.flow(1).of(s2c).bytes == "bogus");
}

TEST_CASE("parked segments are delivered when the flow ends", "[reassembly]") {
    OrderHarness h;
    Connection c;
    handshake(h, c);
    h.feed(acking(c, s2c, 0, "answer", 9));
    h.reassembler.finish();
    CHECK(h.sink.flow(1).of(s2c).bytes == "answer");
    CHECK(h.sink.flow(1).reason == CloseReason::end_of_input);
}

TEST_CASE("without causal order the answer goes first, as recorded", "[reassembly]") {
    ReassemblyConfig config;
    config.causal_order = false;
    OrderHarness h(config);
    Connection c;
    handshake(h, c);
    h.feed(acking(c, s2c, 0, "answer", 8));
    h.feed(acking(c, c2s, 0, "question", 0));
    CHECK(h.sink.order == "sc");
}
