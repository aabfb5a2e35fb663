// IPv4 (RFC 791) and IPv6 (RFC 8200) down to the transport header or a fragment's data.
//
// IPv4  ver/ihl(1) tos(1) total_length(2) id(2) flags/offset(2) ttl(1) protocol(1) checksum(2)
//       source(4) destination(4) options(ihl*4 - 20)
// IPv6  ver/class/flow(4) payload_length(2) next_header(1) hop_limit(1) source(16) dest(16)
//       extension headers: next(1) length(1) ... ; fragment: next(1) reserved(1)
//       offset/flags(2) id(4)

#include "packet/layers.hpp"

namespace sniff::packet {
namespace {

constexpr std::size_t k_ipv4_min_header = 20;
constexpr std::uint16_t k_ipv4_more_fragments = 0x2000, k_ipv4_offset_mask = 0x1FFF;
// Real packets carry a handful of extension headers; more is a crafted loop.
constexpr int k_max_ipv6_extensions = 16;
constexpr std::uint8_t k_hop_by_hop = 0, k_routing = 43, k_fragment = 44, k_esp = 50, k_ah = 51,
                       k_no_next = 59, k_destination = 60;

IpResult ip_failure(DecodeStatus status, std::string detail) {
    IpResult result;
    result.status = status;
    result.detail = std::move(detail);
    return result;
}

model::IpAddress read_ipv6_address(util::ByteReader& reader) {
    std::array<std::uint8_t, 16> bytes{};
    for (auto& byte : bytes)
        byte = reader.read_u8();
    return model::IpAddress::v6(bytes);
}

// Splits `available` captured bytes into the region a length field announces: the captured
// part never goes past the announced end, and what the capture lacks is `missing`.
Region announced_region(util::ByteReader& reader, std::size_t announced) {
    const std::size_t captured = std::min(announced, reader.remaining());
    Region region;
    region.captured = reader.take(captured);
    region.missing = static_cast<std::uint32_t>(announced - captured);
    return region;
}

// Length in bytes of the extension header starting region, given its length byte.
std::size_t extension_size(std::uint8_t type, std::uint8_t length) {
    if (type == k_ah)
        return (static_cast<std::size_t>(length) + 2) * 4;
    return (static_cast<std::size_t>(length) + 1) * 8;
}

} // namespace

IpResult decode_ipv4(util::Bytes network) {
    util::ByteReader reader(network);
    const std::uint8_t version_ihl = reader.read_u8();
    if (!reader.ok())
        return ip_failure(DecodeStatus::truncated, "empty IPv4 header");
    if ((version_ihl >> 4) != 4)
        return ip_failure(DecodeStatus::malformed,
                          "IP version " + std::to_string(version_ihl >> 4) + " in IPv4 frame");
    const std::size_t header_length = static_cast<std::size_t>(version_ihl & 0x0F) * 4;
    if (header_length < k_ipv4_min_header)
        return ip_failure(DecodeStatus::malformed,
                          "IPv4 header length " + std::to_string(header_length) + " below 20");
    if (network.size() < header_length)
        return ip_failure(DecodeStatus::truncated, "IPv4 header cut at " +
                                                       std::to_string(network.size()) + " of " +
                                                       std::to_string(header_length) + " bytes");
    reader.skip(1); // type of service
    std::size_t total_length = reader.read_be16();
    const std::uint16_t id = reader.read_be16();
    const std::uint16_t flags_offset = reader.read_be16();
    reader.skip(1); // time to live
    IpResult result;
    result.protocol = reader.read_u8();
    reader.skip(2); // checksum: offloading makes it wrong in most local captures
    result.source = model::IpAddress::v4(reader.read_be32());
    result.destination = model::IpAddress::v4(reader.read_be32());
    reader.skip(header_length - k_ipv4_min_header); // options
    // Total length 0 is what TCP segmentation offload leaves in locally captured packets; the
    // frame is then the only measure (as Wireshark does).
    if (total_length == 0)
        total_length = network.size();
    if (total_length < header_length)
        return ip_failure(DecodeStatus::malformed,
                          "IPv4 total length " + std::to_string(total_length) +
                              " below header length " + std::to_string(header_length));
    result.payload = announced_region(reader, total_length - header_length);
    if ((flags_offset & (k_ipv4_more_fragments | k_ipv4_offset_mask)) != 0) {
        result.fragment.present = true;
        result.fragment.more = (flags_offset & k_ipv4_more_fragments) != 0;
        result.fragment.offset = static_cast<std::uint32_t>(flags_offset & k_ipv4_offset_mask) * 8;
        result.fragment.id = id;
    }
    return result;
}

IpResult decode_ipv6(util::Bytes network) {
    util::ByteReader reader(network);
    const std::uint8_t version = reader.peek_u8() >> 4;
    if (!reader.ok())
        return ip_failure(DecodeStatus::truncated, "empty IPv6 header");
    if (version != 6)
        return ip_failure(DecodeStatus::malformed,
                          "IP version " + std::to_string(version) + " in IPv6 frame");
    reader.skip(4); // version, traffic class, flow label
    const std::uint16_t payload_length = reader.read_be16();
    std::uint8_t next_header = reader.read_u8();
    reader.skip(1); // hop limit
    IpResult result;
    result.source = read_ipv6_address(reader);
    result.destination = read_ipv6_address(reader);
    if (!reader.ok())
        return ip_failure(DecodeStatus::truncated,
                          "IPv6 header cut at " + std::to_string(network.size()) + " of 40");
    result.payload = announced_region(reader, payload_length);
    result.status =
        walk_ipv6_extensions(next_header, result.payload, &result.fragment, result.detail);
    result.protocol = next_header;
    return result;
}

DecodeStatus walk_ipv6_extensions(std::uint8_t& next_header, Region& region, FragmentInfo* fragment,
                                  std::string& detail) {
    for (int count = 0; count < k_max_ipv6_extensions; ++count) {
        switch (next_header) {
        case k_esp:
        case k_no_next:
            return DecodeStatus::not_transport;
        case k_hop_by_hop:
        case k_routing:
        case k_destination:
        case k_ah:
        case k_fragment:
            break;
        default:
            return DecodeStatus::ok;
        }
        util::ByteReader reader(region.captured);
        const std::uint8_t following = reader.read_u8();
        const std::uint8_t length = reader.read_u8();
        const std::size_t size =
            next_header == k_fragment ? 8 : extension_size(next_header, length);
        const DecodeStatus fits = header_fits(region, std::max<std::size_t>(size, 2));
        if (fits != DecodeStatus::ok) {
            detail = "IPv6 extension header " + std::to_string(next_header) +
                     (fits == DecodeStatus::truncated ? " cut short" : " past payload length");
            return fits;
        }
        if (next_header == k_fragment) {
            const std::uint16_t offset_flags = reader.read_be16();
            const std::uint32_t id = reader.read_be32();
            const std::uint32_t offset = static_cast<std::uint32_t>(offset_flags >> 3) * 8;
            const bool more = (offset_flags & 1) != 0;
            // An atomic fragment (offset 0, no more) is a whole datagram (RFC 6946).
            if (offset != 0 || more) {
                if (fragment == nullptr) {
                    detail = "IPv6 fragment header inside a reassembled datagram";
                    return DecodeStatus::malformed;
                }
                *fragment = FragmentInfo{true, offset, more, id};
            }
        }
        reader.skip(size - reader.position());
        region.captured = reader.rest();
        next_header = following;
        if (fragment != nullptr && fragment->present)
            return DecodeStatus::ok;
    }
    detail = "more than 16 IPv6 extension headers";
    return DecodeStatus::malformed;
}

} // namespace sniff::packet
