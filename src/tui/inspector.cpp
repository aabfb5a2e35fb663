#include "tui/inspector.hpp"

#include "util/escape.hpp"

#include <algorithm>

namespace sniff::tui {

namespace {

constexpr const char* k_help[] = {
    "sniff inspector — keys",
    "",
    "  ↑/↓ j/k        move / scroll            PgUp/PgDn   page",
    "  g / G          first / last             Enter       open flow / jump to message",
    "  Esc/Backspace  back to the flow list    Tab         next pane (c2s, s2c, messages, segs)",
    "  n / N          next / previous message  [ / ]       previous / next segment boundary",
    "  /              search bytes (flow) / filter the list (an empty filter + Enter clears it)",
    "  c              list only split / coalesced / all messages",
    "  a / A          next / previous anomaly, gap or bad message",
    "  :              go to a frame number, or a stream offset with @ (@120, @0x78)",
    "  w              save the view to a text file (boundary picture, or the message list",
    "                 when the messages pane has the focus; the flow list in the list)",
    "  In a prompt:   Enter applies, Esc closes, Backspace only edits",
    "  f              change the framing (the flow is re-dissected at once)",
    "  x              hex / escaped text       s           sort the flow list",
    "  F              follow the newest flow, bytes and messages (live sources)",
    "  ?              this help                q           quit",
    "",
    "Lanes, lined up with the bytes:",
    "  seg  ┃ a segment (or recv chunk) boundary; ── its span, labelled 'seg N · L B'",
    "  txt  the bytes, escaped: \\n \\r \\t \\0 \\\\ \\xNN; · a missing byte (gap)",
    "  msg  │ a message boundary; ── its span, labelled '#N class' (whole, coalesced, split)",
    "",
    "Any key closes this help.",
};

} // namespace

void Inspector::set_status(std::string text, bool error) {
    m_status = std::move(text);
    m_status_error = error;
    ++m_revision;
}

KeyResult Inspector::handle_key(const Key& key) {
    if (key.code == KeyCode::resize)
        return KeyResult::redraw;
    if (m_help) {
        m_help = false;
        return KeyResult::redraw;
    }
    if (m_prompt != PromptKind::none)
        return prompt_key(key);
    if (key.is('q'))
        return KeyResult::quit;
    if (key.is('?')) {
        m_help = true;
        return KeyResult::redraw;
    }
    if (key.is('x')) {
        m_hex = !m_hex;
        return KeyResult::redraw;
    }
    if (key.is('F')) {
        m_follow = !m_follow;
        set_status(m_follow ? "follow on: the newest bytes stay in view"
                            : "follow off (F to resume)");
        return KeyResult::redraw;
    }
    m_status.clear();
    if (key.code == KeyCode::wheel_up || key.code == KeyCode::wheel_down) {
        const Key arrow = Key::of(key.code == KeyCode::wheel_up ? KeyCode::up : KeyCode::down);
        KeyResult result = KeyResult::ignored;
        for (int i = 0; i < k_wheel_rows; ++i)
            if ((in_flow_view() ? flow_key(arrow) : list_key(arrow)) == KeyResult::redraw)
                result = KeyResult::redraw;
        return result;
    }
    if (key.code == KeyCode::click)
        return in_flow_view() ? KeyResult::ignored : list_click(key.row);
    return in_flow_view() ? flow_key(key) : list_key(key);
}

KeyResult Inspector::prompt_key(const Key& key) {
    // Every key goes to the prompt while it is open, even those it has no use for: a key passed
    // on would act on the view underneath (a held Backspace used to close the prompt and then
    // re-sort the flow list).
    switch (key.code) {
    case KeyCode::escape:
        if (m_prompt == PromptKind::filter)
            set_list_filter(m_filter_before);
        m_prompt = PromptKind::none;
        return KeyResult::redraw;
    case KeyCode::backspace:
        if (!m_prompt_text.empty())
            m_prompt_text.pop_back();
        if (m_prompt == PromptKind::filter)
            set_list_filter(m_prompt_text);
        return KeyResult::redraw;
    case KeyCode::enter:
        submit_prompt();
        return KeyResult::redraw;
    case KeyCode::character:
        // Only printable ASCII is typed into a prompt: specs and searches are ASCII.
        if (key.ch >= 0x20 && key.ch < 0x7f)
            m_prompt_text += static_cast<char>(key.ch);
        if (m_prompt == PromptKind::filter)
            set_list_filter(m_prompt_text);
        return KeyResult::redraw;
    default:
        return KeyResult::redraw;
    }
}

void Inspector::submit_prompt() {
    const PromptKind kind = m_prompt;
    m_prompt = PromptKind::none;
    switch (kind) {
    case PromptKind::search:
        search(m_prompt_text);
        break;
    case PromptKind::framing:
        apply_framing(m_prompt_text);
        break;
    case PromptKind::filter:
        // What was typed is the filter; an empty one clears it.
        set_list_filter(m_prompt_text);
        set_status(m_filter.empty() ? "filter cleared" : "filter: " + m_filter);
        break;
    case PromptKind::go_to:
        go_to(m_prompt_text);
        break;
    case PromptKind::save:
        save_view(m_prompt_text);
        break;
    case PromptKind::none:
        break;
    }
}

void Inspector::set_list_filter(const std::string& text) {
    if (text == m_filter)
        return;
    m_filter = text;
    m_list_selected = 0;
    m_list_top = 0;
}

void Inspector::render(Screen& screen) {
    m_rows = screen.rows();
    m_columns = screen.columns();
    screen.clear();
    if (in_flow_view() && flow() != nullptr) {
        if (m_follow)
            for (auto direction : {model::Direction::c2s, model::Direction::s2c})
                follow_tail(direction);
        render_flow(screen);
    } else {
        if (m_follow) {
            const auto ids = visible_flows();
            m_list_selected = ids.empty() ? 0 : ids.size() - 1;
        }
        render_list(screen);
    }
    render_status(screen);
    if (m_help)
        render_help(screen);
}

namespace {

const char* prompt_label(PromptKind kind) {
    switch (kind) {
    case PromptKind::search:
        return "search: ";
    case PromptKind::filter:
        return "filter (empty + Enter clears, Esc cancels): ";
    case PromptKind::framing:
        return "framing: ";
    case PromptKind::go_to:
        return "go to frame N or offset @N (@0x1f): ";
    case PromptKind::save:
        return "save view to file: ";
    case PromptKind::none:
        break;
    }
    return "";
}

} // namespace

void Inspector::render_status(Screen& screen) {
    const int row = screen.rows() - 1;
    screen.fill(row, 0, screen.columns(), U' ', Style::title);
    if (m_prompt != PromptKind::none) {
        const int column = screen.put(row, 0, prompt_label(m_prompt), Style::title);
        // Typed text is printable ASCII only (prompt_key), so it is shown as typed.
        const int end = screen.put(row, column, m_prompt_text, Style::title);
        screen.set(row, end, U'_', Style::selected);
        return;
    }
    if (!m_status.empty()) {
        screen.put(row, 0, m_status, m_status_error ? Style::error : Style::title);
        return;
    }
    screen.put(row, 0,
               in_flow_view() ? " q quit  ? help  Esc back  Tab pane  n/N msg  [/] seg  "
                                "a/A anomaly  c class  : go to  w save  x hex  f framing  / search"
                              : " q quit  ? help  Enter open  s sort  / filter  w save  x hex",
               Style::title);
    if (m_follow)
        screen.put(row, std::max(0, screen.columns() - 8), " FOLLOW ", Style::focus);
}

std::optional<Caption> Inspector::caption_of(const store::FlowRecord& record) const {
    if (!m_captioner)
        return std::nullopt;
    return m_captioner(record);
}

void Inspector::render_caption(Screen& screen, int row, int height, const std::string& text) {
    // Word-wrapped over `height` rows; our own text, so splitting at spaces is enough.
    const int width = std::max(10, screen.columns() - 4);
    std::size_t start = 0;
    for (int line = 0; line < height && start < text.size(); ++line) {
        screen.fill(row + line, 0, screen.columns(), U' ', Style::focus);
        std::size_t take = text.size() - start;
        if (text_width(text.substr(start)) > width) {
            take = static_cast<std::size_t>(width);
            // Back up to a space, without splitting a UTF-8 sequence.
            const auto space = text.rfind(' ', start + take);
            if (space != std::string::npos && space > start)
                take = space - start;
            while (take > 0 && start + take < text.size() &&
                   (static_cast<unsigned char>(text[start + take]) & 0xc0) == 0x80)
                --take;
        }
        screen.put(row + line, 2, text.substr(start, take), Style::focus, width);
        start += take;
        while (start < text.size() && text[start] == ' ')
            ++start;
    }
}

void Inspector::render_help(Screen& screen) {
    const int lines = static_cast<int>(std::size(k_help));
    const int width = std::min(screen.columns() - 2, 96);
    const int top = std::max(0, (screen.rows() - lines - 2) / 2);
    const int left = std::max(0, (screen.columns() - width) / 2);
    for (int row = 0; row < lines + 2; ++row)
        screen.fill(top + row, left, width, U' ', Style::title);
    for (int i = 0; i < lines; ++i)
        screen.put(top + 1 + i, left + 2, k_help[i], Style::title, width - 4);
}

} // namespace sniff::tui
