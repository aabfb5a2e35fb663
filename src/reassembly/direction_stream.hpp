#pragma once
// One direction of a flow: maps TCP sequence numbers to 64-bit stream offsets, delivers in-order
// bytes zero-copy, holds out-of-order pieces (copied) until their hole fills, and turns holes that
// will not fill into gaps. Also carries UDP directions, where each datagram is one segment.
//
// Per-segment cases, by the segment's stream offset `start` (from the signed 32-bit distance of
// its seq to the next expected seq) against the next expected offset `next`:
//   start + len <= next          retransmission: compared with the recently delivered bytes
//   start <= next < start + len  in order (or a retransmission with new bytes): the new part is
//                                delivered at once, then any held pieces that became contiguous
//   start > next                 out of order: the bytes not already held are copied and held
//   start == next - 1, len <= 1  keep-alive probe (never data)
// Overlapping bytes that differ from the first copy are an overlap_conflict; the first copy wins.

#include "model/flow.hpp"
#include "model/segment.hpp"
#include "reassembly/ack_grace.hpp"
#include "reassembly/recent_bytes.hpp"
#include "reassembly/stream_sink.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

namespace sniff::reassembly {

// What the reassembler knows for telling a retransmission from a segment that is only late, when
// the sink asked for control events (ReassemblyConfig::control_events).
struct ControlContext {
    // A segment that does not advance the highest sequence sent but comes within this time of the
    // last one that did is out of order, not retransmitted (tshark's rule: the first round trip
    // of the handshake, or 3 ms when the handshake was not seen).
    model::Timestamp reorder_window = 3'000'000;
};

// Where a direction's events go, and the stats they update.
struct StreamEvents {
    StreamSink& sink;
    model::Flow& flow;
    model::Direction direction;
    const ControlContext* controls = nullptr; // null: no control events (the usual run)
    model::DirectionStats& stats() { return flow.of(direction); }
};

// What a TCP packet said about the other direction, passed through to SegmentInfo.
struct AckInfo {
    bool has_ack = false;
    std::uint64_t ack_offset = 0; // the other direction's stream offset
    std::uint32_t window = 0;     // scaled when the scale is known (DirectionStats::window_shift)
};

// One packet of this direction, as reassembly needs it.
struct SegmentInput {
    std::uint32_t seq = 0;
    std::uint8_t flags = 0;
    util::Bytes payload;
    std::uint32_t missing = 0; // payload bytes cut by the snap length, right after payload
    std::uint64_t frame = 0;
    model::Timestamp time = 0;
    bool stable = false; // payload stays valid after the call (DecodedPacket::payload_stable)
    AckInfo ack;
};

class DirectionStream {
public:
    // A TCP segment sent in this direction. peer_window_zero: the receiver's last advertised
    // window was 0 (a one-byte segment at `next` is then a zero-window probe).
    void add_tcp(StreamEvents& events, const SegmentInput& segment, bool peer_window_zero);
    // A UDP datagram: one segment at the running offset, then a snaplen gap if it was cut.
    void add_datagram(StreamEvents& events, const SegmentInput& segment);

    // Declares the first hole a gap of `reason` and delivers the held bytes after it up to the
    // next hole. No-op when nothing is held.
    void release_first_hole(StreamEvents& events, model::GapReason reason, std::uint64_t frame);
    // The peer acknowledged `ack` in this direction's sequence space: every byte before it reached
    // the peer, so bytes before it that the capture lacks were lost by the capture, not the
    // network, and no retransmission will bring them. Only remembered here (the highest ack).
    void note_ack(std::uint32_t ack);
    // Declares lost the acknowledged part of the first hole, once `grace` has passed since this
    // hole was first known acknowledged (packet_number counts the flow's packets, frame is the
    // capture's newest frame): a locally reordered capture may still bring the bytes a little
    // after the ACK. Repeats for the following holes; each waits its own grace.
    void release_acknowledged(StreamEvents& events, std::uint64_t packet_number,
                              const AckGrace& grace, std::uint64_t frame);
    // Declares lost every hole followed by bytes held for longer than `timeout` as of `now`
    // (capture time): no byte waits behind a hole for longer than that.
    void release_stale(StreamEvents& events, model::Timestamp now, model::Timestamp timeout,
                       std::uint64_t frame);
    // End of the direction: every hole becomes a lost gap, held bytes are delivered, and bytes
    // missing before a seen FIN are a gap too.
    void flush(StreamEvents& events, std::uint64_t frame);

    bool started() const { return m_started; }
    bool has_isn() const { return m_has_isn; }
    std::uint32_t isn() const { return m_isn; }
    // Sequence number of stream offset 0 (ISN + 1 when the stream began at its SYN or its first
    // byte).
    std::uint32_t base_seq() const { return m_base_seq; }
    // FIN seen and every byte before it delivered (or declared a gap).
    bool finished() const { return m_fin_known && m_next >= m_fin_offset; }
    std::uint64_t held_bytes() const { return m_held_bytes; }
    bool has_held() const { return !m_held.empty(); }
    std::uint64_t next_offset() const { return m_next; }

    void set_window(std::uint32_t window) {
        m_window = window;
        m_window_known = true;
    }
    bool window_zero() const { return m_window_known && m_window == 0; }
    // The window this direction advertised last, when known.
    std::optional<std::uint32_t> window() const {
        return m_window_known ? std::optional<std::uint32_t>(m_window) : std::nullopt;
    }
    // The last acknowledgement this direction sent (a stream offset of the other direction);
    // kept only while control events are reported.
    std::optional<std::uint64_t> ack_sent() const {
        return m_ack_sent_known ? std::optional<std::uint64_t>(m_ack_sent) : std::nullopt;
    }
    void set_ack_sent(std::uint64_t offset) {
        m_ack_sent = offset;
        m_ack_sent_known = true;
    }
    // The stream offset an acknowledgement number of the other direction stands for (by its
    // signed 32-bit distance to the next expected seq, as segments are placed); nullopt before
    // this direction started. An ACK of the FIN is one past the last byte.
    std::optional<std::uint64_t> offset_of_ack(std::uint32_t ack) const;

private:
    struct Piece {
        // The piece's bytes: a view of a stable capture frame (no copy), or of `owned`. A moved
        // vector keeps its buffer, so the view survives the piece's move into the map.
        util::Bytes bytes; // empty for a snaplen-missing piece
        std::vector<std::byte> owned;
        bool stable = false;
        std::uint64_t length = 0;
        std::uint64_t frame = 0;
        model::Timestamp time = 0;
        std::uint8_t flags = 0;
        bool missing = false; // bytes cut by the snap length: becomes a snaplen gap
        AckInfo ack;
    };
    using PieceMap = std::map<std::uint64_t, Piece>;

    // Per-packet bookkeeping shared by the runs of one segment.
    struct Arrival {
        const SegmentInput& segment;
        std::uint64_t new_bytes = 0;
        bool held = false;
        bool conflict_reported = false;
    };

    void start(std::uint32_t first_seq, bool from_syn, std::uint32_t syn_seq);
    std::uint32_t next_seq() const { return m_base_seq + static_cast<std::uint32_t>(m_next); }
    bool is_keepalive(const SegmentInput& segment, std::int64_t start, std::uint64_t length) const;
    // Control events only: reports the segment [start, start + length) of sequence space (SYN at
    // -1) as a retransmission when it does not advance the highest sequence sent and is not
    // merely late, and advances that mark otherwise.
    void note_sent(StreamEvents& events, const SegmentInput& segment, std::int64_t start,
                   std::uint64_t length);

    // Inserts [start, start + length): bytes, or a snaplen-missing run when bytes is empty.
    void insert(StreamEvents& events, Arrival& arrival, std::uint64_t start, util::Bytes bytes,
                std::uint64_t length);
    PieceMap::iterator piece_covering_or_after(std::uint64_t offset);
    void compare_delivered(StreamEvents& events, Arrival& arrival, std::uint64_t offset,
                           util::Bytes bytes);
    void compare_held(StreamEvents& events, Arrival& arrival, std::uint64_t offset,
                      util::Bytes bytes, const PieceMap::value_type& piece);
    void report_conflict(StreamEvents& events, Arrival& arrival, std::uint64_t offset,
                         util::Bytes kept, util::Bytes dropped);
    void hold(Arrival& arrival, std::uint64_t offset, util::Bytes bytes, std::uint64_t length);

    // remember: keep the bytes for overlap checks (TCP; UDP datagrams never overlap); stable: they
    // stay valid after the call, so a view is kept instead of a copy.
    void deliver(StreamEvents& events, util::Bytes bytes, std::uint64_t frame,
                 model::Timestamp time, std::uint8_t flags, bool remember, bool stable = false,
                 const AckInfo& ack = {});
    void emit_gap(StreamEvents& events, std::uint64_t length, model::GapReason reason,
                  std::uint64_t frame);
    void drain(StreamEvents& events);
    void anomaly(StreamEvents& events, model::AnomalyKind kind, std::uint64_t frame,
                 std::uint64_t offset, std::string detail);

    bool m_started = false;
    bool m_has_isn = false;
    bool m_fin_known = false;
    bool m_window_known = false;
    std::uint32_t m_window = 0;
    std::uint32_t m_isn = 0;
    std::uint32_t m_base_seq = 0;   // sequence number of stream offset 0
    std::uint64_t m_next = 0;       // next expected offset: everything before it was handled
    std::uint64_t m_fin_offset = 0; // offset the FIN occupies (one past the last data byte)
    std::uint64_t m_next_index = 0; // SegmentInfo::index of the next delivery
    std::uint64_t m_held_bytes = 0;
    bool m_ack_known = false;
    std::uint64_t m_acked = 0;             // highest offset the peer acknowledged (exclusive)
    std::uint64_t m_acked_hole = 0;        // start of the hole first seen acknowledged ...
    std::uint64_t m_acked_since = 0;       // ... at this packet number of the flow
    std::uint64_t m_acked_since_frame = 0; // ... and this frame of the capture
    bool m_acked_hole_known = false;
    // Control events only: one past the highest sequence sent (offset space, the SYN at -1), and
    // the time of the segment that last advanced it.
    bool m_sent_known = false;
    std::int64_t m_sent_end = 0;
    model::Timestamp m_sent_time = 0;
    bool m_ack_sent_known = false;
    std::uint64_t m_ack_sent = 0;
    PieceMap m_held; // out-of-order pieces, all starting after m_next, never overlapping
    RecentBytes m_recent;
};

} // namespace sniff::reassembly
