#include "replay/conversation.hpp"

#include <algorithm>
#include <utility>

namespace sniff::replay {

std::uint64_t Conversation::first_gap_frame() const {
    std::uint64_t frame = 0;
    for (const auto& side : sides)
        if (side.gap && (frame == 0 || side.gap->frame < frame))
            frame = side.gap->frame;
    return frame;
}

ConversationCollector::ConversationCollector(std::function<bool(const model::Flow&)> wanted)
    : m_wanted(std::move(wanted)) {}

Conversation* ConversationCollector::find(std::uint64_t id) {
    // Flows open in number order, so the kept ones are sorted: a binary search.
    auto found =
        std::lower_bound(m_kept.begin(), m_kept.end(), id,
                         [](const Conversation& c, std::uint64_t v) { return c.flow.id < v; });
    return found != m_kept.end() && found->flow.id == id ? &*found : nullptr;
}

void ConversationCollector::on_flow_open(const model::Flow& flow) {
    ++m_flows_seen;
    if (!m_wanted(flow))
        return;
    Conversation conversation;
    conversation.flow = flow;
    m_kept.push_back(std::move(conversation));
}

void ConversationCollector::on_data(const model::Flow& flow, model::Direction direction,
                                    const model::SegmentInfo& segment, util::Bytes bytes) {
    Conversation* conversation = find(flow.id);
    if (conversation == nullptr)
        return;
    SideStream& side = conversation->of(direction);
    // After a hole the bytes are right but their place in the conversation is not known: the
    // replay stops at the hole, so they are not kept.
    if (side.gap || segment.offset != side.bytes.size())
        return;
    side.chunks.push_back(Chunk{segment.offset, segment.length, segment.time, segment.frame});
    side.bytes.insert(side.bytes.end(), bytes.begin(), bytes.end());
}

void ConversationCollector::on_gap(const model::Flow& flow, model::Direction direction,
                                   const model::Gap& gap) {
    Conversation* conversation = find(flow.id);
    if (conversation == nullptr)
        return;
    SideStream& side = conversation->of(direction);
    if (!side.gap)
        side.gap = gap;
}

void ConversationCollector::on_flow_close(const model::Flow& flow, reassembly::CloseReason) {
    Conversation* conversation = find(flow.id);
    if (conversation == nullptr)
        return;
    const auto roles = conversation->flow.saw_syn;
    conversation->flow = flow; // the final counters (FIN, RST, totals)
    conversation->flow.saw_syn = roles || flow.saw_syn;
    for (const auto direction : {model::Direction::c2s, model::Direction::s2c}) {
        conversation->of(direction).fin = flow.of(direction).fin;
        conversation->of(direction).rst = flow.of(direction).rst;
    }
}

std::vector<Conversation> ConversationCollector::take() {
    return std::exchange(m_kept, {});
}

} // namespace sniff::replay
