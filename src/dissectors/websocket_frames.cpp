// WebSocket frame headers and fragmented messages (see websocket_frames.hpp).

#include "dissectors/websocket_frames.hpp"

#include "dissectors/json_text.hpp"

#include <string_view>

namespace sniff::dissect {

namespace {

struct Opcode {
    std::uint8_t value;
    std::string_view name;
};

constexpr std::array<Opcode, 6> k_opcodes{{
    {0x0, "continuation"},
    {0x1, "text"},
    {0x2, "binary"},
    {0x8, "close"},
    {0x9, "ping"},
    {0xa, "pong"},
}};

std::string_view opcode_name(std::uint8_t opcode) {
    for (const Opcode& entry : k_opcodes)
        if (entry.value == opcode)
            return entry.name;
    return {};
}

} // namespace

FrameResult WebSocketFrames::frame(model::Direction direction, util::Bytes bytes) {
    util::ByteReader reader(bytes);
    if (!reader.has(2))
        return FrameResult::need_more(2);
    const std::uint8_t first = reader.read_u8();
    const std::uint8_t second = reader.read_u8();
    const bool fin = (first & 0x80) != 0;
    const bool compressed = (first & 0x40) != 0; // RSV1: permessage-deflate (RFC 7692)
    const auto opcode = static_cast<std::uint8_t>(first & 0x0f);
    const bool masked = (second & 0x80) != 0;
    const std::uint8_t len7 = second & 0x7f;
    const std::size_t extended = len7 == 126 ? 2 : len7 == 127 ? 8 : 0;
    const std::size_t header = 2 + extended + (masked ? 4 : 0);
    if (opcode_name(opcode).empty())
        return FrameResult::malformed("WebSocket opcode " + std::to_string(opcode) + " is reserved",
                                      Resync::give_up, 2);
    if (!reader.has(header - 2))
        return FrameResult::need_more(header);
    std::uint64_t length = len7;
    if (extended == 2)
        length = reader.read_be16();
    else if (extended == 8)
        length = reader.read_be64();
    if (length >> 63 != 0)
        return FrameResult::malformed("WebSocket 64-bit length with the top bit set",
                                      Resync::give_up, header);
    // Compared before any sum: header + length cannot overflow once length <= m_max <= 2^40.
    if (length > m_max)
        return FrameResult::malformed("WebSocket frame of " + std::to_string(length) +
                                          " bytes over the limit of " + std::to_string(m_max),
                                      Resync::give_up, header);
    if (opcode >= 0x8 && (length > 125 || !fin))
        return FrameResult::malformed("WebSocket control frame fragmented or over 125 bytes",
                                      Resync::give_up, header);
    const util::Bytes key = masked ? reader.take(4) : util::Bytes{};
    const std::size_t shown =
        static_cast<std::size_t>(std::min<std::uint64_t>(length, k_websocket_preview));
    if (!reader.has(shown))
        return FrameResult::need_more(header + shown);
    return FrameResult::message(
        header + length, header,
        describe(direction, opcode, fin, masked, compressed, length, reader.take(shown), key));
}

std::string WebSocketFrames::describe(model::Direction direction, std::uint8_t opcode, bool fin,
                                      bool masked, bool compressed, std::uint64_t length,
                                      util::Bytes payload, util::Bytes key) {
    std::string json = "{";
    json_field(json, "ws", json_quote(opcode_name(opcode)));
    json_bool(json, "fin", fin);
    json_bool(json, "masked", masked);
    if (compressed)
        json_bool(json, "compressed", true);
    json_field(json, "len", length);
    std::string unmasked(payload.size(), '\0');
    for (std::size_t i = 0; i < payload.size(); ++i) {
        const auto mask = key.empty() ? std::byte{0} : key[i % 4];
        unmasked[i] = static_cast<char>(payload[i] ^ mask);
    }
    if (opcode != 0x8 || payload.size() > 2)
        json_field(json, "payload", json_quote(unmasked, 120));
    // Data frames (text, binary, continuation) build messages; control frames may come between.
    Fragments& fragments = m_fragments[static_cast<std::size_t>(direction)];
    if (opcode < 0x8) {
        if (opcode == 0x0 && !fragments.open)
            json_bool(json, "orphan", true); // the message began before the capture did
        if (opcode != 0x0)
            fragments = Fragments{};
        fragments.open = !fin;
        ++fragments.frames;
        fragments.bytes += length;
        if (fin && fragments.frames > 1) {
            json_field(json, "message_frames", fragments.frames);
            json_field(json, "message_bytes", fragments.bytes);
        }
        if (fin)
            fragments = Fragments{};
    }
    return json + "}";
}

} // namespace sniff::dissect
