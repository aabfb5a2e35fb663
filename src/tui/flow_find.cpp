// Finding things in the flow view: listing only split or coalesced messages, stepping to the next
// anomaly, gap or bad message, and going to a frame number or a stream offset.

#include "tui/inspector.hpp"

#include <algorithm>
#include <charconv>
#include <unordered_set>

namespace sniff::tui {

namespace {

constexpr const char* k_class_filter_names[] = {"all messages", "split messages only",
                                                "coalesced messages only"};

// A place worth a look in one direction: where it starts and what it is.
struct Problem {
    std::uint64_t offset = 0;
    std::string what;
};

// Gaps, malformed or truncated messages, and the flow's anomalies that came with a segment of
// this direction (an anomaly has a frame, not a direction).
std::vector<Problem> problems_of(const store::FlowRecord& record, model::Direction direction) {
    const auto& data = record.of(direction);
    std::vector<Problem> out;
    for (const auto& gap : data.gaps)
        out.push_back({gap.offset, "gap of " + std::to_string(gap.length) + " B (" +
                                       model::gap_reason_name(gap.reason) + ")"});
    if (data.bad_messages() > 0)
        for (const auto& message : data.messages)
            if (message.status != dissect::MessageStatus::complete)
                out.push_back({message.offset, "message #" + std::to_string(message.index) + " " +
                                                   dissect::message_status_name(message.status)});
    if (!record.anomalies.empty()) {
        std::unordered_set<std::uint64_t> frames;
        for (const auto& anomaly : record.anomalies)
            frames.insert(anomaly.frame);
        for (const auto& segment : data.segments) {
            if (frames.count(segment.frame) == 0)
                continue;
            for (const auto& anomaly : record.anomalies)
                if (anomaly.frame == segment.frame)
                    out.push_back(
                        {segment.offset, std::string(model::anomaly_kind_name(anomaly.kind)) +
                                             " at frame " + std::to_string(anomaly.frame)});
        }
    }
    std::stable_sort(out.begin(), out.end(),
                     [](const Problem& a, const Problem& b) { return a.offset < b.offset; });
    return out;
}

// Parses a decimal or 0x-prefixed number taking the whole text.
std::optional<std::uint64_t> parse_number(std::string_view text) {
    int base = 10;
    if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
        base = 16;
        text.remove_prefix(2);
    }
    std::uint64_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value, base);
    if (text.empty() || error != std::errc() || end != text.data() + text.size())
        return std::nullopt;
    return value;
}

} // namespace

bool Inspector::shown(const store::StoredMessage& message) const {
    using dissect::MessageClass;
    switch (m_class_filter) {
    case ClassFilter::split:
        return message.message_class == MessageClass::split ||
               message.message_class == MessageClass::coalesced_split;
    case ClassFilter::coalesced:
        return message.message_class == MessageClass::coalesced ||
               message.message_class == MessageClass::coalesced_split;
    case ClassFilter::all:
        break;
    }
    return true;
}

std::optional<std::size_t> Inspector::shown_message(const store::DirectionData& data,
                                                    std::size_t from, bool forward) const {
    const std::size_t count = data.messages.size();
    if (forward) {
        for (std::size_t i = from; i < count; ++i)
            if (shown(data.messages[i]))
                return i;
        return std::nullopt;
    }
    for (std::size_t i = from >= count ? count : from + 1; i-- > 0;)
        if (shown(data.messages[i]))
            return i;
    return std::nullopt;
}

void Inspector::step_messages(long steps) {
    const auto& data = flow()->of(m_direction);
    std::size_t at = m_views[static_cast<int>(m_direction)].message;
    for (; steps > 0; --steps) {
        const auto next = shown_message(data, at + 1, true);
        if (!next)
            break;
        at = *next;
    }
    for (; steps < 0 && at > 0; ++steps) {
        const auto previous = shown_message(data, at - 1, false);
        if (!previous)
            break;
        at = *previous;
    }
    select_message(at);
}

void Inspector::cycle_class_filter() {
    m_class_filter = static_cast<ClassFilter>((static_cast<int>(m_class_filter) + 1) % 3);
    // Land on a shown message, so the details and the lanes show what the list shows.
    const auto& data = flow()->of(m_direction);
    const std::size_t from = m_views[static_cast<int>(m_direction)].message;
    auto target = shown_message(data, from, true);
    if (!target)
        target = shown_message(data, from, false);
    if (target)
        select_message(*target);
    set_status(std::string("listing ") + k_class_filter_names[static_cast<int>(m_class_filter)] +
               (target ? "" : " (none in this direction)") + " · c for the next class");
}

void Inspector::jump_to_problem(bool forward) {
    const auto problems = problems_of(*flow(), m_direction);
    auto& view = m_views[static_cast<int>(m_direction)];
    const Problem* target = nullptr;
    if (forward) {
        const auto it = std::find_if(problems.begin(), problems.end(),
                                     [&](const Problem& p) { return p.offset > view.cursor; });
        target = it == problems.end() ? nullptr : &*it;
    } else {
        const auto it = std::find_if(problems.rbegin(), problems.rend(),
                                     [&](const Problem& p) { return p.offset < view.cursor; });
        target = it == problems.rend() ? nullptr : &*it;
    }
    if (target == nullptr) {
        set_status(std::string("no ") + (forward ? "next" : "previous") +
                   " anomaly, gap or bad message in " + model::direction_name(m_direction) + " (" +
                   std::to_string(problems.size()) + " in all)");
        return;
    }
    view.cursor = target->offset;
    sync_from_cursor(m_direction);
    ensure_visible(m_direction, view.cursor);
    set_status(target->what + " at offset " + std::to_string(target->offset));
}

void Inspector::go_to(const std::string& text) {
    const bool offset = !text.empty() && text[0] == '@';
    const auto number = parse_number(offset ? std::string_view(text).substr(1) : text);
    if (!number) {
        set_status("go to: give a frame number (123) or a stream offset (@123, @0x7b)", true);
        return;
    }
    if (!offset) {
        if (!go_to_frame(*number))
            set_status("frame " + std::to_string(*number) + " carried no bytes of this flow", true);
        return;
    }
    const std::uint64_t end = lanes(m_direction).stream_end();
    if (*number >= end) {
        set_status("offset " + std::to_string(*number) + " is past the end of " +
                       model::direction_name(m_direction) + " (" + std::to_string(end) + " B)",
                   true);
        return;
    }
    auto& view = m_views[static_cast<int>(m_direction)];
    view.cursor = *number;
    sync_from_cursor(m_direction);
    ensure_visible(m_direction, view.cursor);
    set_status(std::string(model::direction_name(m_direction)) + " offset " +
               std::to_string(*number));
}

bool Inspector::go_to_frame(std::uint64_t frame) {
    // The frame may carry either direction's bytes: look in the shown one first.
    for (const auto direction : {m_direction, model::opposite(m_direction)}) {
        const auto& segments = flow()->of(direction).segments;
        const auto it = std::find_if(segments.begin(), segments.end(),
                                     [&](const model::SegmentInfo& s) { return s.frame == frame; });
        if (it == segments.end())
            continue;
        m_direction = direction;
        m_focus = direction == model::Direction::c2s ? Pane::c2s_bytes : Pane::s2c_bytes;
        select_segment(static_cast<std::size_t>(it - segments.begin()));
        set_status("frame " + std::to_string(frame) + ": " + model::direction_name(direction) +
                   " segment " + std::to_string(it->index) + " at offset " +
                   std::to_string(it->offset));
        return true;
    }
    return false;
}

} // namespace sniff::tui
