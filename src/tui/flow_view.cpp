// The flow view's behaviour: keys, scrolling, message/segment selection kept in step with the
// byte cursor, search and re-dissection.

#include "dissectors/spec.hpp"
#include "tui/inspector.hpp"
#include "util/escape.hpp"

#include <algorithm>

namespace sniff::tui {

namespace {

int index_of(model::Direction d) {
    return static_cast<int>(d);
}

} // namespace

void Inspector::open(std::uint64_t flow_id) {
    if (m_store.find(flow_id) == nullptr)
        return;
    m_open_flow = flow_id;
    m_views = {};
    m_focus = Pane::c2s_bytes;
    m_direction = model::Direction::c2s;
}

ByteLanes Inspector::lanes(model::Direction direction) const {
    const auto& record = *flow();
    LaneExtras extras;
    extras.mark_mixed = record.flow.origin == model::FlowOrigin::exec;
    // sniff exec -i: the program's calls with the wire's segments under them.
    if (record.flow.origin == model::FlowOrigin::exec)
        if (const auto* twin = m_store.twin_of(record))
            extras.wire = &twin->of(direction);
    return ByteLanes(record.of(direction), LaneLayout{m_hex, m_columns}, extras);
}

int Inspector::lane_rows(model::Direction direction) const {
    // Each direction's pane: a header line, then per lane row its lanes and a spacer.
    const int bytes_area = (m_rows - 3) * 3 / 5;
    return std::max(1, (bytes_area / 2 - 1) / (lanes(direction).lane_count() + 1));
}

void Inspector::scroll_rows(model::Direction direction, int rows) {
    auto& view = m_views[index_of(direction)];
    const auto layout = lanes(direction);
    const std::uint64_t last = layout.last_row_start();
    for (; rows > 0 && view.top < last; --rows)
        view.top = std::min(layout.row_end(view.top), last);
    for (; rows < 0 && view.top > 0; ++rows)
        view.top = layout.row_before(view.top);
}

void Inspector::ensure_visible(model::Direction direction, std::uint64_t offset) {
    auto& view = m_views[index_of(direction)];
    const auto layout = lanes(direction);
    std::uint64_t end = view.top;
    for (int i = 0; i < lane_rows(direction); ++i)
        end = layout.row_end(end);
    if (offset >= view.top && offset < end)
        return;
    // Start the row at the target itself, with one row of context above it.
    view.top = offset;
    if (lane_rows(direction) > 1)
        view.top = layout.row_before(offset);
}

void Inspector::sync_from_cursor(model::Direction direction) {
    auto& view = m_views[index_of(direction)];
    const auto& data = flow()->of(direction);
    if (auto m = data.message_at(view.cursor))
        view.message = *m;
    if (auto s = data.segment_at(view.cursor))
        view.segment = *s;
}

void Inspector::select_message(std::size_t index) {
    const auto& data = flow()->of(m_direction);
    if (data.messages.empty())
        return;
    auto& view = m_views[index_of(m_direction)];
    view.message = std::min(index, data.messages.size() - 1);
    view.cursor = data.messages[view.message].offset;
    if (auto s = data.segment_at(view.cursor))
        view.segment = *s;
    ensure_visible(m_direction, view.cursor);
}

void Inspector::select_segment(std::size_t index) {
    const auto& data = flow()->of(m_direction);
    if (data.segments.empty())
        return;
    auto& view = m_views[index_of(m_direction)];
    view.segment = std::min(index, data.segments.size() - 1);
    view.cursor = data.segments[view.segment].offset;
    if (auto m = data.message_at(view.cursor))
        view.message = *m;
    ensure_visible(m_direction, view.cursor);
}

void Inspector::follow_tail(model::Direction direction) {
    auto& view = m_views[index_of(direction)];
    const auto& data = flow()->of(direction);
    const auto layout = lanes(direction);
    const std::uint64_t end = layout.stream_end();
    if (end == 0)
        return;
    view.top = layout.last_row_start();
    for (int i = 1; i < lane_rows(direction) && view.top > 0; ++i)
        view.top = layout.row_before(view.top);
    view.cursor = end - 1;
    // The newest message, even when the last bytes belong to one not complete yet.
    if (!data.messages.empty())
        view.message = data.messages.size() - 1;
    if (!data.segments.empty())
        view.segment = data.segments.size() - 1;
    sync_from_cursor(direction);
}

KeyResult Inspector::flow_key(const Key& key) {
    // Moving by hand means the user wants to stay where they go: follow mode would pull the
    // view back to the end at the next redraw.
    const bool moves =
        key.code == KeyCode::up || key.code == KeyCode::down || key.code == KeyCode::page_up ||
        key.code == KeyCode::page_down || key.code == KeyCode::home || key.is('j') || key.is('k') ||
        key.is('g') || key.is('n') || key.is('N') || key.is('[') || key.is(']') || key.is('/') ||
        key.is('a') || key.is('A') || key.is(':') ||
        (key.code == KeyCode::enter && m_focus != Pane::c2s_bytes && m_focus != Pane::s2c_bytes);
    if (moves && m_follow) {
        m_follow = false;
        set_status("follow off (F to resume)");
    }
    const auto& data = flow()->of(m_direction);
    auto& view = m_views[index_of(m_direction)];
    const bool bytes_pane = m_focus == Pane::c2s_bytes || m_focus == Pane::s2c_bytes;
    const int page = lane_rows(m_direction);
    const bool up = key.code == KeyCode::up || key.is('k');
    const bool down = key.code == KeyCode::down || key.is('j');
    if (key.code == KeyCode::escape || key.code == KeyCode::backspace) {
        m_open_flow = 0;
    } else if (key.code == KeyCode::tab || key.code == KeyCode::back_tab) {
        const int step = key.code == KeyCode::tab ? 1 : 3;
        m_focus = static_cast<Pane>((static_cast<int>(m_focus) + step) % 4);
        if (m_focus == Pane::c2s_bytes || m_focus == Pane::s2c_bytes)
            m_direction =
                m_focus == Pane::c2s_bytes ? model::Direction::c2s : model::Direction::s2c;
    } else if (key.is('n')) {
        const auto next = shown_message(data, data.first_message_from(view.cursor + 1), true);
        if (next)
            select_message(*next);
        else
            set_status("no next message");
    } else if (key.is('N')) {
        const auto here = data.message_at(view.cursor);
        const std::size_t current = here ? *here : data.first_message_from(view.cursor);
        const auto previous =
            current > 0 ? shown_message(data, current - 1, false) : std::optional<std::size_t>{};
        if (previous)
            select_message(*previous);
        else
            set_status("no previous message");
    } else if (key.is(']')) {
        const std::size_t next = data.first_segment_from(view.cursor + 1);
        if (next < data.segments.size())
            select_segment(next);
    } else if (key.is('[')) {
        const std::size_t current = data.first_segment_from(view.cursor);
        if (current > 0)
            select_segment(current - 1);
    } else if (m_focus == Pane::messages &&
               (up || down || key.code == KeyCode::page_up || key.code == KeyCode::page_down)) {
        const std::size_t step = key.code == KeyCode::page_up || key.code == KeyCode::page_down
                                     ? static_cast<std::size_t>(std::max(1, m_rows / 3))
                                     : 1;
        step_messages(up || key.code == KeyCode::page_up ? -static_cast<long>(step)
                                                         : static_cast<long>(step));
    } else if (m_focus == Pane::segments &&
               (up || down || key.code == KeyCode::page_up || key.code == KeyCode::page_down)) {
        const std::size_t step = key.code == KeyCode::page_up || key.code == KeyCode::page_down
                                     ? static_cast<std::size_t>(std::max(1, m_rows / 3))
                                     : 1;
        select_segment(up || key.code == KeyCode::page_up
                           ? (view.segment > step ? view.segment - step : 0)
                           : view.segment + step);
    } else if (bytes_pane && (up || down)) {
        scroll_rows(m_direction, up ? -1 : 1);
    } else if (bytes_pane && (key.code == KeyCode::page_up || key.code == KeyCode::page_down)) {
        scroll_rows(m_direction, key.code == KeyCode::page_up ? -page : page);
    } else if (key.code == KeyCode::home || key.is('g')) {
        view = {};
        sync_from_cursor(m_direction);
    } else if (key.code == KeyCode::end || key.is('G')) {
        const auto layout = lanes(m_direction);
        view.top = layout.last_row_start();
        for (int i = 1; i < page && view.top > 0; ++i)
            view.top = layout.row_before(view.top);
        const std::uint64_t end = layout.stream_end();
        view.cursor = end > 0 ? end - 1 : 0;
        sync_from_cursor(m_direction);
    } else if (key.code == KeyCode::enter) {
        if (m_focus == Pane::messages)
            select_message(view.message);
        else if (m_focus == Pane::segments)
            select_segment(view.segment);
        m_focus = m_direction == model::Direction::c2s ? Pane::c2s_bytes : Pane::s2c_bytes;
    } else if (key.is('/')) {
        m_prompt = PromptKind::search;
        m_prompt_text.clear();
    } else if (key.is('c')) {
        cycle_class_filter();
    } else if (key.is('a') || key.is('A')) {
        jump_to_problem(key.is('a'));
    } else if (key.is(':')) {
        m_prompt = PromptKind::go_to;
        m_prompt_text.clear();
    } else if (key.is('w')) {
        m_prompt = PromptKind::save;
        m_prompt_text = default_save_name();
    } else if (key.is('f')) {
        m_prompt = PromptKind::framing;
        const auto& framing = data.framing;
        m_prompt_text = !flow()->framing_override.empty() ? flow()->framing_override
                        : framing                         ? framing->spec
                                                          : "";
    } else {
        return KeyResult::ignored;
    }
    return KeyResult::redraw;
}

void Inspector::search(const std::string& query) {
    if (query.empty() || !in_flow_view())
        return;
    const auto& data = flow()->of(m_direction);
    auto& view = m_views[index_of(m_direction)];
    // Chunks overlap by the query's length so a match across a chunk edge is found.
    constexpr std::size_t k_chunk = 1u << 16;
    std::vector<std::byte> chunk;
    std::uint64_t offset = view.cursor + 1;
    const std::uint64_t end = lanes(m_direction).stream_end();
    while (offset < end) {
        if (data.bytes.read(offset, k_chunk + query.size(), chunk) == 0) {
            ++offset; // inside a gap: step over it byte by byte is slow, jump to the next piece
            const std::size_t next = data.first_segment_from(offset);
            if (next >= data.segments.size())
                break;
            offset = data.segments[next].offset;
            continue;
        }
        const std::string_view text(reinterpret_cast<const char*>(chunk.data()), chunk.size());
        const auto found = text.find(query);
        if (found != std::string_view::npos) {
            view.cursor = offset + found;
            sync_from_cursor(m_direction);
            ensure_visible(m_direction, view.cursor);
            set_status("found '" + util::escape_text(query) + "' at offset " +
                       std::to_string(view.cursor));
            return;
        }
        offset += chunk.size() > query.size() ? chunk.size() - query.size() + 1 : chunk.size();
    }
    set_status("'" + util::escape_text(query) + "' not found after the cursor", true);
}

void Inspector::apply_framing(const std::string& text) {
    const auto parsed = dissect::parse_spec(text);
    if (const auto* error = std::get_if<dissect::SpecError>(&parsed)) {
        set_status("framing: " + error->message, true);
        return;
    }
    m_store.redissect(m_open_flow, std::get<dissect::FramingSpec>(parsed));
    for (auto direction : {model::Direction::c2s, model::Direction::s2c}) {
        auto& view = m_views[index_of(direction)];
        view.message = 0;
        sync_from_cursor(direction);
    }
    set_status("re-dissected with " + dissect::to_string(std::get<dissect::FramingSpec>(parsed)));
}

} // namespace sniff::tui
