// Window scale (RFC 7323): the windows segments and control events carry are in bytes, scaled by
// the shift their sender announced when both SYNs announced one; raw and said unknown when the
// handshake was not seen.

#include "reassembly/reassembly_fixture.hpp"

#include <catch2/catch.hpp>

using namespace sniff;
using namespace sniff::reassembly::test;

namespace {

reassembly::ReassemblyConfig with_controls() {
    reassembly::ReassemblyConfig config;
    config.control_events = true;
    return config;
}

// Handshake with the given options, then data both ways advertising window 100 and an ACK with
// window 3.
void scaled_exchange(Harness& h, const Connection& c, std::optional<std::uint8_t> client_shift,
                     std::optional<std::uint8_t> server_shift) {
    auto syn = c.syn();
    syn.tcp.window_scale = client_shift;
    auto syn_ack = c.syn_ack();
    syn_ack.tcp.window_scale = server_shift;
    h.feed(syn);
    h.feed(syn_ack);
    h.feed(c.ack(c2s, 0, 100));
    h.feed(c.data(c2s, 0, "ping", f::psh | f::ack, 100));
    h.feed(c.data(s2c, 0, "pong", f::psh | f::ack, 100));
    h.feed(c.ack(c2s, 4, 3));
}

std::uint32_t control_window(const Harness& h, model::Direction direction, std::size_t nth) {
    std::size_t seen = 0;
    for (const auto& [id, dir, note] : h.sink.controls)
        if (dir == direction && seen++ == nth)
            return note.window;
    FAIL("no such control event");
    return 0;
}

} // namespace

TEST_CASE("windows are scaled by their sender's shift when both SYNs carried the option",
          "[reassembly][window]") {
    Harness h(with_controls());
    Connection c;
    scaled_exchange(h, c, 7, 2);
    auto& flow = h.sink.flow(1);
    CHECK(flow.of(c2s).segments.at(0).window == 100u << 7);
    CHECK(flow.of(s2c).segments.at(0).window == 100u << 2);
    // Control events: the SYN+ACK's own window is never scaled; the client's ACKs are.
    CHECK(control_window(h, s2c, 0) == 65535);
    CHECK(control_window(h, c2s, 0) == 100u << 7);
    CHECK(control_window(h, c2s, 1) == 3u << 7);
    h.reassembler.finish();
    CHECK(flow.closed.of(c2s).window_shift == 7);
    CHECK(flow.closed.of(s2c).window_shift == 2);
}

TEST_CASE("one SYN without the option turns scaling off both ways", "[reassembly][window]") {
    Harness h;
    Connection c;
    scaled_exchange(h, c, 7, std::nullopt);
    auto& flow = h.sink.flow(1);
    CHECK(flow.of(c2s).segments.at(0).window == 100);
    CHECK(flow.of(s2c).segments.at(0).window == 100);
    h.reassembler.finish();
    CHECK(flow.closed.of(c2s).window_shift == 0);
    CHECK(flow.closed.of(s2c).window_shift == 0);
}

TEST_CASE("a shift above 14 is used as 14", "[reassembly][window]") {
    Harness h;
    Connection c;
    scaled_exchange(h, c, 255, 15);
    auto& flow = h.sink.flow(1);
    CHECK(flow.of(c2s).segments.at(0).window == 100u << 14);
    CHECK(flow.of(s2c).segments.at(0).window == 100u << 14);
    h.reassembler.finish();
    CHECK(flow.closed.of(c2s).window_shift == 14);
}

TEST_CASE("without the handshake the scale is unknown and windows stay raw",
          "[reassembly][window]") {
    Harness h;
    Connection c;
    h.feed(c.data(c2s, 0, "joined late", f::psh | f::ack, 100));
    h.feed(c.data(s2c, 0, "reply", f::psh | f::ack, 200));
    h.reassembler.finish();
    auto& flow = h.sink.flow(1);
    CHECK(flow.of(c2s).segments.at(0).window == 100);
    CHECK(flow.of(s2c).segments.at(0).window == 200);
    CHECK(flow.closed.of(c2s).window_shift == model::k_window_shift_unknown);
    CHECK(flow.closed.of(s2c).window_shift == model::k_window_shift_unknown);
}

TEST_CASE("a SYN seen without its SYN+ACK leaves the scale unknown", "[reassembly][window]") {
    Harness h;
    Connection c;
    auto syn = c.syn();
    syn.tcp.window_scale = 7;
    h.feed(syn);
    h.feed(c.data(c2s, 0, "no answer seen", f::psh | f::ack, 100));
    h.reassembler.finish();
    auto& flow = h.sink.flow(1);
    CHECK(flow.of(c2s).segments.at(0).window == 100);
    CHECK(flow.closed.of(c2s).window_shift == model::k_window_shift_unknown);
}

TEST_CASE("a scaled zero window is still zero: a one-byte segment into it is a probe",
          "[reassembly][window]") {
    Harness h;
    Connection c;
    scaled_exchange(h, c, 7, 7);
    h.feed(c.ack(s2c, 4, 0)); // the server closes its window
    h.feed(c.data(c2s, 4, "x", f::ack));
    CHECK(h.sink.count(model::AnomalyKind::zero_window_probe) == 1);
}
