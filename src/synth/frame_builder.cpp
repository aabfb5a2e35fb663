#include "synth/frame_builder.hpp"

#include "model/flow.hpp"

namespace sniff::synth {

namespace {

constexpr std::uint16_t k_ethertype_ipv4 = 0x0800;
constexpr std::uint16_t k_ethertype_ipv6 = 0x86dd;
constexpr std::uint16_t k_ethertype_vlan = 0x8100;
constexpr std::uint16_t k_ethertype_qinq = 0x88a8;

// Ones' complement sum over 16-bit big-endian words.
std::uint32_t sum_words(util::Bytes bytes, std::uint32_t sum = 0) {
    for (std::size_t i = 0; i + 1 < bytes.size(); i += 2)
        sum += (std::to_integer<std::uint32_t>(bytes[i]) << 8) |
               std::to_integer<std::uint32_t>(bytes[i + 1]);
    if (bytes.size() % 2 != 0)
        sum += std::to_integer<std::uint32_t>(bytes.back()) << 8;
    return sum;
}

std::uint16_t fold(std::uint32_t sum) {
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<std::uint16_t>(~sum);
}

std::uint32_t pseudo_header_sum(const model::Endpoint& source, const model::Endpoint& destination,
                                std::uint8_t protocol, std::size_t length) {
    const std::size_t address_size = source.ip.version == 6 ? 16 : 4;
    std::uint32_t sum =
        sum_words({reinterpret_cast<const std::byte*>(source.ip.bytes.data()), address_size});
    sum = sum_words({reinterpret_cast<const std::byte*>(destination.ip.bytes.data()), address_size},
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

} // namespace

void put_u8(Frame& frame, std::uint8_t value) {
    frame.push_back(std::byte(value));
}
void put_be16(Frame& frame, std::uint16_t value) {
    put_u8(frame, static_cast<std::uint8_t>(value >> 8));
    put_u8(frame, static_cast<std::uint8_t>(value));
}
void put_be32(Frame& frame, std::uint32_t value) {
    put_be16(frame, static_cast<std::uint16_t>(value >> 16));
    put_be16(frame, static_cast<std::uint16_t>(value));
}
void put_bytes(Frame& frame, util::Bytes bytes) {
    frame.insert(frame.end(), bytes.begin(), bytes.end());
}

Frame tcp_segment(const model::Endpoint& source, const model::Endpoint& destination,
                  const TcpFields& fields, util::Bytes payload) {
    Frame segment;
    segment.reserve(24 + payload.size());
    const std::uint8_t header_words = fields.mss_option ? 6 : 5;
    put_be16(segment, source.port);
    put_be16(segment, destination.port);
    put_be32(segment, fields.seq);
    put_be32(segment, fields.ack);
    put_u8(segment, static_cast<std::uint8_t>(header_words << 4));
    put_u8(segment, fields.flags);
    put_be16(segment, fields.window);
    put_be16(segment, 0); // checksum, set below
    put_be16(segment, 0); // urgent pointer
    if (fields.mss_option) {
        put_u8(segment, 2); // kind MSS
        put_u8(segment, 4);
        put_be16(segment, 1460);
    }
    put_bytes(segment, payload);
    const auto checksum =
        fold(sum_words(segment, pseudo_header_sum(source, destination, 6, segment.size())));
    set_be16(segment, 16, checksum);
    return segment;
}

Frame udp_datagram(const model::Endpoint& source, const model::Endpoint& destination,
                   util::Bytes payload) {
    Frame datagram;
    datagram.reserve(8 + payload.size());
    put_be16(datagram, source.port);
    put_be16(datagram, destination.port);
    put_be16(datagram, static_cast<std::uint16_t>(8 + payload.size()));
    put_be16(datagram, 0);
    put_bytes(datagram, payload);
    auto checksum =
        fold(sum_words(datagram, pseudo_header_sum(source, destination, 17, datagram.size())));
    set_be16(datagram, 6, checksum == 0 ? 0xffff : checksum);
    return datagram;
}

Frame ip_packet(const model::Endpoint& source, const model::Endpoint& destination,
                std::uint8_t protocol, util::Bytes transport, std::uint16_t ip_id) {
    Frame packet;
    if (source.ip.version == 6) {
        packet.reserve(40 + transport.size());
        put_be32(packet, 0x60000000);
        put_be16(packet, static_cast<std::uint16_t>(transport.size()));
        put_u8(packet, protocol);
        put_u8(packet, 64);
    } else {
        packet.reserve(20 + transport.size());
        put_u8(packet, 0x45);
        put_u8(packet, 0);
        put_be16(packet, static_cast<std::uint16_t>(20 + transport.size()));
        put_be16(packet, ip_id);
        put_be16(packet, 0x4000); // don't fragment
        put_u8(packet, 64);
        put_u8(packet, protocol);
        put_be16(packet, 0);
    }
    put_address(packet, source.ip);
    put_address(packet, destination.ip);
    if (source.ip.version == 4)
        set_be16(packet, 10, fold(sum_words({packet.data(), 20})));
    put_bytes(packet, transport);
    return packet;
}

Frame ethernet_frame(util::Bytes ip, std::uint8_t ip_version,
                     const std::vector<std::uint16_t>& vlan_ids) {
    Frame frame;
    frame.reserve(14 + 4 * vlan_ids.size() + ip.size());
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
    put_bytes(frame, ip);
    return frame;
}

Frame tcp_frame(const model::Endpoint& source, const model::Endpoint& destination,
                const TcpFields& fields, util::Bytes payload) {
    const Frame segment = tcp_segment(source, destination, fields, payload);
    const Frame packet = ip_packet(source, destination, 6, segment);
    return ethernet_frame(packet, source.ip.version);
}

Frame udp_frame(const model::Endpoint& source, const model::Endpoint& destination,
                util::Bytes payload) {
    const Frame datagram = udp_datagram(source, destination, payload);
    const Frame packet = ip_packet(source, destination, 17, datagram);
    return ethernet_frame(packet, source.ip.version);
}

} // namespace sniff::synth
