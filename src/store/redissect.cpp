// Re-dissection of one stored flow: its segments and gaps are replayed, in their original order,
// into a fresh engine whose messages replace the flow's.

#include "store/flow_store.hpp"

namespace sniff::store {

namespace {

// Collects what the engine reports for one flow.
class Collector final : public dissect::MessageSink {
public:
    std::array<MessageList, 2> messages;
    std::array<std::optional<dissect::FramingChoice>, 2> framings;
    std::array<std::optional<dissect::DirectionSummary>, 2> summaries;

    void on_message(const model::Flow&, const dissect::Message& message,
                    util::Bytes /*preview*/) override {
        messages[static_cast<int>(message.direction)].add(message);
    }
    void on_framing(const model::Flow&, const dissect::FramingChoice& choice) override {
        framings[static_cast<int>(choice.direction)] = choice;
    }
    void on_direction_end(const model::Flow&, const dissect::DirectionSummary& summary) override {
        summaries[static_cast<int>(summary.direction)] = summary;
    }
};

// Walks one direction's segments and gaps in stream order.
struct Cursor {
    const DirectionData* data = nullptr;
    std::size_t segment = 0;
    std::size_t gap = 0;

    bool done() const { return segment == data->segments.size() && gap == data->gaps.size(); }
    bool gap_next() const {
        if (gap == data->gaps.size())
            return false;
        return segment == data->segments.size() ||
               data->gaps[gap].offset <= data->segments[segment].offset;
    }
    std::uint64_t frame() const {
        return gap_next() ? data->gaps[gap].frame : data->segments[segment].frame;
    }
};

void replay_one(dissect::DissectorEngine& engine, const model::Flow& flow,
                model::Direction direction, Cursor& cursor, std::vector<std::byte>& buffer) {
    if (cursor.gap_next()) {
        engine.on_gap(flow, direction, cursor.data->gaps[cursor.gap++]);
        return;
    }
    const auto& segment = cursor.data->segments[cursor.segment++];
    // Bytes dropped to stay within a live budget are missing: the engine sees a gap there, as
    // for bytes never captured, and resynchronises after it.
    if (cursor.data->bytes.read(segment.offset, segment.length, buffer) < segment.length) {
        engine.on_gap(flow, direction,
                      model::Gap{segment.offset, segment.length, model::GapReason::buffer_limit,
                                 segment.frame});
        return;
    }
    engine.on_data(flow, direction, segment, buffer);
}

} // namespace

bool FlowStore::redissect(std::uint64_t flow_id, const dissect::FramingSpec& spec) {
    FlowRecord* target = record(flow_id);
    if (target == nullptr)
        return false;
    // The server port's spec is what a UDP flow listens to; TCP uses the default.
    dissect::FramingSelector selector(spec);
    selector.set_port(target->flow.server.port, spec);
    Collector collector;
    {
        dissect::DissectorEngine engine(std::move(selector), collector, m_config);
        const model::Flow& flow = target->flow;
        engine.on_flow_open(flow);
        for (auto direction : {model::Direction::c2s, model::Direction::s2c}) {
            // Segments dropped for the budget: what came before the first kept one is missing.
            const auto& data = target->of(direction);
            if (data.dropped_segments > 0 && !data.segments.empty())
                engine.on_gap(flow, direction,
                              model::Gap{0, data.segments.front().offset,
                                         model::GapReason::buffer_limit,
                                         data.segments.front().frame});
        }
        std::array<Cursor, 2> cursors{Cursor{&target->directions[0]},
                                      Cursor{&target->directions[1]}};
        std::vector<std::byte> buffer;
        // Merge the directions by frame number so request/response framings (ascii-len's ack)
        // see the conversation in the order it happened; each direction keeps its stream order.
        while (!cursors[0].done() || !cursors[1].done()) {
            const bool take_c2s = cursors[1].done() ||
                                  (!cursors[0].done() && cursors[0].frame() <= cursors[1].frame());
            const auto direction = take_c2s ? model::Direction::c2s : model::Direction::s2c;
            replay_one(engine, flow, direction, cursors[static_cast<int>(direction)], buffer);
        }
        engine.on_flow_close(flow, target->close_reason);
    }
    for (int d = 0; d < 2; ++d) {
        auto& data = target->directions[d];
        // The replay found the messages of the kept segments only: the dropped ones are gone.
        m_items = m_items - data.messages.size() + collector.messages[d].size();
        target->directions[d].messages = std::move(collector.messages[d]);
        target->directions[d].framing = collector.framings[d];
        target->directions[d].summary = collector.summaries[d];
    }
    target->framing_override = dissect::to_string(spec);
    ++m_version;
    return true;
}

} // namespace sniff::store
