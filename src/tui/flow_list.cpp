// The flow list: one row per flow, sortable and filterable.

#include "model/flow_route.hpp"
#include "tui/flow_pairing.hpp"
#include "tui/inspector.hpp"
#include "util/plural.hpp"

#include <algorithm>
#include <cinttypes>
#include <cstdio>

namespace sniff::tui {

namespace {

std::uint64_t total_bytes(const store::FlowRecord& record) {
    return record.flow.stats[0].stream_bytes + record.flow.stats[1].stream_bytes;
}

std::uint64_t anomaly_count(const store::FlowRecord& record) {
    return record.anomalies.size() + record.gap_count() + record.directions[0].bad_messages() +
           record.directions[1].bad_messages();
}

std::uint64_t class_total(const store::FlowRecord& record, dissect::MessageClass a,
                          dissect::MessageClass b) {
    const auto c2s = record.directions[0].class_counts();
    const auto s2c = record.directions[1].class_counts();
    return c2s[static_cast<int>(a)] + c2s[static_cast<int>(b)] + s2c[static_cast<int>(a)] +
           s2c[static_cast<int>(b)];
}

constexpr const char* k_sort_names[] = {"id", "bytes", "messages", "anomalies"};

} // namespace

std::string Inspector::flow_row_text(const store::FlowRecord& record) const {
    const auto& flow = record.flow;
    const std::string endpoints = model::flow_route(flow, " → "); // a proxied flow: both legs
    char line[256];
    using dissect::MessageClass;
    std::snprintf(line, sizeof line,
                  "%5" PRIu64 "  %-3s  %-47s %10" PRIu64 " %10" PRIu64 " %7" PRIu64 " %6" PRIu64
                  " %6" PRIu64 " %5" PRIu64 "  %s",
                  flow.id, model::protocol_name(flow.protocol), endpoints.c_str(),
                  flow.stats[0].stream_bytes, flow.stats[1].stream_bytes, record.message_count(),
                  class_total(record, MessageClass::coalesced, MessageClass::coalesced_split),
                  class_total(record, MessageClass::split, MessageClass::coalesced_split),
                  anomaly_count(record),
                  record.closed ? reassembly::close_reason_name(record.close_reason) : "open");
    std::string row = line;
    // The proxy's flows are marked (their segments are recv() chunks); `/proxy` filters them.
    if (flow.origin == model::FlowOrigin::proxy)
        row += "  proxy";
    else if (flow.origin == model::FlowOrigin::exec)
        row += "  exec"; // segments are the program's own socket calls (sniff exec)
    else if (flow.origin == model::FlowOrigin::replay)
        row += "  replay"; // segments are sniff replay's writes and recv()s
    if (const auto caption = caption_of(record))
        row += "  " + caption->tag;
    // Requests and answers that differ: the sign of a reader that glued or dropped messages
    // (`/answers` finds such flows).
    if (const auto pairing = pairing_of(record); pairing && !pairing->agree())
        row += "  " + util::counted(pairing->requests, "request") + ", " +
               util::counted(pairing->answers, "answer") + "!";
    return row;
}

std::vector<std::uint64_t> Inspector::visible_flows() const {
    std::vector<const store::FlowRecord*> rows;
    for (std::size_t i = 0; i < m_store.size(); ++i) {
        const auto& record = m_store.at(i);
        if (m_filter.empty() || flow_row_text(record).find(m_filter) != std::string::npos)
            rows.push_back(&record);
    }
    const auto key = [this](const store::FlowRecord* r) -> std::uint64_t {
        switch (m_sort) {
        case SortKey::bytes:
            return total_bytes(*r);
        case SortKey::messages:
            return r->message_count();
        case SortKey::anomalies:
            return anomaly_count(*r);
        case SortKey::id:
            break;
        }
        return 0;
    };
    // Largest first for the counted keys; flow order breaks ties (and is the id sort).
    std::stable_sort(rows.begin(), rows.end(),
                     [&](const auto* a, const auto* b) { return key(a) > key(b); });
    std::vector<std::uint64_t> ids;
    for (const auto* record : rows)
        ids.push_back(record->flow.id);
    return ids;
}

KeyResult Inspector::list_key(const Key& key) {
    const auto ids = visible_flows();
    const bool moves = key.code == KeyCode::up || key.code == KeyCode::down ||
                       key.code == KeyCode::page_up || key.code == KeyCode::page_down ||
                       key.code == KeyCode::home || key.is('j') || key.is('k') || key.is('g');
    if (moves && m_follow) {
        m_follow = false; // the selection would jump back to the newest flow
        set_status("follow off (F to resume)");
    }
    const std::size_t page = static_cast<std::size_t>(std::max(1, m_rows - 3));
    const std::size_t last = ids.empty() ? 0 : ids.size() - 1;
    if (key.code == KeyCode::up || key.is('k'))
        m_list_selected = m_list_selected > 0 ? m_list_selected - 1 : 0;
    else if (key.code == KeyCode::down || key.is('j'))
        m_list_selected = std::min(m_list_selected + 1, last);
    else if (key.code == KeyCode::page_up)
        m_list_selected = m_list_selected > page ? m_list_selected - page : 0;
    else if (key.code == KeyCode::page_down)
        m_list_selected = std::min(m_list_selected + page, last);
    else if (key.code == KeyCode::home || key.is('g'))
        m_list_selected = 0;
    else if (key.code == KeyCode::end || key.is('G'))
        m_list_selected = last;
    else if (key.is('s'))
        m_sort = static_cast<SortKey>((static_cast<int>(m_sort) + 1) % 4);
    else if (key.is('/')) {
        m_prompt = PromptKind::filter;
        m_prompt_text = m_filter;
        m_filter_before = m_filter;
    } else if (key.is('w')) {
        m_prompt = PromptKind::save;
        m_prompt_text = default_save_name();
    } else if (key.code == KeyCode::escape && !m_filter.empty())
        m_filter.clear();
    else if (key.code == KeyCode::enter && !ids.empty())
        open(ids[std::min(m_list_selected, last)]);
    else
        return KeyResult::ignored;
    return KeyResult::redraw;
}

KeyResult Inspector::list_click(int row) {
    // Flow rows start below the title and the column header (render_list).
    const auto ids = visible_flows();
    if (row < 2 || ids.empty())
        return KeyResult::ignored;
    const std::size_t index = m_list_top + static_cast<std::size_t>(row - 2);
    if (index >= ids.size())
        return KeyResult::ignored;
    if (index == m_list_selected)
        open(ids[index]); // a click on the selected flow opens it, as Enter
    m_list_selected = index;
    m_follow = false;
    return KeyResult::redraw;
}

void Inspector::render_list(Screen& screen) {
    const auto ids = visible_flows();
    char title[320];
    std::snprintf(title, sizeof title, " sniff%s%s · %s (%zu shown) · sort: %s%s",
                  m_source.empty() ? "" : " · ", m_source.c_str(),
                  util::counted(m_store.size(), "flow").c_str(), ids.size(),
                  k_sort_names[static_cast<int>(m_sort)], m_filter.empty() ? "" : " · filter: ");
    screen.fill(0, 0, screen.columns(), U' ', Style::title);
    const int end = screen.put(0, 0, title, Style::title);
    screen.put(0, end, m_filter, Style::title);
    screen.put(1, 0,
               "    #  pro  client → server                                  c2s bytes  "
               "s2c bytes    msgs  coal.  split  anom.  state",
               Style::dim);
    // With captions (sniff demo), the selected flow's caption takes the rows above the status.
    constexpr int k_caption_rows = 3;
    const int caption_rows = m_captioner && screen.rows() > 12 ? k_caption_rows : 0;
    const int rows = std::max(1, screen.rows() - 3 - caption_rows);
    if (!ids.empty())
        m_list_selected = std::min(m_list_selected, ids.size() - 1);
    if (m_list_selected < m_list_top)
        m_list_top = m_list_selected;
    if (m_list_selected >= m_list_top + static_cast<std::size_t>(rows))
        m_list_top = m_list_selected - static_cast<std::size_t>(rows) + 1;
    for (int i = 0; i < rows && m_list_top + static_cast<std::size_t>(i) < ids.size(); ++i) {
        const std::size_t index = m_list_top + static_cast<std::size_t>(i);
        const auto* record = m_store.find(ids[index]);
        const bool selected = index == m_list_selected;
        if (selected)
            screen.fill(2 + i, 0, screen.columns(), U' ', Style::selected);
        const Style style = selected                 ? Style::selected
                            : anomaly_count(*record) ? Style::bad
                                                     : Style::normal;
        screen.put(2 + i, 0, flow_row_text(*record), style);
    }
    if (ids.empty())
        screen.put(3, 2, m_store.size() == 0 ? "no flows" : "no flow matches the filter",
                   Style::dim);
    if (caption_rows > 0 && !ids.empty()) {
        const auto caption = caption_of(*m_store.find(ids[m_list_selected]));
        if (caption)
            render_caption(screen, screen.rows() - 1 - caption_rows, caption_rows, caption->text);
    }
}

} // namespace sniff::tui
