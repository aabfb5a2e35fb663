// Control events (StreamSink::on_control): pure ACKs, window updates and retransmissions, reported
// only when ReassemblyConfig::control_events asks for them.

#include "reassembly/reassembly_fixture.hpp"

#include <catch2/catch.hpp>

using namespace sniff;
using namespace sniff::reassembly::test;
using model::ControlKind;

namespace {

reassembly::ReassemblyConfig with_controls() {
    reassembly::ReassemblyConfig config;
    config.control_events = true;
    return config;
}

// A short exchange: handshake, a resent segment, pure ACKs, a window change, a keep-alive.
void exchange(Harness& h, const Connection& c) {
    h.handshake(c);                       // the client's ACK of the SYN+ACK: pure ACK
    h.feed(c.data(c2s, 0, "0123456789")); // data
    h.feed(c.ack(s2c, 0));                // pure ACK
    h.time += 300'000'000;                // a timeout later...
    h.feed(c.data(c2s, 0, "0123456789")); // ...sent again: retransmission
    h.feed(c.ack(s2c, 0, 1000));          // same ACK, another window: window update
    h.feed(c.data(c2s, 9, "9", f::ack));  // keep-alive probe: neither
    h.feed(c.data(c2s, 10, "abc"));       // new data
}

} // namespace

TEST_CASE("without control_events no control event is reported", "[reassembly]") {
    Harness h;
    exchange(h, Connection{});
    CHECK(h.sink.controls.empty());
    CHECK(h.sink.flow(1).of(c2s).bytes == "0123456789abc");
}

TEST_CASE("pure ACKs, window updates and retransmissions are reported when asked for",
          "[reassembly]") {
    Harness h(with_controls());
    Connection c;
    exchange(h, c);
    CHECK(h.sink.flow(1).of(c2s).bytes == "0123456789abc"); // the stream is the same
    const auto& controls = h.sink.controls;
    REQUIRE(controls.size() == 5);
    // SYN+ACK (the server's, no payload, ACK set) and the client's handshake ACK.
    CHECK(std::get<1>(controls[0]) == s2c);
    CHECK(std::get<2>(controls[0]).kind == ControlKind::pure_ack);
    CHECK(std::get<2>(controls[0]).tcp_flags == (f::syn | f::ack));
    CHECK(std::get<1>(controls[1]) == c2s);
    CHECK(std::get<2>(controls[1]).kind == ControlKind::pure_ack);
    const auto& ack = std::get<2>(controls[2]);
    CHECK(std::get<1>(controls[2]) == s2c);
    CHECK(ack.kind == ControlKind::pure_ack);
    const auto& resent = std::get<2>(controls[3]);
    CHECK(std::get<1>(controls[3]) == c2s);
    CHECK(resent.kind == ControlKind::retransmission);
    CHECK(resent.offset == 0);
    CHECK(resent.length == 10);
    CHECK(resent.frame == 6);
    const auto& update = std::get<2>(controls[4]);
    CHECK(update.kind == ControlKind::window_update);
    CHECK(update.window == 1000);
    CHECK(update.has_ack);
}

TEST_CASE("a segment below the highest sequence sent within the first round trip is late, not "
          "retransmitted",
          "[reassembly]") {
    Harness h(with_controls());
    Connection c;
    h.handshake(c); // 1 µs between packets: the first round trip is 2 µs
    h.feed(c.data(c2s, 10, "klmnopqrst"));
    h.feed(c.data(c2s, 0, "0123456789")); // 1 µs later: reordered
    h.time += 1'000'000;
    h.feed(c.data(c2s, 0, "0123456789")); // 1 ms later: sent again
    std::size_t retransmissions = 0;
    for (const auto& [id, direction, note] : h.sink.controls)
        retransmissions += note.kind == ControlKind::retransmission ? 1 : 0;
    CHECK(retransmissions == 1);
}

TEST_CASE("bytes the peer acknowledged, sent again, are a retransmission however soon they come",
          "[reassembly]") {
    Harness h(with_controls());
    Connection c;
    h.handshake(c);
    h.feed(c.data(c2s, 0, "0123456789"));
    h.feed(c.data(c2s, 10, "abcdefghij"));
    auto ack = c.ack(s2c, 0);
    ack.tcp.ack = c.seq_at(c2s, 20); // everything acknowledged
    h.feed(ack);
    h.time -= 1500; // stamped 0.5 µs after the highest, as a capture on lo reorders them
    h.feed(c.data(c2s, 0, "0123456789"));
    std::size_t retransmissions = 0;
    for (const auto& [id, direction, note] : h.sink.controls)
        retransmissions += note.kind == ControlKind::retransmission ? 1 : 0;
    CHECK(retransmissions == 1);
}
