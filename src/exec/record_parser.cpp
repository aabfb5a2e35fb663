#include "exec/record_parser.hpp"

#include <array>

namespace sniff::exec {

namespace {

ParseResult fail(const char* reason) {
    return ParseResult{false, reason};
}

// The 18-byte address: port, then 16 address bytes (IPv4 in the first 4). A Unix socket has no
// IP endpoint: it gets 0.0.0.0 and a port the collector chooses.
model::Endpoint read_address(util::ByteReader& reader, wire::Family family) {
    model::Endpoint endpoint;
    endpoint.port = reader.read_le16();
    const util::Bytes address = reader.take(16);
    if (!reader.ok())
        return endpoint;
    if (family == wire::Family::ipv4) {
        util::ByteReader in4(address);
        endpoint.ip = model::IpAddress::v4(in4.read_be32());
    } else if (family == wire::Family::ipv6) {
        std::array<std::uint8_t, 16> bytes{};
        for (std::size_t i = 0; i < bytes.size(); ++i)
            bytes[i] = std::to_integer<std::uint8_t>(address[i]);
        endpoint.ip = model::IpAddress::v6(bytes);
    } else {
        endpoint.port = 0;
    }
    return endpoint;
}

// The enum fields: each within its range.
ParseResult read_enums(util::ByteReader& reader, Record& out) {
    const std::uint8_t kind = reader.read_u8();
    const std::uint8_t call = reader.read_u8();
    const std::uint8_t dir = reader.read_u8();
    const std::uint8_t family = reader.read_u8();
    const std::uint8_t type = reader.read_u8();
    const std::uint8_t role = reader.read_u8();
    out.flags = reader.read_u8();
    reader.skip(2);
    if (!reader.ok())
        return fail("short header");
    if (kind != static_cast<std::uint8_t>(wire::Kind::data) &&
        kind != static_cast<std::uint8_t>(wire::Kind::close))
        return fail("unknown record kind");
    if (call >= static_cast<std::uint8_t>(wire::Call::count_))
        return fail("unknown call");
    if (dir > 1 || family > 3 || type > 2 || role > 2)
        return fail("field out of range");
    out.kind = static_cast<wire::Kind>(kind);
    out.call = static_cast<wire::Call>(call);
    out.dir = static_cast<wire::Dir>(dir);
    out.family = static_cast<wire::Family>(family);
    out.type = static_cast<wire::SockType>(type);
    out.role = static_cast<wire::Role>(role);
    return ParseResult{true, ""};
}

} // namespace

ParseResult parse_record(util::Bytes message, Record& out) {
    util::ByteReader reader(message);
    if (message.size() < wire::k_header_size)
        return fail("shorter than a header");
    if (reader.read_u8() != wire::k_magic0 || reader.read_u8() != wire::k_magic1)
        return fail("bad magic");
    if (reader.read_u8() != wire::k_version)
        return fail("unknown version");
    if (const ParseResult enums = read_enums(reader, out); !enums.ok)
        return enums;
    out.pid = reader.read_le32();
    const std::uint64_t time = reader.read_le64();
    // Nanoseconds past 2262 do not fit a Timestamp: clamp rather than wrap negative.
    out.time = time > static_cast<std::uint64_t>(INT64_MAX) ? INT64_MAX
                                                            : static_cast<model::Timestamp>(time);
    out.inode = reader.read_le64();
    out.sequence = reader.read_le64();
    out.asked = reader.read_le64();
    out.result = static_cast<std::int64_t>(reader.read_le64());
    out.datagram = reader.read_le64();
    out.fragment_offset = reader.read_le64();
    const std::uint32_t fragment_length = reader.read_le32();
    reader.skip(4);
    out.local = read_address(reader, out.family);
    out.peer = read_address(reader, out.family);
    if (!reader.ok() || reader.position() != wire::k_header_size)
        return fail("short header");
    // The fragment is exactly the rest of the message, no larger than a fragment may be, and
    // lies within the bytes the call returned (checked without offset + length overflow).
    if (fragment_length != reader.remaining() || fragment_length > wire::k_max_fragment)
        return fail("fragment length does not match the record");
    if (fragment_length > 0) {
        if (out.result <= 0 || out.no_bytes())
            return fail("bytes in a record that returned none");
        const auto returned = static_cast<std::uint64_t>(out.result);
        if (out.fragment_offset > returned || fragment_length > returned - out.fragment_offset)
            return fail("fragment beyond the call's result");
    }
    if (out.kind == wire::Kind::close && fragment_length != 0)
        return fail("bytes in a close record");
    out.bytes = reader.take(fragment_length);
    return ParseResult{true, ""};
}

} // namespace sniff::exec
