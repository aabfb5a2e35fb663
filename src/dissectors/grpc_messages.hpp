#pragma once
// gRPC length-prefixed messages inside HTTP/2 DATA payloads (the gRPC over HTTP/2 spec,
// "Length-Prefixed-Message"), tracked per direction and stream while the DATA frames go by:
//
//   | compressed flag (1) | message length (4, big-endian) | message: length bytes |
// A stream's DATA payloads are one byte sequence cut into such messages: a message may span
// DATA frames and a frame may hold several. Message bodies are counted, never copied; the
// 5-byte prefix is the only thing kept between frames. At most k_grpc_streams streams are
// tracked per direction (a stream that ends is forgotten); further ones are not parsed.

#include "model/flow.hpp"
#include "util/byte_reader.hpp"

#include <array>
#include <cstdint>
#include <map>
#include <string>

namespace sniff::dissect {

inline constexpr std::size_t k_grpc_streams = 1024;

class GrpcMessages {
public:
    explicit GrpcMessages(std::uint64_t max) : m_max(max) {}

    // A DATA frame of `stream` begins; its payload (padding excluded) follows through feed().
    void begin_frame(model::Direction direction, std::uint32_t stream);
    void feed(util::Bytes data);
    // The frame ends: its gRPC fields for header_json (",\"grpc\":{...}"), empty when the
    // stream is not tracked. `end_stream` forgets the stream.
    std::string end_frame(bool end_stream);
    std::uint64_t messages(model::Direction direction) const {
        return m_messages[static_cast<std::size_t>(direction)];
    }

private:
    struct Stream {
        std::array<std::uint8_t, 5> prefix{};
        std::size_t prefix_have = 0;
        bool in_body = false;
        std::uint64_t left = 0;
        std::uint64_t frames = 0; // DATA frames the current message has touched
        bool broken = false;      // a length over max: the rest of the stream is not parsed
    };
    struct FrameNotes {
        std::uint64_t starts = 0, ends = 0;
        bool continues = false; // the frame began inside a message
        std::string lengths;    // JSON array items: the ended messages' lengths (first 8)
        std::string spans;      // their DATA frame counts
    };
    void prefix_byte(Stream& stream, std::uint8_t byte);
    void message_ended(Stream& stream, std::uint64_t length);

    std::uint64_t m_max;
    std::map<std::uint64_t, Stream> m_streams; // key: direction << 32 | stream id
    Stream* m_current = nullptr;
    std::uint64_t m_key = 0;
    model::Direction m_direction = model::Direction::c2s;
    FrameNotes m_notes;
    std::array<std::uint64_t, 2> m_messages{};
};

} // namespace sniff::dissect
