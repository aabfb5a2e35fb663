#pragma once
// Hand-built frames for the decoder tests: link headers (Ethernet with VLAN tags, SLL, SLL2,
// NULL, LOOP), IPv4 with options and fragment fields, IPv6 with extension headers, TCP with
// options, UDP. Every field is written explicitly, independent of the code under test; checksums
// are left 0 (the decoder does not verify them).

#include "capture/raw_packet.hpp"
#include "model/flow.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sniff::packet_test {

using ByteVec = std::vector<std::byte>;

inline ByteVec bytes_of(std::string_view text) {
    ByteVec out;
    for (const char c : text)
        out.push_back(static_cast<std::byte>(c));
    return out;
}

inline ByteVec concat(ByteVec first, const ByteVec& second) {
    first.insert(first.end(), second.begin(), second.end());
    return first;
}

inline std::string text_of(util::Bytes bytes) {
    std::string out;
    for (const auto b : bytes)
        out.push_back(static_cast<char>(b));
    return out;
}

class Writer {
public:
    Writer& u8(unsigned value) {
        m_bytes.push_back(static_cast<std::byte>(value & 0xFF));
        return *this;
    }
    Writer& be16(unsigned value) { return u8(value >> 8).u8(value); }
    Writer& be32(std::uint32_t value) { return be16(value >> 16).be16(value & 0xFFFF); }
    Writer& le32(std::uint32_t value) {
        return be16(swap16(value & 0xFFFF)).be16(swap16(value >> 16));
    }
    Writer& zeros(std::size_t count) {
        m_bytes.insert(m_bytes.end(), count, std::byte{0});
        return *this;
    }
    Writer& append(const ByteVec& more) {
        m_bytes.insert(m_bytes.end(), more.begin(), more.end());
        return *this;
    }
    template <std::size_t N> Writer& append(const std::array<std::uint8_t, N>& more) {
        for (const auto b : more)
            u8(b);
        return *this;
    }
    ByteVec take() { return std::move(m_bytes); }

private:
    static unsigned swap16(unsigned value) { return ((value & 0xFF) << 8) | ((value >> 8) & 0xFF); }
    ByteVec m_bytes;
};

using V4 = std::array<std::uint8_t, 4>;
using V6 = std::array<std::uint8_t, 16>;

inline V6 v6(std::uint8_t last, std::uint8_t first_byte = 0x20) {
    V6 address{};
    address[0] = first_byte;
    address[1] = 0x01;
    address[2] = 0x0d;
    address[3] = 0xb8;
    address[15] = last;
    return address;
}

// ---- transport -------------------------------------------------------------------------------

struct TcpSpec {
    std::uint16_t source_port = 40000;
    std::uint16_t destination_port = 80;
    std::uint32_t seq = 1000;
    std::uint32_t ack = 0;
    std::uint8_t flags = 0x18; // PSH|ACK
    std::uint16_t window = 512;
    ByteVec options;                           // padded with zeros to a multiple of 4
    std::optional<unsigned> data_offset_words; // override the computed data offset
};

inline ByteVec tcp(const TcpSpec& spec, const ByteVec& payload) {
    ByteVec options = spec.options;
    while (options.size() % 4 != 0)
        options.push_back(std::byte{0});
    const unsigned words = spec.data_offset_words.value_or(5 + options.size() / 4);
    Writer w;
    w.be16(spec.source_port).be16(spec.destination_port).be32(spec.seq).be32(spec.ack);
    w.u8(words << 4).u8(spec.flags).be16(spec.window).be16(0).be16(0);
    return w.append(options).append(payload).take();
}

inline ByteVec udp(std::uint16_t source_port, std::uint16_t destination_port,
                   const ByteVec& payload, std::optional<unsigned> length = {}) {
    Writer w;
    w.be16(source_port).be16(destination_port);
    w.be16(length.value_or(8 + static_cast<unsigned>(payload.size()))).be16(0);
    return w.append(payload).take();
}

// ---- IP --------------------------------------------------------------------------------------

struct Ipv4Spec {
    V4 source{192, 168, 1, 10};
    V4 destination{10, 0, 0, 2};
    std::uint8_t protocol = 6;
    std::uint16_t id = 0x1234;
    bool more_fragments = false;
    unsigned fragment_offset_units = 0;   // in 8-byte units
    ByteVec options;                      // padded with zeros to a multiple of 4
    std::optional<unsigned> ihl_words;    // override the computed IHL
    std::optional<unsigned> total_length; // override the computed total length
};

inline ByteVec ipv4(const Ipv4Spec& spec, const ByteVec& payload) {
    ByteVec options = spec.options;
    while (options.size() % 4 != 0)
        options.push_back(std::byte{0});
    const unsigned header = 20 + static_cast<unsigned>(options.size());
    Writer w;
    w.u8(0x40 | spec.ihl_words.value_or(header / 4)).u8(0);
    w.be16(spec.total_length.value_or(header + static_cast<unsigned>(payload.size())));
    w.be16(spec.id).be16((spec.more_fragments ? 0x2000 : 0) | spec.fragment_offset_units);
    w.u8(64).u8(spec.protocol).be16(0).append(spec.source).append(spec.destination);
    return w.append(options).append(payload).take();
}

inline Ipv4Spec udp_ipv4() {
    Ipv4Spec spec;
    spec.protocol = 17;
    return spec;
}

// Fixed IPv6 header; `rest` is the extension headers and upper-layer data.
inline ByteVec ipv6(const V6& source, const V6& destination, std::uint8_t next_header,
                    const ByteVec& rest, std::optional<unsigned> payload_length = {}) {
    Writer w;
    w.be32(0x60000000).be16(payload_length.value_or(static_cast<unsigned>(rest.size())));
    w.u8(next_header).u8(64).append(source).append(destination);
    return w.append(rest).take();
}

// Hop-by-hop / destination options / routing header: next, length in 8-byte units minus one,
// then the body padded to make the whole header a multiple of 8.
inline ByteVec ipv6_option_header(std::uint8_t next_header, ByteVec body) {
    while ((body.size() + 2) % 8 != 0)
        body.push_back(std::byte{0}); // Pad1 options
    Writer w;
    w.u8(next_header).u8(static_cast<unsigned>((body.size() + 2) / 8 - 1));
    return w.append(body).take();
}

inline ByteVec ipv6_fragment_header(std::uint8_t next_header, unsigned offset_units, bool more,
                                    std::uint32_t id) {
    Writer w;
    w.u8(next_header).u8(0).be16((offset_units << 3) | (more ? 1 : 0)).be32(id);
    return w.take();
}

// ---- link ------------------------------------------------------------------------------------

struct VlanTag {
    std::uint16_t tpid;
    std::uint16_t tci;
};

inline ByteVec ethernet(std::uint16_t ethertype, const ByteVec& payload,
                        const std::vector<VlanTag>& tags = {}) {
    Writer w;
    w.be32(0x02000000).be16(0x0001).be32(0x02000000).be16(0x0002); // destination, source MAC
    for (const auto& tag : tags)
        w.be16(tag.tpid).be16(tag.tci);
    return w.be16(ethertype).append(payload).take();
}

inline ByteVec sll(std::uint16_t protocol, const ByteVec& payload) {
    Writer w;
    w.be16(0).be16(1).be16(6).be32(0x02000000).be16(0x0001).be16(0); // type, ARPHRD, addr
    return w.be16(protocol).append(payload).take();
}

inline ByteVec sll2(std::uint16_t protocol, const ByteVec& payload) {
    Writer w;
    w.be16(protocol).be16(0).be32(3).be16(1).u8(4).u8(6); // reserved, ifindex, ARPHRD, type, len
    w.be32(0x02000000).be16(0x0001).be16(0);
    return w.append(payload).take();
}

inline ByteVec bsd_family(std::uint32_t family, bool little_endian, const ByteVec& payload) {
    Writer w;
    if (little_endian)
        w.le32(family);
    else
        w.be32(family);
    return w.append(payload).take();
}

inline capture::RawPacket raw_packet(std::uint32_t link_type, const ByteVec& frame,
                                     std::uint64_t number = 1, model::Timestamp time = 0) {
    capture::RawPacket packet;
    packet.frame = number;
    packet.time = time;
    packet.link_type = link_type;
    packet.original_length = static_cast<std::uint32_t>(frame.size());
    packet.data = util::Bytes(frame);
    return packet;
}

} // namespace sniff::packet_test
