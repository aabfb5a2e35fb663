#include "replay/script.hpp"

#include <algorithm>
#include <optional>

namespace sniff::replay {

namespace {

struct Event {
    model::Direction direction;
    Chunk chunk;
};

// Every captured chunk of both sides before the first gap was decided, in capture order.
std::vector<Event> captured_order(const Conversation& conversation) {
    const std::uint64_t gap_frame = conversation.first_gap_frame();
    std::vector<Event> events;
    for (const auto direction : {model::Direction::c2s, model::Direction::s2c})
        for (const auto& chunk : conversation.of(direction).chunks)
            if (gap_frame == 0 || chunk.frame < gap_frame)
                events.push_back(Event{direction, chunk});
    std::stable_sort(events.begin(), events.end(),
                     [](const Event& a, const Event& b) { return a.chunk.frame < b.chunk.frame; });
    return events;
}

// With a framing, a step that ends inside a message is extended to the message's end (when the
// capture has it) so that requests and answers go whole into turns.
std::uint64_t snapped_end(const SideStream& side, std::uint64_t end) {
    if (side.messages.empty() || end == 0)
        return end;
    const std::size_t holder = message_at(side.messages, end - 1);
    if (holder == side.messages.size())
        return end;
    return std::max(end, side.messages[holder].end());
}

std::size_t messages_ending_by(const std::vector<Span>& messages, std::uint64_t end) {
    return static_cast<std::size_t>(
        std::upper_bound(messages.begin(), messages.end(), end,
                         [](std::uint64_t value, const Span& m) { return value < m.end(); }) -
        messages.begin());
}

std::string gap_text(const Conversation& conversation) {
    for (const auto direction : {model::Direction::c2s, model::Direction::s2c})
        if (const auto& gap = conversation.of(direction).gap)
            return std::string(direction == model::Direction::c2s ? "the client's"
                                                                  : "the server's") +
                   " stream has a gap at byte " + std::to_string(gap->offset) + " (" +
                   std::to_string(gap->length) + " bytes " + model::gap_reason_name(gap->reason) +
                   ", frame " + std::to_string(gap->frame) + ")";
    return {};
}

} // namespace

std::size_t message_at(const std::vector<Span>& messages, std::uint64_t offset) {
    auto found =
        std::upper_bound(messages.begin(), messages.end(), offset,
                         [](std::uint64_t value, const Span& m) { return value < m.end(); });
    if (found == messages.end() || found->offset > offset)
        return messages.size();
    return static_cast<std::size_t>(found - messages.begin());
}

Script build_script(const Conversation& conversation) {
    Script script;
    std::array<std::uint64_t, 2> covered{}; // bytes of each side already in a step
    for (const auto& event : captured_order(conversation)) {
        const auto d = static_cast<std::size_t>(event.direction);
        const SideStream& side = conversation.of(event.direction);
        const std::uint64_t end = std::min<std::uint64_t>(
            snapped_end(side, event.chunk.offset + event.chunk.length), side.bytes.size());
        if (end <= covered[d])
            continue; // already sent whole with the message it belongs to
        if (!script.steps.empty() && script.steps.back().direction == event.direction) {
            script.steps.back().bytes.length = end - script.steps.back().bytes.offset;
        } else {
            script.steps.push_back(
                Step{event.direction, Span{covered[d], end - covered[d]}, 0, event.chunk.time});
        }
        covered[d] = end;
    }
    for (auto& step : script.steps)
        step.messages =
            messages_ending_by(conversation.of(step.direction).messages, step.bytes.end());
    script.cut_reason = gap_text(conversation);
    return script;
}

void trim_at_gaps(Script& script, const Conversation& conversation, model::Direction own) {
    auto last_step_of = [&script](model::Direction direction) -> std::optional<std::size_t> {
        for (std::size_t i = script.steps.size(); i-- > 0;)
            if (script.steps[i].direction == direction)
                return i;
        return std::nullopt;
    };
    const model::Direction peer = model::opposite(own);
    const SideStream& ours = conversation.of(own);
    if (ours.gap) {
        // With a framing, a message the gap cut is not sent in part.
        const std::uint64_t whole =
            ours.messages.empty() ? ours.bytes.size() : ours.messages.back().end();
        std::erase_if(script.steps, [&](const Step& step) {
            return step.direction == own && step.bytes.offset >= whole;
        });
        for (auto& step : script.steps)
            if (step.direction == own && step.bytes.end() > whole)
                step.bytes.length = whole - step.bytes.offset;
    }
    std::size_t keep = script.steps.size();
    if (ours.gap) {
        const auto last = last_step_of(own);
        keep = std::min(keep, last ? *last + 2 : std::size_t{0}); // and the answer to it
        if (last && *last + 1 < script.steps.size())
            script.steps[*last + 1].open_ended = true;
    }
    if (conversation.of(peer).gap) {
        const auto last = last_step_of(peer);
        keep = std::min(keep, last ? *last + 1 : std::size_t{0});
    }
    if (keep < script.steps.size())
        script.steps.resize(keep);
}

} // namespace sniff::replay
