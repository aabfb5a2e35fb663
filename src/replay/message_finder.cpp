#include "replay/message_finder.hpp"

#include <algorithm>

namespace sniff::replay {

class MessageFinder::Collector final : public dissect::MessageSink {
public:
    explicit Collector(std::array<Found, 2>& found) : m_found(found) {}

    void on_message(const model::Flow&, const dissect::Message& message, util::Bytes) override {
        Found& found = m_found[static_cast<std::size_t>(message.direction)];
        if (message.status == dissect::MessageStatus::complete)
            found.messages.push_back(Span{message.offset, message.length});
        else if (found.lost.empty())
            found.lost = std::string(dissect::message_status_name(message.status)) +
                         " message at byte " + std::to_string(message.offset) +
                         (message.reason.empty() ? "" : ": " + message.reason);
    }
    void on_framing(const model::Flow&, const dissect::FramingChoice& choice) override {
        m_found[static_cast<std::size_t>(choice.direction)].framing = choice.spec;
    }
    void on_direction_end(const model::Flow&, const dissect::DirectionSummary& summary) override {
        Found& found = m_found[static_cast<std::size_t>(summary.direction)];
        if (summary.stopped && found.lost.empty())
            found.lost = summary.stop_reason;
    }

private:
    std::array<Found, 2>& m_found;
};

MessageFinder::MessageFinder(const model::Flow& flow, const dissect::FramingSpec& spec)
    : m_flow(flow), m_collector(std::make_unique<Collector>(m_found)) {
    m_flow.stats = {};
    // The spec for every flow, whatever its port: this finder serves one flow.
    m_engine =
        std::make_unique<dissect::DissectorEngine>(dissect::FramingSelector(spec), *m_collector);
    if (m_flow.protocol == model::Protocol::udp) {
        // UDP flows take only a port's spec: name the flow's own port.
        dissect::FramingSelector selector;
        selector.set_port(m_flow.server.port, spec);
        m_engine = std::make_unique<dissect::DissectorEngine>(std::move(selector), *m_collector);
    }
    m_engine->on_flow_open(m_flow);
}

MessageFinder::~MessageFinder() {
    close();
}

void MessageFinder::add(model::Direction direction, util::Bytes bytes, model::Timestamp time) {
    if (m_closed || bytes.empty())
        return;
    const auto d = static_cast<std::size_t>(direction);
    model::SegmentInfo segment;
    segment.index = m_segments[d]++;
    segment.frame = ++m_frame;
    segment.time = time;
    segment.offset = m_offset[d];
    segment.length = static_cast<std::uint32_t>(bytes.size());
    m_offset[d] += bytes.size();
    auto& stats = m_flow.of(direction);
    ++stats.segments;
    ++stats.packets;
    stats.stream_bytes += bytes.size();
    stats.wire_bytes += bytes.size();
    m_flow.last_seen = time;
    m_engine->on_data(m_flow, direction, segment, bytes);
}

void MessageFinder::close() {
    if (m_closed)
        return;
    m_closed = true;
    m_engine->on_flow_close(m_flow, reassembly::CloseReason::fin);
}

void find_messages(Conversation& conversation, const dissect::FramingSpec& spec) {
    MessageFinder finder(conversation.flow, spec);
    // Both sides in capture order, so a framing that follows the peer sees what it saw then.
    struct Next {
        model::Direction direction;
        const Chunk* chunk;
    };
    std::vector<Next> order;
    for (const auto direction : {model::Direction::c2s, model::Direction::s2c})
        for (const auto& chunk : conversation.of(direction).chunks)
            order.push_back(Next{direction, &chunk});
    std::stable_sort(order.begin(), order.end(),
                     [](const Next& a, const Next& b) { return a.chunk->frame < b.chunk->frame; });
    for (const auto& next : order) {
        const SideStream& side = conversation.of(next.direction);
        finder.add(next.direction, side.view(Span{next.chunk->offset, next.chunk->length}),
                   next.chunk->time);
    }
    // A side that ends at a gap did not end: only a real end completes a message read to the
    // close (an HTTP answer without length).
    const bool ended =
        !conversation.of(model::Direction::c2s).gap && !conversation.of(model::Direction::s2c).gap;
    if (ended)
        finder.close();
    for (const auto direction : {model::Direction::c2s, model::Direction::s2c}) {
        SideStream& side = conversation.of(direction);
        side.messages = finder.messages(direction);
        side.framing = finder.framing(direction);
    }
}

} // namespace sniff::replay
