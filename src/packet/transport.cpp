// TCP (RFC 9293) and UDP (RFC 768) headers; a SYN's options are searched for the window scale.
//
// TCP  src_port(2) dst_port(2) seq(4) ack(4) data_offset/reserved(1) flags(1) window(2)
//      checksum(2) urgent(2) options(data_offset*4 - 20)
// UDP  src_port(2) dst_port(2) length(2) checksum(2)

#include "model/flow.hpp"
#include "packet/layers.hpp"
#include "packet/tcp_options.hpp"

namespace sniff::packet {
namespace {

constexpr std::size_t k_tcp_min_header = 20, k_udp_header = 8;

DecodeStatus header_problem(DecodeStatus fits, const char* name, std::string& detail) {
    detail = std::string(name) +
             (fits == DecodeStatus::truncated ? " header cut short" : " header past IP payload");
    return fits;
}

DecodeStatus decode_tcp(const Region& payload, DecodedPacket& out, std::string& detail) {
    if (const auto fits = header_fits(payload, k_tcp_min_header); fits != DecodeStatus::ok)
        return header_problem(fits, "TCP", detail);
    util::ByteReader reader(payload.captured);
    out.protocol = model::Protocol::tcp;
    out.source.port = reader.read_be16();
    out.destination.port = reader.read_be16();
    out.tcp.seq = reader.read_be32();
    out.tcp.ack = reader.read_be32();
    const std::size_t header_length = static_cast<std::size_t>(reader.read_u8() >> 4) * 4;
    out.tcp.flags = reader.read_u8();
    out.tcp.window = reader.read_be16();
    if (header_length < k_tcp_min_header) {
        detail = "TCP data offset " + std::to_string(header_length) + " below 20";
        return DecodeStatus::malformed;
    }
    // Options must be complete too: a cut option block leaves no trustworthy payload start.
    if (const auto fits = header_fits(payload, header_length); fits != DecodeStatus::ok)
        return header_problem(fits, "TCP", detail);
    reader.skip(4); // checksum, urgent pointer
    const util::Bytes options = reader.take(header_length - k_tcp_min_header);
    // Only a SYN's window scale counts (RFC 7323 2.2), so other packets skip the walk.
    out.tcp.window_scale =
        (out.tcp.flags & model::tcp_flags::syn) != 0 ? find_window_scale(options) : std::nullopt;
    out.payload = reader.rest();
    out.payload_missing = payload.missing;
    return DecodeStatus::ok;
}

DecodeStatus decode_udp(const Region& payload, DecodedPacket& out, std::string& detail) {
    if (const auto fits = header_fits(payload, k_udp_header); fits != DecodeStatus::ok)
        return header_problem(fits, "UDP", detail);
    util::ByteReader reader(payload.captured);
    out.protocol = model::Protocol::udp;
    out.source.port = reader.read_be16();
    out.destination.port = reader.read_be16();
    const std::size_t length = reader.read_be16();
    reader.skip(2); // checksum
    if (length < k_udp_header) {
        detail = "UDP length " + std::to_string(length) + " below 8";
        return DecodeStatus::malformed;
    }
    if (length > payload.declared()) {
        detail = "UDP length " + std::to_string(length) + " beyond IP payload of " +
                 std::to_string(payload.declared());
        return DecodeStatus::malformed;
    }
    // The UDP length ends the datagram; IP payload bytes after it are not payload.
    const std::size_t announced = length - k_udp_header;
    const std::size_t captured = std::min(announced, reader.remaining());
    out.payload = reader.take(captured);
    out.payload_missing = static_cast<std::uint32_t>(announced - captured);
    out.tcp = {};
    return DecodeStatus::ok;
}

} // namespace

DecodeStatus decode_transport(std::uint8_t protocol, const Region& payload, DecodedPacket& out,
                              std::string& detail) {
    if (protocol == k_proto_tcp)
        return decode_tcp(payload, out, detail);
    if (protocol == k_proto_udp)
        return decode_udp(payload, out, detail);
    return DecodeStatus::not_transport;
}

} // namespace sniff::packet
