#pragma once
// What packet decoding extracts from a frame for reassembly: the transport endpoints, TCP header
// fields and the payload. The payload view points into the frame or into the decoder's fragment
// buffer and is valid until the decoder's next call.

#include "model/endpoint.hpp"
#include "util/byte_reader.hpp"

#include <cstdint>
#include <optional>

namespace sniff::packet {

struct TcpHeader {
    std::uint32_t seq = 0;
    std::uint32_t ack = 0;
    std::uint8_t flags = 0;   // model::tcp_flags bits
    std::uint16_t window = 0; // raw, unscaled
    // SYN and SYN+ACK only: the shift count of its window scale option (RFC 7323), as sent.
    std::optional<std::uint8_t> window_scale;
};

struct DecodedPacket {
    model::Protocol protocol = model::Protocol::tcp;
    model::Endpoint source;
    model::Endpoint destination;
    TcpHeader tcp;       // TCP only
    util::Bytes payload; // the captured part of the transport payload
    // Payload bytes announced by the IP/transport lengths but cut by the snap length. Reassembly
    // turns them into a gap of exactly this size right after payload.
    std::uint32_t payload_missing = 0;
    // payload lies in a stable capture frame (RawPacket::stable), not in a decoder buffer.
    bool payload_stable = false;
};

} // namespace sniff::packet
