// HTTP/2 frame headers and the client preface (see http2_frames.hpp).

#include "dissectors/http2_frames.hpp"

#include "dissectors/json_text.hpp"

#include <string_view>

namespace sniff::dissect {

namespace {

constexpr std::string_view k_preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
constexpr std::uint64_t k_plausible_length = 16384; // SETTINGS_MAX_FRAME_SIZE's initial value

enum class StreamRule : std::uint8_t { zero, nonzero, any };

struct FrameType {
    std::uint8_t value;
    std::string_view name;
    std::uint8_t flags; // the flags the type defines
    StreamRule stream;
    std::int32_t fixed_length; // -1: any
};

constexpr std::array<FrameType, 10> k_types{{
    {0x0, "DATA", 0x09, StreamRule::nonzero, -1},
    {0x1, "HEADERS", 0x2d, StreamRule::nonzero, -1},
    {0x2, "PRIORITY", 0x00, StreamRule::nonzero, 5},
    {0x3, "RST_STREAM", 0x00, StreamRule::nonzero, 4},
    {0x4, "SETTINGS", 0x01, StreamRule::zero, -1},
    {0x5, "PUSH_PROMISE", 0x0c, StreamRule::nonzero, -1},
    {0x6, "PING", 0x01, StreamRule::zero, 8},
    {0x7, "GOAWAY", 0x00, StreamRule::zero, -1},
    {0x8, "WINDOW_UPDATE", 0x00, StreamRule::any, 4},
    {0x9, "CONTINUATION", 0x04, StreamRule::nonzero, -1},
}};

const FrameType* find_type(std::uint8_t type) {
    return type < k_types.size() ? &k_types[type] : nullptr;
}

struct Header {
    std::uint32_t length = 0;
    std::uint8_t type = 0;
    std::uint8_t flags = 0;
    bool reserved = false;
    std::uint32_t stream = 0;
};

Header read_header(util::Bytes bytes) {
    util::ByteReader reader(bytes);
    Header header;
    header.length = reader.read_be24();
    header.type = reader.read_u8();
    header.flags = reader.read_u8();
    const std::uint32_t word = reader.read_be32();
    header.reserved = (word >> 31) != 0;
    header.stream = word & 0x7fffffffu;
    return header;
}

std::string describe(const Header& header) {
    std::string json = "{";
    const std::string_view name = http2_type_name(header.type);
    json_field(json, "h2",
               name.empty() ? json_quote("type " + std::to_string(header.type)) : json_quote(name));
    json_field(json, "stream", header.stream);
    json_field(json, "flags", header.flags);
    json_field(json, "len", header.length);
    if ((header.type == 0x0 || header.type == 0x1) && (header.flags & 0x1) != 0)
        json_bool(json, "end_stream", true);
    return json + "}";
}

bool starts_like_preface(util::Bytes bytes) {
    const std::size_t compared = std::min(bytes.size(), k_preface.size());
    for (std::size_t i = 0; i < compared; ++i)
        if (static_cast<char>(bytes[i]) != k_preface[i])
            return false;
    return true;
}

} // namespace

std::string_view http2_type_name(std::uint8_t type) {
    const FrameType* entry = find_type(type);
    return entry != nullptr ? entry->name : std::string_view{};
}

bool plausible_http2_header(util::Bytes bytes) {
    if (bytes.size() < 9)
        return false;
    const Header header = read_header(bytes);
    const FrameType* type = find_type(header.type);
    if (type == nullptr || header.reserved || (header.flags & ~type->flags) != 0 ||
        header.length > k_plausible_length)
        return false;
    if (type->fixed_length >= 0 && header.length != static_cast<std::uint32_t>(type->fixed_length))
        return false;
    if (header.type == 0x4 && (header.length % 6 != 0 || ((header.flags & 1) && header.length)))
        return false; // SETTINGS: 6-byte entries; an ACK is empty
    if (type->stream == StreamRule::zero)
        return header.stream == 0;
    return type->stream == StreamRule::any || header.stream != 0;
}

FrameResult Http2Frames::frame(model::Direction direction, util::Bytes bytes) {
    bool& started = m_started[static_cast<std::size_t>(direction)];
    if (!started && direction == model::Direction::c2s && starts_like_preface(bytes)) {
        if (bytes.size() < k_http2_preface_size)
            return FrameResult::need_more(k_http2_preface_size);
        started = true;
        return FrameResult::message(k_http2_preface_size, k_http2_preface_size,
                                    R"({"h2":"preface"})");
    }
    if (bytes.size() < 9)
        return FrameResult::need_more(9);
    if (!started && !plausible_http2_header(bytes.first(9)))
        return FrameResult::malformed("not an HTTP/2 preface or frame header (capture began "
                                      "mid-connection?)",
                                      Resync::skip_to_delimiter, 1);
    started = true;
    const Header header = read_header(bytes);
    if (header.length > m_max)
        return FrameResult::malformed("HTTP/2 frame of " + std::to_string(header.length) +
                                          " bytes over the limit of " + std::to_string(m_max),
                                      Resync::skip_to_delimiter, 9);
    return FrameResult::message(9 + std::uint64_t{header.length}, 9, describe(header));
}

std::optional<std::size_t> Http2Frames::find_resync(util::Bytes bytes) const {
    for (std::size_t at = 0; at + 9 <= bytes.size(); ++at)
        if (plausible_http2_header(bytes.subspan(at, 9)))
            return at;
    return std::nullopt;
}

} // namespace sniff::dissect
