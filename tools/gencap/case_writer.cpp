#include "gencap/case_writer.hpp"

#include <stdexcept>

namespace sniff::gencap {

using model::Direction;
using synth::put_be16;
using synth::put_be32;
using synth::put_bytes;
using synth::put_u8;

model::Endpoint endpoint(const std::string& ip, std::uint16_t port) {
    model::Endpoint result;
    if (!model::IpAddress::parse(ip, result.ip))
        throw std::runtime_error("bad address " + ip);
    result.port = port;
    return result;
}

util::Bytes text_bytes(const std::string& text) {
    return util::as_bytes(text.data(), text.size());
}

namespace {

void put_le32(synth::Frame& frame, std::uint32_t value) {
    for (int i = 0; i < 4; ++i)
        put_u8(frame, static_cast<std::uint8_t>(value >> (8 * i)));
}

} // namespace

synth::Frame link_frame(std::uint32_t link_type, util::Bytes ip_packet, std::uint8_t ip_version,
                        const std::vector<std::uint16_t>& vlan_ids) {
    namespace lt = capture::linktype;
    const std::uint16_t ethertype = ip_version == 6 ? 0x86dd : 0x0800;
    synth::Frame frame;
    switch (link_type) {
    case lt::ethernet:
        return synth::ethernet_frame(ip_packet, ip_version, vlan_ids);
    case lt::linux_sll: // packet type, ARPHRD, address length, 8 address bytes, protocol
        put_be16(frame, 0);
        put_be16(frame, 1);
        put_be16(frame, 6);
        for (std::uint8_t byte : {0x02, 0, 0, 0, 0, 1, 0, 0})
            put_u8(frame, byte);
        put_be16(frame, ethertype);
        break;
    case lt::linux_sll2: // protocol, reserved, ifindex, ARPHRD, packet type, address length, 8
                         // bytes
        put_be16(frame, ethertype);
        put_be16(frame, 0);
        put_be32(frame, 1);
        put_be16(frame, 1);
        put_u8(frame, 0);
        put_u8(frame, 6);
        for (std::uint8_t byte : {0x02, 0, 0, 0, 0, 1, 0, 0})
            put_u8(frame, byte);
        break;
    case lt::null: // address family in the capturing host's byte order (little-endian here)
        put_le32(frame, ip_version == 6 ? 30 : 2);
        break;
    case lt::loop: // always big-endian
        put_be32(frame, ip_version == 6 ? 30 : 2);
        break;
    case lt::raw:
    case lt::ipv4:
    case lt::ipv6:
        break;
    default: // unknown link types carry the IP packet after a made-up 4-byte header
        put_be32(frame, 0xdeadbeef);
        break;
    }
    put_bytes(frame, ip_packet);
    return frame;
}

TcpCaseConnection::TcpCaseConnection(FrameSink sink, model::Endpoint client, model::Endpoint server,
                                     std::uint32_t client_isn, std::uint32_t server_isn,
                                     std::uint32_t link_type)
    : m_sink(std::move(sink)), m_client(client), m_server(server), m_isn{client_isn, server_isn},
      m_link_type(link_type) {}

std::uint32_t TcpCaseConnection::seq_at(Direction direction, std::uint64_t offset) const {
    return static_cast<std::uint32_t>(m_isn[static_cast<int>(direction)] + 1 + offset);
}

void TcpCaseConnection::send_seq(Direction direction, std::uint32_t seq, const std::string& payload,
                                 std::uint8_t flags, std::uint16_t window) {
    const bool from_client = direction == Direction::c2s;
    const auto& source = from_client ? m_client : m_server;
    const auto& destination = from_client ? m_server : m_client;
    synth::TcpFields fields;
    fields.seq = seq;
    fields.flags = flags;
    fields.window = window;
    fields.mss_option = (flags & model::tcp_flags::syn) != 0;
    if (flags & model::tcp_flags::ack)
        fields.ack = m_isn[static_cast<int>(model::opposite(direction))] + 1 +
                     static_cast<std::uint32_t>(m_acked[static_cast<int>(direction)]);
    const auto segment = synth::tcp_segment(source, destination, fields, text_bytes(payload));
    const auto packet = synth::ip_packet(source, destination, 6, segment, m_ip_id++);
    const auto frame = link_frame(m_link_type, packet, source.ip.version, m_vlans);
    m_clock += 1'000'000; // 1 ms per frame
    m_sink(m_clock, frame, 0);
}

void TcpCaseConnection::handshake() {
    namespace f = model::tcp_flags;
    send_seq(Direction::c2s, m_isn[0], "", f::syn);
    send_seq(Direction::s2c, m_isn[1], "", f::syn | f::ack);
    send_seq(Direction::c2s, m_isn[0] + 1, "", f::ack);
}

void TcpCaseConnection::send(Direction direction, std::uint64_t offset, const std::string& payload,
                             std::uint8_t flags, std::uint16_t window) {
    send_seq(direction, seq_at(direction, offset), payload, flags, window);
}

void TcpCaseConnection::fin(Direction direction, std::uint64_t offset) {
    send(direction, offset, "", model::tcp_flags::fin | model::tcp_flags::ack);
}

void TcpCaseConnection::rst(Direction direction, std::uint64_t offset) {
    send(direction, offset, "", model::tcp_flags::rst | model::tcp_flags::ack);
}

} // namespace sniff::gencap
