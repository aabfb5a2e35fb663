#include "synth/frame_builder.hpp"

#include "model/flow.hpp"
#include "synth/internet_checksum.hpp"

#include <bit>
#include <cstring>

namespace sniff::synth {

namespace {

constexpr std::uint16_t k_ethertype_ipv4 = 0x0800;
constexpr std::uint16_t k_ethertype_ipv6 = 0x86dd;
constexpr std::uint16_t k_ethertype_vlan = 0x8100;
constexpr std::uint16_t k_ethertype_qinq = 0x88a8;

std::uint32_t pseudo_header_sum(const model::Endpoint& source, const model::Endpoint& destination,
                                std::uint8_t protocol, std::size_t length) {
    const std::size_t address_size = source.ip.version == 6 ? 16 : 4;
    std::uint32_t sum =
        add_words({reinterpret_cast<const std::byte*>(source.ip.bytes.data()), address_size});
    sum = add_words({reinterpret_cast<const std::byte*>(destination.ip.bytes.data()), address_size},
                    sum);
    return sum + protocol + static_cast<std::uint32_t>(length & 0xffff) +
           static_cast<std::uint32_t>(length >> 16);
}

void set_be16(Frame& frame, std::size_t at, std::uint16_t value) {
    frame[at] = std::byte(value >> 8);
    frame[at + 1] = std::byte(value & 0xff);
}

void put_address(Frame& frame, const model::IpAddress& address) {
    const std::size_t size = address.version == 6 ? 16 : 4;
    for (std::size_t i = 0; i < size; ++i)
        put_u8(frame, address.bytes[i]);
}

// Each append_* writes one header (or header and payload) at the end of frame; the whole-frame
// builders below put them one after the other into a single buffer, so the payload is copied once.

// The TCP header alone; its checksum covers payload, which the caller puts after it (or writes
// after it), so the payload need not be copied to be summed.
void append_tcp_header(Frame& frame, const model::Endpoint& source,
                       const model::Endpoint& destination, const TcpFields& fields,
                       util::Bytes payload) {
    const std::size_t at = frame.size();
    const auto header_words = static_cast<std::uint8_t>(tcp_header_size(fields) / 4);
    put_be16(frame, source.port);
    put_be16(frame, destination.port);
    put_be32(frame, fields.seq);
    put_be32(frame, fields.ack);
    put_u8(frame, static_cast<std::uint8_t>(header_words << 4));
    put_u8(frame, fields.flags);
    put_be16(frame, fields.window);
    put_be16(frame, 0); // checksum, set below
    put_be16(frame, 0); // urgent pointer
    if (fields.mss_option) {
        put_u8(frame, 2); // kind MSS
        put_u8(frame, 4);
        put_be16(frame, 1460);
    }
    if (fields.window_scale) {
        put_u8(frame, 1); // NOP: the option's 3 bytes end on a 4-byte boundary
        put_u8(frame, 3); // kind window scale
        put_u8(frame, 3);
        put_u8(frame, *fields.window_scale);
    }
    // The header's length is even, so its sum and the payload's add up to the segment's.
    const util::Bytes header(frame.data() + at, frame.size() - at);
    const std::uint32_t pseudo =
        pseudo_header_sum(source, destination, 6, header.size() + payload.size());
    set_be16(frame, at + 16, fold_checksum(add_words(payload, add_words(header, pseudo))));
}

void append_tcp_segment(Frame& frame, const model::Endpoint& source,
                        const model::Endpoint& destination, const TcpFields& fields,
                        util::Bytes payload) {
    append_tcp_header(frame, source, destination, fields, payload);
    put_bytes(frame, payload);
}

void append_udp_datagram(Frame& frame, const model::Endpoint& source,
                         const model::Endpoint& destination, util::Bytes payload) {
    const std::size_t at = frame.size();
    put_be16(frame, source.port);
    put_be16(frame, destination.port);
    put_be16(frame, static_cast<std::uint16_t>(8 + payload.size()));
    put_be16(frame, 0);
    put_bytes(frame, payload);
    const util::Bytes datagram(frame.data() + at, frame.size() - at);
    const auto checksum = fold_checksum(
        add_words(datagram, pseudo_header_sum(source, destination, 17, datagram.size())));
    set_be16(frame, at + 6, checksum == 0 ? 0xffff : checksum);
}

// The IP header of a packet whose transport part (transport_size bytes) follows it.
void append_ip_header(Frame& frame, const model::Endpoint& source,
                      const model::Endpoint& destination, std::uint8_t protocol,
                      std::size_t transport_size, std::uint16_t ip_id) {
    const std::size_t at = frame.size();
    if (source.ip.version == 6) {
        put_be32(frame, 0x60000000);
        put_be16(frame, static_cast<std::uint16_t>(transport_size));
        put_u8(frame, protocol);
        put_u8(frame, 64);
    } else {
        put_u8(frame, 0x45);
        put_u8(frame, 0);
        put_be16(frame, static_cast<std::uint16_t>(20 + transport_size));
        put_be16(frame, ip_id);
        put_be16(frame, 0x4000); // don't fragment
        put_u8(frame, 64);
        put_u8(frame, protocol);
        put_be16(frame, 0);
    }
    put_address(frame, source.ip);
    put_address(frame, destination.ip);
    if (source.ip.version == 4)
        set_be16(frame, at + 10, fold_checksum(add_words({frame.data() + at, 20})));
}

void append_ethernet_header(Frame& frame, std::uint8_t ip_version,
                            const std::vector<std::uint16_t>& vlan_ids) {
    for (std::uint8_t byte :
         {0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01})
        put_u8(frame, byte);
    for (std::size_t i = 0; i < vlan_ids.size(); ++i) {
        // QinQ: the outer of two or more tags is an 802.1ad service tag.
        const bool outer_of_several = vlan_ids.size() > 1 && i == 0;
        put_be16(frame, outer_of_several ? k_ethertype_qinq : k_ethertype_vlan);
        put_be16(frame, vlan_ids[i] & 0x0fff);
    }
    put_be16(frame, ip_version == 6 ? k_ethertype_ipv6 : k_ethertype_ipv4);
}

constexpr std::size_t k_max_headers = 14 + 40 + 28; // Ethernet, IPv6, TCP with MSS and WS

} // namespace

Frame tcp_segment(const model::Endpoint& source, const model::Endpoint& destination,
                  const TcpFields& fields, util::Bytes payload) {
    Frame segment;
    segment.reserve(24 + payload.size());
    append_tcp_segment(segment, source, destination, fields, payload);
    return segment;
}

Frame udp_datagram(const model::Endpoint& source, const model::Endpoint& destination,
                   util::Bytes payload) {
    Frame datagram;
    datagram.reserve(8 + payload.size());
    append_udp_datagram(datagram, source, destination, payload);
    return datagram;
}

Frame ip_packet(const model::Endpoint& source, const model::Endpoint& destination,
                std::uint8_t protocol, util::Bytes transport, std::uint16_t ip_id) {
    Frame packet;
    packet.reserve(40 + transport.size());
    append_ip_header(packet, source, destination, protocol, transport.size(), ip_id);
    put_bytes(packet, transport);
    return packet;
}

Frame ethernet_frame(util::Bytes ip, std::uint8_t ip_version,
                     const std::vector<std::uint16_t>& vlan_ids) {
    Frame frame;
    frame.reserve(14 + 4 * vlan_ids.size() + ip.size());
    append_ethernet_header(frame, ip_version, vlan_ids);
    put_bytes(frame, ip);
    return frame;
}

void build_tcp_headers(Frame& headers, const model::Endpoint& source,
                       const model::Endpoint& destination, const TcpFields& fields,
                       util::Bytes payload) {
    headers.clear();
    const std::size_t tcp_size = tcp_header_size(fields) + payload.size();
    append_ethernet_header(headers, source.ip.version, {});
    append_ip_header(headers, source, destination, 6, tcp_size, 0);
    append_tcp_header(headers, source, destination, fields, payload);
}

void build_tcp_frame(Frame& frame, const model::Endpoint& source,
                     const model::Endpoint& destination, const TcpFields& fields,
                     util::Bytes payload) {
    frame.reserve(k_max_headers + payload.size());
    build_tcp_headers(frame, source, destination, fields, payload);
    put_bytes(frame, payload);
}

void build_udp_frame(Frame& frame, const model::Endpoint& source,
                     const model::Endpoint& destination, util::Bytes payload) {
    frame.clear();
    frame.reserve(k_max_headers + payload.size());
    append_ethernet_header(frame, source.ip.version, {});
    append_ip_header(frame, source, destination, 17, 8 + payload.size(), 0);
    append_udp_datagram(frame, source, destination, payload);
}

Frame tcp_frame(const model::Endpoint& source, const model::Endpoint& destination,
                const TcpFields& fields, util::Bytes payload) {
    Frame frame;
    build_tcp_frame(frame, source, destination, fields, payload);
    return frame;
}

Frame udp_frame(const model::Endpoint& source, const model::Endpoint& destination,
                util::Bytes payload) {
    Frame frame;
    build_udp_frame(frame, source, destination, payload);
    return frame;
}

} // namespace sniff::synth
