#pragma once
// WebSocket frames (RFC 6455 section 5.2) for both directions of one connection, and the
// fragmented messages they make up (5.4). Used by the `websocket` framing and by `http` after an
// Upgrade: websocket.
//
//    0                   1                   2                   3
//   |F|R|R|R| opcode|M| len7 (0-125) | len16 (len7=126) or len64 (len7=127), big-endian   |
//   |I|S|S|S|  (4)  |A|              | masking key (4 bytes, when MASK)                     |
//   |N|V|V|V|       |S|              | payload: len bytes, XORed with the key when masked   |
// Each frame is one message; its header_json names the opcode, FIN, mask and length, shows the
// first payload bytes unmasked, and on the frame that ends a fragmented message gives that
// message's frame count and size.

#include "dissectors/framing.hpp"

#include <array>

namespace sniff::dissect {

inline constexpr std::uint64_t k_websocket_default_max = 1ull << 30;
inline constexpr std::size_t k_websocket_preview = 32; // payload bytes unmasked in header_json

class WebSocketFrames {
public:
    explicit WebSocketFrames(std::uint64_t max) : m_max(max) {}

    // The framing contract in head mode (from is always 0): need_more(n) until the header and the
    // first payload bytes are there, then message(); malformed (give_up) for a reserved opcode, a
    // control frame over 125 bytes or fragmented, a 64-bit length with its top bit set, or a
    // frame longer than max.
    FrameResult frame(model::Direction direction, util::Bytes bytes);

private:
    struct Fragments {
        bool open = false;
        std::uint64_t frames = 0;
        std::uint64_t bytes = 0;
    };
    std::string describe(model::Direction direction, std::uint8_t opcode, bool fin, bool masked,
                         bool compressed, std::uint64_t length, util::Bytes payload,
                         util::Bytes key);

    std::uint64_t m_max;
    std::array<Fragments, 2> m_fragments{};
};

} // namespace sniff::dissect
