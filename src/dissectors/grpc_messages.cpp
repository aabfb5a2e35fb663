// gRPC messages across DATA frames (see grpc_messages.hpp).

#include "dissectors/grpc_messages.hpp"

#include "dissectors/json_text.hpp"

#include <algorithm>

namespace sniff::dissect {

void GrpcMessages::begin_frame(model::Direction direction, std::uint32_t stream) {
    m_direction = direction;
    m_key = (std::uint64_t{static_cast<std::uint8_t>(direction)} << 32) | stream;
    m_notes = FrameNotes{};
    auto found = m_streams.find(m_key);
    if (found == m_streams.end()) {
        m_current = m_streams.size() < k_grpc_streams ? &m_streams[m_key] : nullptr;
        return;
    }
    m_current = &found->second;
    if (m_current->in_body || m_current->prefix_have > 0) {
        m_notes.continues = true;
        ++m_current->frames;
    }
}

void GrpcMessages::message_ended(Stream& stream, std::uint64_t length) {
    ++m_notes.ends;
    ++m_messages[static_cast<std::size_t>(m_direction)];
    if (m_notes.ends <= 8) {
        const char* comma = m_notes.ends > 1 ? "," : "";
        m_notes.lengths += comma + std::to_string(length);
        m_notes.spans += comma + std::to_string(stream.frames);
    }
    stream.in_body = false;
    stream.prefix_have = 0;
}

void GrpcMessages::prefix_byte(Stream& stream, std::uint8_t byte) {
    if (stream.prefix_have == 0) {
        ++m_notes.starts;
        stream.frames = 1;
    }
    stream.prefix[stream.prefix_have++] = byte;
    if (stream.prefix_have < stream.prefix.size())
        return;
    util::ByteReader reader(util::as_bytes(stream.prefix.data() + 1, 4));
    const std::uint64_t length = reader.read_be32();
    if (length > m_max) {
        stream.broken = true; // the declared length is reported by its absence, never awaited
        return;
    }
    stream.in_body = true;
    stream.left = length;
    if (length == 0)
        message_ended(stream, 0);
}

void GrpcMessages::feed(util::Bytes data) {
    if (m_current == nullptr)
        return;
    Stream& stream = *m_current;
    std::size_t at = 0;
    while (at < data.size() && !stream.broken) {
        if (!stream.in_body) {
            prefix_byte(stream, std::to_integer<std::uint8_t>(data[at++]));
            continue;
        }
        const std::uint64_t take = std::min<std::uint64_t>(stream.left, data.size() - at);
        at += static_cast<std::size_t>(take);
        stream.left -= take;
        if (stream.left == 0) {
            util::ByteReader reader(util::as_bytes(stream.prefix.data() + 1, 4));
            message_ended(stream, reader.read_be32());
        }
    }
}

std::string GrpcMessages::end_frame(bool end_stream) {
    if (m_current == nullptr)
        return {};
    std::string json = "{";
    json_field(json, "starts", m_notes.starts);
    json_field(json, "ends", m_notes.ends);
    if (m_notes.ends > 0) {
        json_field(json, "lengths", "[" + m_notes.lengths + "]");
        json_field(json, "frames", "[" + m_notes.spans + "]");
    }
    if (m_notes.continues)
        json_bool(json, "continues", true);
    if (m_current->broken)
        json_bool(json, "length_over_max", true);
    if (end_stream)
        m_streams.erase(m_key);
    m_current = nullptr;
    return ",\"grpc\":" + json + "}";
}

} // namespace sniff::dissect
