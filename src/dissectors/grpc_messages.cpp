// gRPC messages across DATA frames (see grpc_messages.hpp).

#include "dissectors/grpc_messages.hpp"

#include "dissectors/json_text.hpp"

#include <algorithm>

namespace sniff::dissect {

void GrpcMessages::headers(model::Direction direction, std::uint32_t stream) {
    const std::uint64_t key = key_of(direction, stream);
    if (m_streams.size() < 2 * k_grpc_streams)
        m_streams.try_emplace(key);
}

void GrpcMessages::begin_frame(model::Direction direction, std::uint32_t stream,
                               std::uint64_t payload_begin, std::uint64_t payload_end) {
    const auto found = m_streams.find(key_of(direction, stream));
    m_frames[index_of(direction)] = Frame{
        .stream = found != m_streams.end() && !found->second.broken ? &found->second : nullptr,
        .id = stream,
        .payload_begin = payload_begin,
        .payload_end = payload_end,
    };
}

std::size_t GrpcMessages::take(Stream& stream, util::Bytes data, std::size_t i) {
    const std::size_t start = i;
    if (stream.have < k_grpc_prefix) {
        while (stream.have < k_grpc_prefix && i < data.size())
            stream.prefix[stream.have++] = std::to_integer<std::uint8_t>(data[i++]);
        if (stream.have < k_grpc_prefix)
            return i - start;
        util::ByteReader reader(util::as_bytes(stream.prefix.data() + 1, 4));
        stream.length = reader.read_be32();
        if (stream.length > m_max) {
            stream.broken = true; // the declared length is reported, never awaited
            return i - start;
        }
    }
    const std::uint64_t left = k_grpc_prefix + stream.length - stream.have;
    const auto body = static_cast<std::size_t>(std::min<std::uint64_t>(left, data.size() - i));
    stream.have += body;
    return i + body - start;
}

void GrpcMessages::report(model::Direction direction, InnerPiece& piece, const Stream& stream) {
    if (piece.last && piece.reason.empty()) {
        ++m_messages[index_of(direction)];
        std::string fields = "{";
        json_bool(fields, "compressed", stream.prefix[0] != 0);
        if (stream.prefix[0] > 1) // the spec defines 0 and 1 only
            json_field(fields, "flag", stream.prefix[0]);
        json_field(fields, "length", stream.length);
        piece.fields = "\"grpc\":" + fields + "}";
    }
    if (InnerSink* sink = m_sinks[index_of(direction)]; sink != nullptr)
        sink->on_piece(piece);
}

void GrpcMessages::feed(model::Direction direction, util::Bytes data, std::uint64_t at) {
    const Frame& frame = m_frames[index_of(direction)];
    if (frame.stream == nullptr)
        return;
    Stream& stream = *frame.stream;
    std::size_t i = 0;
    while (i < data.size() && !stream.broken) {
        InnerPiece piece;
        piece.key = frame.id;
        piece.at = at + i;
        piece.first = stream.have == 0;
        piece.header = piece.first ? k_grpc_prefix : 0;
        const std::size_t took = take(stream, data, i);
        i += took;
        piece.length = took;
        piece.unit_start = piece.at == frame.payload_begin;
        piece.unit_end = piece.at + took == frame.payload_end;
        if (stream.broken) {
            piece.last = true;
            piece.malformed = true;
            piece.reason = "gRPC message of " + std::to_string(stream.length) +
                           " bytes over the limit of " + std::to_string(m_max);
        } else if (stream.have >= k_grpc_prefix && stream.have == k_grpc_prefix + stream.length) {
            piece.last = true;
            stream.have = 0;
        }
        report(direction, piece, stream);
    }
}

void GrpcMessages::end_open(model::Direction direction, std::uint32_t id, Stream& stream,
                            std::uint64_t at, const std::string& why) {
    if (stream.have > 0) {
        InnerPiece piece;
        piece.key = id;
        piece.at = at;
        piece.last = true;
        piece.reason = why + " after " + std::to_string(stream.have) + " bytes of the message";
        report(direction, piece, stream);
    }
    erase(direction, id);
}

void GrpcMessages::erase(model::Direction direction, std::uint32_t id) {
    const auto found = m_streams.find(key_of(direction, id));
    if (found == m_streams.end())
        return;
    Frame& frame = m_frames[index_of(direction)];
    if (frame.stream == &found->second)
        frame.stream = nullptr;
    m_streams.erase(found);
}

void GrpcMessages::end_frame(model::Direction direction, bool end_stream) {
    Frame& frame = m_frames[index_of(direction)];
    if (frame.stream != nullptr && end_stream)
        end_open(direction, frame.id, *frame.stream, frame.payload_end, "the stream ended");
    frame.stream = nullptr;
}

void GrpcMessages::end_stream(model::Direction direction, std::uint32_t stream, std::uint64_t at,
                              const std::string& why) {
    const auto found = m_streams.find(key_of(direction, stream));
    if (found != m_streams.end())
        end_open(direction, stream, found->second, at, why);
}

void GrpcMessages::drop_stream(model::Direction direction, std::uint32_t stream) {
    erase(direction, stream);
}

void GrpcMessages::forget(model::Direction direction) {
    std::erase_if(m_streams, [&](const auto& entry) {
        return (entry.first >> 32) == static_cast<std::uint8_t>(direction);
    });
    m_frames[index_of(direction)].stream = nullptr;
}

} // namespace sniff::dissect
