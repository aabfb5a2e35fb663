// Link layers: each answers where the IP header starts and which IP version it is.
//
// Ethernet II   dst(6) src(6) type(2), then 0..k_max_vlan_tags tags of TCI(2) type(2)
// Linux SLL     pkttype(2) arphrd(2) addrlen(2) addr(8) protocol(2)             = 16 bytes
// Linux SLL2    protocol(2) reserved(2) ifindex(4) arphrd(2) pkttype(1) addrlen(1) addr(8) = 20
// BSD NULL      address family, 4 bytes in the capturing host's byte order
// BSD LOOP      address family, 4 bytes big-endian
// Raw IP        the IP header itself; the version nibble decides
// (https://www.tcpdump.org/linktypes.html)

#include "packet/layers.hpp"

#include <array>

namespace sniff::packet {
namespace {

constexpr std::uint16_t k_ethertype_ipv4 = 0x0800, k_ethertype_ipv6 = 0x86DD;
constexpr std::array<std::uint16_t, 3> k_vlan_ethertypes = {0x8100, 0x88A8, 0x9100};
// More tags than any real network stacks; a frame beyond this is garbage.
constexpr int k_max_vlan_tags = 8;
constexpr std::size_t k_sll_header = 16, k_sll2_header = 20;
// DLT_RAW as libpcap reports it for live captures (12; 14 on OpenBSD) next to LINKTYPE_RAW.
constexpr std::uint32_t k_dlt_raw = 12, k_dlt_raw_openbsd = 14;

// BSD address families: AF_INET is 2 everywhere, AF_INET6 differs per system.
struct FamilyEntry {
    std::uint32_t family;
    std::uint8_t ip_version;
};
constexpr std::array<FamilyEntry, 4> k_families = {{{2, 4}, {24, 6}, {28, 6}, {30, 6}}};

std::uint8_t ip_version_of_family(std::uint32_t family) {
    for (const auto& entry : k_families)
        if (entry.family == family)
            return entry.ip_version;
    return 0;
}

bool is_vlan_ethertype(std::uint16_t type) {
    for (const auto vlan : k_vlan_ethertypes)
        if (vlan == type)
            return true;
    return false;
}

LinkResult failure(DecodeStatus status, std::string detail) {
    LinkResult result;
    result.status = status;
    result.detail = std::move(detail);
    return result;
}

LinkResult network_at(std::uint8_t ip_version, util::Bytes network) {
    LinkResult result;
    result.ip_version = ip_version;
    result.network = network;
    return result;
}

// The reader stands right after an EtherType field holding `type`: skips VLAN tags, then maps
// the final EtherType to an IP version. SLL and SLL2 share this, as their protocol field is an
// EtherType too.
LinkResult after_ethertype(std::uint16_t type, util::ByteReader& reader) {
    for (int tags = 0; is_vlan_ethertype(type); ++tags) {
        if (tags == k_max_vlan_tags)
            return failure(DecodeStatus::malformed, "more than 8 VLAN tags");
        reader.skip(2); // priority, DEI, VLAN id
        type = reader.read_be16();
        if (!reader.ok())
            return failure(DecodeStatus::truncated, "VLAN tag cut short");
    }
    if (type == k_ethertype_ipv4)
        return network_at(4, reader.rest());
    if (type == k_ethertype_ipv6)
        return network_at(6, reader.rest());
    return failure(DecodeStatus::not_transport, {});
}

LinkResult ethernet(util::Bytes frame) {
    util::ByteReader reader(frame);
    reader.skip(12); // destination and source MAC
    const std::uint16_t type = reader.read_be16();
    if (!reader.ok())
        return failure(DecodeStatus::truncated, "Ethernet header cut short");
    return after_ethertype(type, reader);
}

LinkResult linux_sll(util::Bytes frame) {
    util::ByteReader reader(frame);
    reader.skip(k_sll_header - 2);
    const std::uint16_t protocol = reader.read_be16();
    if (!reader.ok())
        return failure(DecodeStatus::truncated, "Linux SLL header cut short");
    return after_ethertype(protocol, reader);
}

LinkResult linux_sll2(util::Bytes frame) {
    util::ByteReader reader(frame);
    const std::uint16_t protocol = reader.read_be16();
    reader.skip(k_sll2_header - 2);
    if (!reader.ok())
        return failure(DecodeStatus::truncated, "Linux SLL2 header cut short");
    return after_ethertype(protocol, reader);
}

// NULL stores the family in the byte order of the machine that captured, which need not be
// ours: accept a known family in either order. LOOP is always big-endian.
LinkResult bsd_family(util::Bytes frame, bool either_order) {
    util::ByteReader reader(frame);
    const std::uint32_t big = reader.read_be32();
    if (!reader.ok())
        return failure(DecodeStatus::truncated, "BSD loopback header cut short");
    std::uint8_t version = ip_version_of_family(big);
    if (version == 0 && either_order) {
        const std::uint32_t little =
            (big >> 24) | ((big >> 8) & 0xFF00) | ((big << 8) & 0xFF0000) | (big << 24);
        version = ip_version_of_family(little);
    }
    if (version == 0)
        return failure(DecodeStatus::not_transport, {});
    return network_at(version, reader.rest());
}

LinkResult raw_ip(util::Bytes frame) {
    util::ByteReader reader(frame);
    const std::uint8_t version = reader.peek_u8() >> 4;
    if (!reader.ok())
        return failure(DecodeStatus::truncated, "empty raw IP frame");
    if (version != 4 && version != 6)
        return failure(DecodeStatus::malformed, "raw IP version " + std::to_string(version));
    return network_at(version, frame);
}

} // namespace

LinkResult find_network_layer(std::uint32_t link_type, util::Bytes frame) {
    switch (link_type) {
    case capture::linktype::ethernet:
        return ethernet(frame);
    case capture::linktype::linux_sll:
        return linux_sll(frame);
    case capture::linktype::linux_sll2:
        return linux_sll2(frame);
    case capture::linktype::null:
        return bsd_family(frame, true);
    case capture::linktype::loop:
        return bsd_family(frame, false);
    case capture::linktype::raw:
    case k_dlt_raw:
    case k_dlt_raw_openbsd:
        return raw_ip(frame);
    case capture::linktype::ipv4:
        return network_at(4, frame);
    case capture::linktype::ipv6:
        return network_at(6, frame);
    default:
        return failure(DecodeStatus::unsupported_link,
                       "unsupported link type " + std::to_string(link_type));
    }
}

} // namespace sniff::packet
