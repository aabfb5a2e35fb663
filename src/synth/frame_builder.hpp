#pragma once
// Builds Ethernet/IPv4/IPv6 + TCP/UDP frames byte by byte, with valid lengths and checksums. Used
// to write synthesized captures: the proxy's -w output and the test capture generator. Addresses
// decide the IP version (both endpoints must have the same one).

#include "model/endpoint.hpp"
#include "util/byte_reader.hpp"

#include <cstdint>
#include <optional>
#include <vector>

namespace sniff::synth {

using Frame = std::vector<std::byte>;

struct TcpFields {
    std::uint32_t seq = 0;
    std::uint32_t ack = 0;
    std::uint8_t flags = 0; // model::tcp_flags
    std::uint16_t window = 65535;
    bool mss_option = false; // add an MSS option (SYNs look like real ones)
    // Add a window scale option (RFC 7323: NOP, kind 3, the shift) with this shift; SYNs only.
    std::optional<std::uint8_t> window_scale;
};

// The TCP header's size with the options fields asks for.
inline std::size_t tcp_header_size(const TcpFields& fields) {
    return 20 + (fields.mss_option ? 4 : 0) + (fields.window_scale ? 4 : 0);
}

// Big-endian byte appends: the building blocks of every header below.
inline void put_u8(Frame& frame, std::uint8_t value) {
    frame.push_back(std::byte(value));
}
inline void put_be16(Frame& frame, std::uint16_t value) {
    put_u8(frame, static_cast<std::uint8_t>(value >> 8));
    put_u8(frame, static_cast<std::uint8_t>(value));
}
inline void put_be32(Frame& frame, std::uint32_t value) {
    put_be16(frame, static_cast<std::uint16_t>(value >> 16));
    put_be16(frame, static_cast<std::uint16_t>(value));
}
inline void put_bytes(Frame& frame, util::Bytes bytes) {
    frame.insert(frame.end(), bytes.begin(), bytes.end());
}

// Transport segment (header + payload) with its checksum over the IP pseudo-header.
Frame tcp_segment(const model::Endpoint& source, const model::Endpoint& destination,
                  const TcpFields& fields, util::Bytes payload);
Frame udp_datagram(const model::Endpoint& source, const model::Endpoint& destination,
                   util::Bytes payload);

// IP packet around a transport segment. ip_id is used for IPv4 only.
Frame ip_packet(const model::Endpoint& source, const model::Endpoint& destination,
                std::uint8_t protocol, util::Bytes transport, std::uint16_t ip_id = 0);

// Ethernet II frame around an IP packet (EtherType from the IP version), optional VLAN tags
// (802.1Q; the outer one 802.1ad when there are several).
Frame ethernet_frame(util::Bytes ip, std::uint8_t ip_version,
                     const std::vector<std::uint16_t>& vlan_ids = {});

// Shortcuts: a whole Ethernet frame.
// The build_* forms replace frame's contents and reuse its capacity: a writer that keeps one Frame
// allocates nothing per frame and copies the payload once.
// Only the Ethernet, IP and TCP headers of that frame (checksum included): a writer puts payload
// after them itself and so never copies it.
void build_tcp_headers(Frame& headers, const model::Endpoint& source,
                       const model::Endpoint& destination, const TcpFields& fields,
                       util::Bytes payload);
void build_tcp_frame(Frame& frame, const model::Endpoint& source,
                     const model::Endpoint& destination, const TcpFields& fields,
                     util::Bytes payload);
void build_udp_frame(Frame& frame, const model::Endpoint& source,
                     const model::Endpoint& destination, util::Bytes payload);
Frame tcp_frame(const model::Endpoint& source, const model::Endpoint& destination,
                const TcpFields& fields, util::Bytes payload);
Frame udp_frame(const model::Endpoint& source, const model::Endpoint& destination,
                util::Bytes payload);

} // namespace sniff::synth
