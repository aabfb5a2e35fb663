#pragma once
// One unit of delivery into a direction's ordered stream: a TCP segment's new bytes, a UDP
// datagram, or one recv() result of the proxy. Message boundaries are later drawn against these,
// so offsets are exact stream offsets (64-bit: a direction may carry more than 4 GiB).

#include "model/endpoint.hpp"

#include <cstdint>
#include <string>

namespace sniff::model {

struct SegmentInfo {
    std::uint64_t index = 0; // 0, 1, ... per direction, in stream order
    std::uint64_t frame = 0; // capture frame number (1-based); chunk number for the proxy
    Timestamp time = 0;
    std::uint64_t offset = 0; // stream offset of the first delivered byte
    std::uint32_t length = 0; // delivered bytes (new bytes only, for a partial retransmission)
    std::uint8_t tcp_flags = 0;
    // TCP: the acknowledgement the carrying packet gave for the other direction, as a stream
    // offset of that direction (has_ack false when the ACK flag was off or the other direction
    // had not started), and the window it advertised in bytes: scaled by its sender's window
    // scale when the handshake showed one (DirectionStats::window_shift), else the raw field. For
    // the time-sequence graph; 0/false for UDP and proxy chunks.
    bool has_ack = false;
    std::uint64_t ack_offset = 0;
    std::uint32_t window = 0;
    // sniff exec: the program's call that delivered these bytes ("recv", "read", ...) and the
    // size it asked for; null and 0 for packets and the proxy. Points to a static string.
    const char* call = nullptr;
    std::uint64_t asked = 0;
};

// A TCP packet that is no stream data of its own, or sends data again: what the time-sequence
// graph draws beside the segments (tcptrace's ACK line, window line and R marks). Reported only to
// sinks that ask for it (ReassemblyConfig::control_events), so a run without them pays nothing.
enum class ControlKind : std::uint8_t {
    pure_ack,       // no payload, ACK flag set (SYN+ACK, FIN+ACK and RST+ACK included)
    window_update,  // a pure ACK that only changes the advertised window
    retransmission, // payload (or SYN/FIN) that does not advance the highest sequence sent
};
const char* control_kind_name(ControlKind kind);

struct ControlNote {
    ControlKind kind = ControlKind::pure_ack;
    std::uint64_t frame = 0;
    Timestamp time = 0;
    // The packet's place in its own direction's stream: offset of its sequence number (0 for the
    // SYN, clamped at 0 for bytes before the stream) and its sequence length (payload, SYN, FIN).
    std::uint64_t offset = 0;
    std::uint32_t length = 0;
    std::uint8_t tcp_flags = 0;
    // As in SegmentInfo: the ACK it gives for the other direction (a stream offset there) and the
    // window it advertises, scaled when the scale is known.
    bool has_ack = false;
    std::uint64_t ack_offset = 0;
    std::uint32_t window = 0;
};

enum class GapReason : std::uint8_t {
    lost,         // bytes never seen in the capture (or seen after the flow ended)
    snaplen,      // frame cut by the capture's snap length
    buffer_limit, // out-of-order buffering hit its cap; the held bytes were dropped
    fragment,     // an IP datagram whose fragments never all arrived
};
const char* gap_reason_name(GapReason reason);

struct Gap {
    std::uint64_t offset = 0;
    std::uint64_t length = 0;
    GapReason reason = GapReason::lost;
    std::uint64_t frame = 0; // frame at which the gap was decided
};

enum class AnomalyKind : std::uint8_t {
    overlap_conflict, // retransmitted bytes differ from the first copy (first copy wins)
    data_after_rst,
    data_after_fin,
    keepalive, // probe with one old byte: never stream data
    zero_window_probe,
    fragment_overlap,
    fragment_incomplete,
    truncated_packet,
    malformed_packet,
    unsupported_link_type,
    idle_timeout,
    syn_with_data,
    memory_cap,
    call_error,         // sniff exec: a socket call of the program failed (not EAGAIN/EINTR)
    datagram_truncated, // sniff exec: a datagram longer than the program's buffer was cut
};
const char* anomaly_kind_name(AnomalyKind kind);

struct Anomaly {
    AnomalyKind kind = AnomalyKind::malformed_packet;
    std::uint64_t frame = 0;
    std::uint64_t offset = 0; // stream offset it concerns, where it has one
    std::string detail;       // human text; untrusted parts already escaped
};

} // namespace sniff::model
