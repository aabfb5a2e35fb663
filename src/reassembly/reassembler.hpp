#pragma once
// Turns decoded packets into flows and ordered per-direction streams.
//
// Flows are keyed by protocol and both endpoints. The client is the SYN sender, else the first
// sender. A flow that ended (FIN both ways or RST) closes close_linger later, counting the packets
// that come meanwhile; a SYN on its 4-tuple starts a new flow (port reuse, Flow::reuse counts
// them), and later packets without SYN are taken as the closed flow's and dropped.
//
// TCP per direction: in-order bytes are passed to the sink at once, zero-copy. Out-of-order
// segments are copied and held (bounded by the caps below) until the hole is filled. Exact
// retransmissions are counted, not delivered; a retransmission carrying extra bytes delivers only
// the new part; overlapping bytes that differ from the first copy are an overlap_conflict anomaly
// (first copy wins) naming both versions. Sequence numbers wrap at 32 bits; stream offsets are 64
// bits. Keep-alive probes (one old byte) and zero-window probes are never stream data. A hole that
// is not filled when the flow ends, or when the buffering caps are hit, becomes a Gap of known
// size: never zero-filled, and the stream goes on after it.
//
// Lossy captures (the capturing host dropped packets) are recognised without waiting for the caps:
// a hole the peer has acknowledged (an ACK of the other direction beyond its start) was lost by the
// capture, so its acknowledged part becomes a lost gap once ack_grace.packets more packets of the
// flow, or ack_grace.frames more frames of the capture, came without filling it, and what waited
// behind it is delivered (Zeek's content-gap rule, with an allowance for local reordering).
// Independently, no byte waits behind a hole for more than hole_timeout of capture time (checked
// per packet of the flow and at every expire()).
//
// Windows are in bytes: scaled by the window scale both SYNs announced (RFC 7323), raw when the
// handshake was not captured (model::DirectionStats::window_shift says which).
//
// The two directions are delivered in causal order (causal_order): a TCP segment that acknowledges
// bytes of the other direction not delivered yet waits, parked, until they are (or until
// the same grace passed, or both directions wait on each other, which
// only nonsense acknowledgements cause); an RST waits for the bytes its sender sent before it. A
// capture's per-CPU queues record an answer before its question; the dissectors that pair the
// directions must see them as the peers did.
//
// UDP: each datagram is one segment of its direction.
//
// With control_events, packets that are no stream data of their own are reported too: every TCP
// packet without payload that carries an ACK (tshark's tcp.len==0 && tcp.flags.ack==1), as a
// window update when it only changes the advertised window, and every segment that does not
// advance the highest sequence number its direction sent, unless it is merely late (tshark's
// tcp.analysis.retransmission; keep-alive and zero-window probes are neither).

#include "packet/decoded_packet.hpp"
#include "reassembly/ack_grace.hpp"
#include "reassembly/stream_sink.hpp"

#include <cstdint>
#include <memory>

namespace sniff::reassembly {

struct ReassemblyConfig {
    std::uint64_t max_buffered_per_flow = 8ull << 20; // out-of-order bytes held per flow
    std::uint64_t max_buffered_total = 256ull << 20;  // out-of-order bytes held in all
    model::Timestamp idle_timeout = 600'000'000'000;  // ns without packets before a flow closes
    // Capture time (ns) bytes may wait behind a hole before the hole is declared lost.
    model::Timestamp hole_timeout = 10'000'000'000;
    // How long a hole the peer has acknowledged is still waited for (a reordered capture may
    // record the bytes after the ACK) before it is declared lost.
    AckGrace ack_grace;
    // Report pure ACKs, window updates and retransmissions to the sink (StreamSink::on_control):
    // for the HTML report's time-sequence graph. Off, a packet costs what it did without them.
    bool control_events = false;
    // Capture time (ns) a flow that ended (FIN both ways, or RST) still takes the packets of its
    // 4-tuple before it closes: the ACKs of the last FINs, a retransmitted FIN, what the peer had
    // in flight at an RST. They are counted with the flow, as tshark counts a conversation's
    // frames; a new SYN on the 4-tuple closes it at once.
    model::Timestamp close_linger = 1'000'000'000;
    // Deliver the two directions in causal order: a segment that acknowledges bytes of the other
    // direction not delivered yet (a capture recorded the answer before the question) waits for
    // them, at most as long as ack_grace allows. Dissectors that pair directions
    // (HTTP's HEAD, upgrades, STARTTLS) then see the question first, as the peer did.
    bool causal_order = true;
};

class Reassembler {
public:
    Reassembler(ReassemblyConfig config, StreamSink& sink);
    ~Reassembler();
    Reassembler(const Reassembler&) = delete;
    Reassembler& operator=(const Reassembler&) = delete;

    void add(const packet::DecodedPacket& packet, std::uint64_t frame, model::Timestamp time);
    // Closes flows idle for longer than the timeout, and ended flows whose linger is over, as of
    // `now` (packet time, not wall time).
    void expire(model::Timestamp now);
    // End of input: remaining holes become gaps and every open flow closes (end_of_input).
    void finish();

    std::size_t open_flows() const;
    std::uint64_t flows_seen() const;
    std::uint64_t buffered_bytes() const;

private:
    struct State;
    std::unique_ptr<State> m_state;
};

} // namespace sniff::reassembly
