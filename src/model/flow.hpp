#pragma once
// A flow (one TCP connection or UDP conversation) and what reassembly counts about each of its
// two directions. Direction c2s is client to server: the client is the SYN sender, else the
// first sender.

#include "model/endpoint.hpp"
#include "model/segment.hpp"

#include <array>
#include <cstddef>
#include <cstdint>

namespace sniff::model {

enum class Direction : std::uint8_t { c2s = 0, s2c = 1 };

inline Direction opposite(Direction direction) {
    return direction == Direction::c2s ? Direction::s2c : Direction::c2s;
}
inline const char* direction_name(Direction direction) {
    return direction == Direction::c2s ? "c2s" : "s2c";
}

// Where a flow's events come from: packets (a capture file or a live interface), whose segments
// are what the wire carried, or the proxy, whose segments are its recv() chunks. One run can
// have both (`-i` with `--proxy`): the views say which is which. exec: the segments are the socket
// calls of a program run by `sniff exec` (its reads and writes, seen from inside it). replay: the
// writes and recv()s of `sniff replay` on its connection to a live peer.
enum class FlowOrigin : std::uint8_t { capture = 0, proxy = 1, exec = 2, replay = 3 };
inline const char* origin_name(FlowOrigin origin) {
    switch (origin) {
    case FlowOrigin::capture:
        return "capture";
    case FlowOrigin::proxy:
        return "proxy";
    case FlowOrigin::exec:
        return "exec";
    case FlowOrigin::replay:
        return "replay";
    }
    return "capture";
}

// sniff exec: which end of a connection the program holds, so its calls are that end's reads and
// writes (a program may hold both, as the article's client and server in one process do).
enum class ProgramEnd : std::uint8_t { none = 0, client = 1, server = 2 };

// TCP header flag bits as on the wire.
namespace tcp_flags {
inline constexpr std::uint8_t fin = 0x01, syn = 0x02, rst = 0x04, psh = 0x08, ack = 0x10,
                              urg = 0x20, ece = 0x40, cwr = 0x80;
}

inline constexpr std::int8_t k_window_shift_unknown = -1;

struct DirectionStats {
    std::uint64_t packets = 0;      // packets seen in this direction, with or without payload
    std::uint64_t wire_bytes = 0;   // payload bytes seen, retransmissions included
    std::uint64_t stream_bytes = 0; // bytes delivered to the ordered stream
    std::uint64_t segments = 0;     // delivered segments (or datagrams, or recv chunks)
    std::uint64_t gaps = 0;         // holes in the stream
    std::uint64_t gap_bytes = 0;
    std::uint64_t retransmissions = 0; // segments whose bytes were all seen already
    std::uint64_t out_of_order = 0;    // segments that arrived ahead of a hole
    std::uint64_t overlaps = 0;        // overlaps whose bytes differed from the first copy
    std::uint64_t first_frame = 0;     // frame number of the first payload, 0 when none
    // TCP: the window scale shift (RFC 7323) applied to the windows this direction advertises,
    // known once both the SYN and the SYN+ACK were seen: their shift (capped at 14) when both
    // carried the option, else 0. k_window_shift_unknown when the handshake was not captured
    // (windows stay raw, as tshark's "window size scaling factor: -1 (unknown)").
    std::int8_t window_shift = k_window_shift_unknown;
    bool fin = false;
    bool rst = false;
};

// A proxied flow is two connections: the client's to sniff's listener, and sniff's own to the
// upstream. Flow::client and Flow::server are the two outer ends (the client, the upstream);
// these are the two inner ones, so a view can name both legs. Unset (port 0) for other flows,
// and upstream_local also when the upstream could not be reached.
struct ProxyLegs {
    Endpoint listener;       // where the client connected: sniff's listening address
    Endpoint upstream_local; // sniff's end of its connection (or UDP socket) to the upstream
    bool known() const { return listener.port != 0; }
};

// One chunk a source read or wrote itself (the proxy's recv(), a replay's write or read) as the
// direction's next segment: counted in `stats`, described by the SegmentInfo returned.
inline SegmentInfo count_chunk(DirectionStats& stats, std::uint64_t frame, Timestamp time,
                               std::size_t size) {
    SegmentInfo segment;
    segment.index = stats.segments;
    segment.frame = frame;
    segment.time = time;
    segment.offset = stats.stream_bytes;
    segment.length = static_cast<std::uint32_t>(size);
    if (stats.first_frame == 0)
        stats.first_frame = frame;
    ++stats.packets;
    ++stats.segments;
    stats.wire_bytes += size;
    stats.stream_bytes += size;
    return segment;
}

struct Flow {
    static constexpr std::uint64_t k_no_tcp_stream = UINT64_MAX;

    std::uint64_t id = 0; // 1, 2, ... in order of first packet
    // tshark's tcp.stream for a captured TCP flow: 0, 1, ... over the TCP flows of the input in
    // order of first packet (sniff's ids count UDP flows too and start at 1), so a user can move
    // between the two tools. k_no_tcp_stream for UDP and for the proxy's flows.
    std::uint64_t tcp_stream = k_no_tcp_stream;
    Protocol protocol = Protocol::tcp;
    Endpoint client;
    Endpoint server;
    std::uint32_t reuse = 0; // 0 for the first flow on this 4-tuple, N for the Nth reuse
    Timestamp first_seen = 0;
    Timestamp last_seen = 0;
    std::uint64_t first_frame = 0;
    bool saw_syn = false; // client/server roles come from a SYN, not a guess
    FlowOrigin origin = FlowOrigin::capture;
    ProgramEnd program_end = ProgramEnd::none; // exec flows whose role is known
    ProxyLegs legs;                            // the proxy's flows only
    std::array<DirectionStats, 2> stats{};

    const Endpoint& source(Direction direction) const {
        return direction == Direction::c2s ? client : server;
    }
    const Endpoint& destination(Direction direction) const {
        return direction == Direction::c2s ? server : client;
    }
    DirectionStats& of(Direction direction) { return stats[static_cast<int>(direction)]; }
    const DirectionStats& of(Direction direction) const {
        return stats[static_cast<int>(direction)];
    }
};

} // namespace sniff::model
