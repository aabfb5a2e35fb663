#pragma once
// gRPC length-prefixed messages inside HTTP/2 DATA payloads (the gRPC over HTTP/2 spec,
// "Length-Prefixed-Message"), tracked per direction and stream while the DATA frames go by:
//
//   | compressed flag (1) | message length (4, big-endian) | message: length bytes |
// A stream's DATA payloads are one byte sequence cut into such messages: a message may span
// DATA frames and a frame may hold several. Each piece of a message in a frame is reported to
// the direction's InnerSink (framing.hpp); bodies are counted, never copied, and the 5-byte
// prefix is the only thing kept between frames.
//
// A stream is parsed only once its HEADERS frame was seen in that direction: a stream whose
// first frame here is DATA began before the capture (or before a gap), and its DATA cannot be
// cut into messages from an unknown place. At most k_grpc_streams streams are tracked per
// direction (a stream that ends is forgotten); further ones are not parsed.

#include "dissectors/framing.hpp"

#include <array>
#include <cstdint>
#include <map>
#include <string>

namespace sniff::dissect {

inline constexpr std::size_t k_grpc_streams = 1024;
inline constexpr std::size_t k_grpc_prefix = 5;

class GrpcMessages {
public:
    explicit GrpcMessages(std::uint64_t max) : m_max(max) {}

    void set_sink(model::Direction direction, InnerSink* sink) {
        m_sinks[static_cast<std::size_t>(direction)] = sink;
    }
    // A HEADERS frame: the stream's DATA is parsed from now on (when it was not already).
    void headers(model::Direction direction, std::uint32_t stream);
    // A DATA frame of `stream` whose payload (padding excluded) lies at [payload_begin,
    // payload_end) from the frame's first byte; the payload follows through feed(). Each
    // direction has its own current frame: the other direction's frames may come between
    // the pieces of this one.
    void begin_frame(model::Direction direction, std::uint32_t stream, std::uint64_t payload_begin,
                     std::uint64_t payload_end);
    // Payload bytes of the direction's current DATA frame, the first at offset `at` from the
    // frame's start.
    void feed(model::Direction direction, util::Bytes data, std::uint64_t at);
    // The direction's DATA frame ends; with END_STREAM, a message still open ends unfinished and
    // the stream is forgotten.
    void end_frame(model::Direction direction, bool end_stream);
    // The stream ends in a frame of `direction` that is not DATA (trailers with END_STREAM,
    // RST_STREAM): a message still open ends unfinished (`why`, at offset `at` of that frame)
    // and the stream is forgotten.
    void end_stream(model::Direction direction, std::uint32_t stream, std::uint64_t at,
                    const std::string& why);
    // The peer reset the stream: forgotten in this direction too (an open message is ended by
    // the engine when the flow ends).
    void drop_stream(model::Direction direction, std::uint32_t stream);
    // A gap or a resynchronisation: every stream of the direction is forgotten (the engine ends
    // their open messages).
    void forget(model::Direction direction);
    std::uint64_t messages(model::Direction direction) const {
        return m_messages[static_cast<std::size_t>(direction)];
    }

private:
    struct Stream {
        std::array<std::uint8_t, k_grpc_prefix> prefix{};
        std::uint64_t have = 0;   // bytes of the current message seen (0: between messages)
        std::uint64_t length = 0; // its length, once the prefix is complete
        bool broken = false;      // a length over max: the rest of the stream is not parsed
    };
    // The DATA frame a direction is in: its stream (nullptr when not parsed) and payload range.
    struct Frame {
        Stream* stream = nullptr;
        std::uint32_t id = 0;
        std::uint64_t payload_begin = 0, payload_end = 0;
    };
    static std::uint64_t key_of(model::Direction direction, std::uint32_t stream) {
        return (std::uint64_t{static_cast<std::uint8_t>(direction)} << 32) | stream;
    }
    static std::size_t index_of(model::Direction direction) {
        return static_cast<std::size_t>(direction);
    }
    // Takes the current message's bytes from data[i..]; returns how many.
    std::size_t take(Stream& stream, util::Bytes data, std::size_t i);
    void report(model::Direction direction, InnerPiece& piece, const Stream& stream);
    // Ends the open message of `stream` (the direction's frame's stream), if any, unfinished at
    // `at`; forgets the stream.
    void end_open(model::Direction direction, std::uint32_t id, Stream& stream, std::uint64_t at,
                  const std::string& why);
    // Forgets one stream of a direction, and the direction's frame if it was that stream's.
    void erase(model::Direction direction, std::uint32_t id);

    std::uint64_t m_max;
    std::map<std::uint64_t, Stream> m_streams; // key: direction << 32 | stream id
    std::array<InnerSink*, 2> m_sinks{};
    std::array<Frame, 2> m_frames{};
    std::array<std::uint64_t, 2> m_messages{};
};

} // namespace sniff::dissect
