#pragma once
// Test doubles for the dissector engine: a recording MessageSink and a driver that delivers a
// byte stream to the engine in chosen chunks, as reassembly would.

#include "dissectors/engine.hpp"
#include "dissectors/spec.hpp"
#include "util/escape.hpp"

#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace sniff::dissect::test {

// A message as a test sees it: with its preview escaped, as a view would show it.
struct RecordedMessage : Message {
    std::string preview;
};

struct Recorder final : MessageSink {
    std::vector<RecordedMessage> messages;
    std::vector<SegmentReport> segments;
    std::vector<FramingChoice> choices;
    std::vector<DirectionSummary> summaries;
    // Messages wanted one by one; past this many the engine may only count (as the text report).
    std::size_t wanted = SIZE_MAX;

    bool wants_each_message(const model::Flow&, model::Direction) override {
        return messages.size() < wanted;
    }
    void on_message(const model::Flow&, const Message& message, util::Bytes preview) override {
        messages.push_back(RecordedMessage{message, util::escape_bytes(preview)});
    }
    void on_segment(const model::Flow&, const SegmentReport& report) override {
        segments.push_back(report);
    }
    void on_framing(const model::Flow&, const FramingChoice& choice) override {
        choices.push_back(choice);
    }
    void on_direction_end(const model::Flow&, const DirectionSummary& summary) override {
        summaries.push_back(summary);
    }
    std::vector<RecordedMessage> of(model::Direction direction) const {
        std::vector<RecordedMessage> out;
        for (const auto& message : messages)
            if (message.direction == direction)
                out.push_back(message);
        return out;
    }
};

inline FramingSpec spec_of(std::string_view text) {
    auto result = parse_spec(text);
    if (auto* spec = std::get_if<FramingSpec>(&result))
        return *spec;
    throw std::runtime_error("bad spec in test: " + std::get<SpecError>(result).message);
}

inline model::Flow make_flow(std::uint64_t id = 1, model::Protocol protocol = model::Protocol::tcp,
                             std::uint16_t server_port = 9000) {
    model::Flow flow;
    flow.id = id;
    flow.protocol = protocol;
    flow.client.ip = model::IpAddress::v4(0x7f000001);
    flow.client.port = 40000;
    flow.server.ip = model::IpAddress::v4(0x7f000001);
    flow.server.port = server_port;
    return flow;
}

// Delivers segments of one direction with consecutive indexes, frames and offsets.
class Driver {
public:
    Driver(DissectorEngine& engine, const model::Flow& flow) : m_engine(engine), m_flow(flow) {}

    void send(model::Direction direction, const std::string& bytes) {
        auto& next = m_next[static_cast<std::size_t>(direction)];
        model::SegmentInfo segment;
        segment.index = next.index++;
        segment.frame = ++m_frame;
        segment.time = static_cast<model::Timestamp>(m_frame) * 1000;
        segment.offset = next.offset;
        segment.length = static_cast<std::uint32_t>(bytes.size());
        next.offset += bytes.size();
        m_engine.on_data(
            m_flow, direction, segment,
            util::Bytes(reinterpret_cast<const std::byte*>(bytes.data()), bytes.size()));
    }
    void gap(model::Direction direction, std::uint64_t length) {
        auto& next = m_next[static_cast<std::size_t>(direction)];
        model::Gap gap;
        gap.offset = next.offset;
        gap.length = length;
        next.offset += length;
        m_engine.on_gap(m_flow, direction, gap);
    }
    // Sends `stream` cut at the given chunk sizes (the last chunk takes the rest).
    void send_chunks(model::Direction direction, const std::string& stream,
                     const std::vector<std::size_t>& sizes) {
        std::size_t at = 0;
        for (const std::size_t size : sizes) {
            if (at >= stream.size())
                break;
            const std::size_t take = std::min(size, stream.size() - at);
            send(direction, stream.substr(at, take));
            at += take;
        }
        if (at < stream.size())
            send(direction, stream.substr(at));
    }
    void close() { m_engine.on_flow_close(m_flow, reassembly::CloseReason::fin); }

private:
    struct Next {
        std::uint64_t index = 0;
        std::uint64_t offset = 0;
    };
    DissectorEngine& m_engine;
    model::Flow m_flow;
    std::array<Next, 2> m_next{};
    std::uint64_t m_frame = 0;
};

inline FramingSelector selector_of(std::string_view text) {
    FramingSelector selector;
    if (auto error = selector.add(text))
        throw std::runtime_error(error->message);
    return selector;
}

inline void put_uint(std::string& out, std::uint64_t value, std::size_t size, bool little) {
    for (std::size_t i = 0; i < size; ++i) {
        const std::size_t shift = little ? 8 * i : 8 * (size - 1 - i);
        out += static_cast<char>((value >> shift) & 0xff);
    }
}

inline void put_varint(std::string& out, std::uint64_t value) {
    do {
        std::uint8_t byte = value & 0x7f;
        value >>= 7;
        if (value != 0)
            byte |= 0x80;
        out += static_cast<char>(byte);
    } while (value != 0);
}

} // namespace sniff::dissect::test
