#pragma once
// Synthesizes a coherent TCP or UDP conversation as frames: handshake, data with sequence and
// acknowledgement numbers that agree, FIN or RST at the end. The proxy writes its recorded
// recv() chunks through this (-w), one segment per chunk; the test generator writes edge cases
// by asking for frames with explicit sequence numbers.

#include "model/flow.hpp"
#include "synth/frame_builder.hpp"

#include <functional>

namespace sniff::synth {

// Receives each finished frame with its time, as its headers and the payload that follows them
// (empty when headers holds the whole frame); e.g. writes it to a pcap file. Both are only valid
// during the call: TcpConversation reuses its header buffer and passes the caller's payload.
using FrameOutput = std::function<void(model::Timestamp, util::Bytes headers, util::Bytes payload)>;

class TcpConversation {
public:
    // Largest payload per synthesized segment: an IPv4/IPv6 packet must fit its 16-bit length.
    static constexpr std::size_t k_max_payload = 65535 - 60 - 60;

    TcpConversation(FrameOutput output, model::Endpoint client, model::Endpoint server,
                    std::uint32_t client_isn = 1000, std::uint32_t server_isn = 5000);

    // The handshake's SYNs announce this window scale shift (RFC 7323), both ways; none by
    // default. Call before handshake().
    void set_window_scale(std::uint8_t shift) { m_window_scale = shift; }
    // The raw window field a direction's packets carry from now on (65535 by default); a reader
    // scales it by the shift once the handshake announced one.
    void set_window(model::Direction direction, std::uint16_t window) {
        m_window[static_cast<int>(direction)] = window;
    }

    void handshake(model::Timestamp time);
    // Data in one direction, as one segment (several when over k_max_payload), acked by the peer's
    // numbers; the peer's ACK is not written (real captures often miss them too).
    void data(model::Direction direction, model::Timestamp time, util::Bytes payload);
    void fin(model::Direction direction, model::Timestamp time);
    void rst(model::Direction direction, model::Timestamp time);

    // Next sequence number of a direction, for tests that craft their own segments.
    std::uint32_t next_seq(model::Direction direction) const {
        return m_next_seq[static_cast<int>(direction)];
    }

private:
    void emit(model::Direction direction, model::Timestamp time, std::uint8_t flags,
              util::Bytes payload);

    FrameOutput m_output;
    model::Endpoint m_client;
    model::Endpoint m_server;
    std::uint32_t m_next_seq[2];
    std::uint16_t m_window[2] = {65535, 65535};
    std::optional<std::uint8_t> m_window_scale;
    Frame m_headers; // reused for every frame: no allocation per recorded chunk
};

// UDP needs no state, only the frames. frame is the buffer to build in (its capacity is reused).
void udp_exchange(const FrameOutput& output, const model::Endpoint& source,
                  const model::Endpoint& destination, model::Timestamp time, util::Bytes payload);
void udp_exchange(const FrameOutput& output, Frame& frame, const model::Endpoint& source,
                  const model::Endpoint& destination, model::Timestamp time, util::Bytes payload);

} // namespace sniff::synth
