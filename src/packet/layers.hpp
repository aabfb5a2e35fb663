#pragma once
// Internal steps of packet decoding, one per layer: find the IP header behind the link header,
// parse IPv4/IPv6 down to the transport protocol, parse TCP/UDP. Each step reports a
// DecodeStatus and, when it is not ok, a short detail. Nothing here allocates on success.

#include "packet/decoder.hpp"

#include <cstdint>
#include <string>

namespace sniff::packet {

inline constexpr std::uint8_t k_proto_tcp = 6, k_proto_udp = 17;
// The largest IP datagram (and so the largest reassembled payload) without jumbograms.
inline constexpr std::uint32_t k_max_datagram = 65535;

// The bytes a layer carries: the part that was captured and how many more bytes the length
// fields announced beyond it (cut by the snap length). Declared size = captured + missing.
struct Region {
    util::Bytes captured;
    std::uint32_t missing = 0;

    [[nodiscard]] std::size_t declared() const { return captured.size() + missing; }
};

// Whether a header of `size` bytes at the start of region can be read: ok, truncated when the
// capture cut it, malformed when even the announced length has no room for it.
inline DecodeStatus header_fits(const Region& region, std::size_t size) {
    if (size <= region.captured.size())
        return DecodeStatus::ok;
    return size <= region.declared() ? DecodeStatus::truncated : DecodeStatus::malformed;
}

struct LinkResult {
    DecodeStatus status = DecodeStatus::ok;
    std::uint8_t ip_version = 0; // 4 or 6 when ok
    util::Bytes network;         // from the IP header to the end of the captured frame
    std::string detail;
};

// Strips the link header of a frame of the given pcap link type (Ethernet with any VLAN tags,
// SLL, SLL2, NULL, LOOP, raw IP). not_transport for non-IP frames; unsupported_link for unknown
// link types.
LinkResult find_network_layer(std::uint32_t link_type, util::Bytes frame);

struct FragmentInfo {
    bool present = false;
    std::uint32_t offset = 0; // bytes into the datagram's fragmentable payload
    bool more = false;
    std::uint32_t id = 0;
};

struct IpResult {
    DecodeStatus status = DecodeStatus::ok;
    std::string detail;
    model::IpAddress source;
    model::IpAddress destination;
    std::uint8_t protocol = 0; // transport protocol, or the protocol inside the fragment
    Region payload;            // transport header onwards, or the fragment's data
    FragmentInfo fragment;
};

// Parses an IPv4 header with options. The total length decides where the payload ends.
IpResult decode_ipv4(util::Bytes network);

// Parses the IPv6 fixed header and its extension headers up to the transport header or the
// fragment header.
IpResult decode_ipv6(util::Bytes network);

// Walks IPv6 extension headers starting with next_header over region, advancing both. Stops at
// the first non-extension header (ok) or at a non-atomic fragment header (ok, fragment filled);
// fragment == nullptr makes a fragment header malformed (a reassembled payload holds none).
// ESP and no-next-header give not_transport.
DecodeStatus walk_ipv6_extensions(std::uint8_t& next_header, Region& region, FragmentInfo* fragment,
                                  std::string& detail);

// Parses a TCP or UDP header at the start of payload into out (protocol, ports, TCP fields,
// transport payload, payload_missing). Addresses are left to the caller.
DecodeStatus decode_transport(std::uint8_t protocol, const Region& payload, DecodedPacket& out,
                              std::string& detail);

} // namespace sniff::packet
