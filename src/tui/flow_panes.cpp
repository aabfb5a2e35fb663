// The flow view's panes: both directions' byte lanes, the message and segment lists, the details
// of the selected message and the stats line.

#include "dissectors/pairing.hpp"
#include "model/flow_route.hpp"
#include "tui/flow_pairing.hpp"
#include "tui/inspector.hpp"
#include "util/escape.hpp"
#include "util/plural.hpp"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <nlohmann/json.hpp>

namespace sniff::tui {

const char* const Inspector::k_message_columns =
    "     #     offset   length class           segs    Δt ms status";

namespace {

std::string direction_label(const store::FlowRecord& record, model::Direction d) {
    return std::string(model::direction_name(d)) + " " +
           model::direction_route(record.flow, d, " → ");
}

std::string framing_text(const store::DirectionData& data) {
    if (!data.framing)
        return "raw";
    std::string text = data.framing->spec;
    if (data.framing->guessed) {
        char guess[64];
        std::snprintf(guess, sizeof guess, " (auto, %.0f%%%s)", data.framing->confidence * 100,
                      data.framing->uncertain ? ", uncertain" : "");
        text += guess;
    }
    return text;
}

std::string counts_text(const store::DirectionData& data) {
    const auto counts = data.class_counts();
    char text[160];
    std::snprintf(text, sizeof text,
                  ": %" PRIu64 " whole · %" PRIu64 " coalesced · %" PRIu64 " split · %" PRIu64
                  " both",
                  counts[0], counts[1], counts[2], counts[3]);
    std::string out = util::counted(data.message_total(), "msg") + text;
    if (data.bytes.dropped_bytes() > 0)
        out += " · oldest " + std::to_string(data.bytes.dropped_bytes()) + " B dropped";
    return out;
}

std::vector<std::string> wrap_words(const std::string& text, int width) {
    std::vector<std::string> lines;
    const std::size_t most = static_cast<std::size_t>(std::max(width, 10));
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t take = std::min(most, text.size() - start);
        if (start + take < text.size()) {
            const auto space = text.rfind(' ', start + take);
            if (space != std::string::npos && space > start)
                take = space - start;
        }
        lines.push_back(text.substr(start, take));
        start += take;
        while (start < text.size() && text[start] == ' ')
            ++start;
    }
    return lines;
}

// A proxied flow's two connections, each with both of its ends: the client's to sniff, and
// sniff's to the upstream (the title names the route; here each leg is whole).
void append_proxy_legs(std::vector<std::pair<std::string, Style>>& lines, const model::Flow& flow) {
    if (flow.origin != model::FlowOrigin::proxy || !flow.legs.known())
        return;
    lines.emplace_back("client leg: " + flow.client.to_string() + " → " +
                           flow.legs.listener.to_string() + " (sniff listening)",
                       Style::dim);
    const std::string local = flow.legs.upstream_local.port != 0
                                  ? flow.legs.upstream_local.to_string()
                                  : std::string("(not connected)");
    lines.emplace_back("upstream leg: " + local + " (sniff) → " + flow.server.to_string(),
                       Style::dim);
}

double millis(model::Timestamp t) {
    return static_cast<double>(t) / 1e6;
}

} // namespace

void Inspector::render_flow(Screen& screen) {
    const auto& record = *flow();
    const int width = screen.columns();
    screen.fill(0, 0, width, U' ', Style::title);
    std::string title = " flow #" + std::to_string(record.flow.id) + " " +
                        model::protocol_name(record.flow.protocol) + " " +
                        model::flow_route(record.flow, " ⇄ ");
    if (record.flow.origin == model::FlowOrigin::proxy) {
        title += " · via proxy"; // its segments are the proxy's recv() chunks
        if (const auto leg = model::upstream_leg_text(record.flow); !leg.empty())
            title += ", " + leg;
    } else if (record.flow.origin == model::FlowOrigin::exec)
        title += " · the program's calls"; // sniff exec: segments are its reads and writes
    else if (record.flow.origin == model::FlowOrigin::replay)
        title += " · replayed"; // sniff replay: its writes and recv()s on a live connection
    title += record.closed ? std::string(" · closed (") +
                                 reassembly::close_reason_name(record.close_reason) + ")"
                           : std::string(" · open");
    // tshark numbers TCP streams from 0 (tcp.stream), sniff all flows from 1: both are shown.
    if (record.flow.tcp_stream != model::Flow::k_no_tcp_stream)
        title += " · tshark tcp.stream " + std::to_string(record.flow.tcp_stream);
    title += m_hex ? " · hex" : " · text";
    if (m_follow)
        title += " · following";
    const int title_end = screen.put(0, 0, title, Style::title);
    // Requests and answers, once both directions are summarised (the flow ended); a difference
    // in the error style, its explanation in the details.
    if (const auto pairing = pairing_of(record)) {
        const std::string counts = " · " + util::counted(pairing->requests, "request") + ", " +
                                   util::counted(pairing->answers, "answer") +
                                   (pairing->agree() ? "" : " — differ, see details");
        screen.put(0, title_end, counts, pairing->agree() ? Style::title : Style::error);
    }

    const int bytes_area = (screen.rows() - 3) * 3 / 5;
    const int half = bytes_area / 2;
    render_direction(screen, 1, half, model::Direction::c2s);
    render_direction(screen, 1 + half, half, model::Direction::s2c);
    const int lower_top = 1 + 2 * half;
    // A guided caption (sniff demo) takes two rows above the stats line.
    const auto caption = caption_of(record);
    const int caption_rows = caption ? 2 : 0;
    const int lower_height = screen.rows() - 2 - caption_rows - lower_top;
    if (caption)
        render_caption(screen, screen.rows() - 2 - caption_rows, caption_rows, caption->text);
    const int messages_width = width * 45 / 100;
    const int segments_width = width * 25 / 100;
    render_messages(screen, lower_top, 0, lower_height, messages_width);
    render_segments(screen, lower_top, messages_width, lower_height, segments_width);
    render_details(screen, lower_top, messages_width + segments_width, lower_height,
                   width - messages_width - segments_width);
    screen.put(screen.rows() - 2, 0, stats_line(), Style::dim);
}

void Inspector::render_direction(Screen& screen, int top, int height, model::Direction direction) {
    const auto& data = flow()->of(direction);
    const bool focused = (direction == model::Direction::c2s && m_focus == Pane::c2s_bytes) ||
                         (direction == model::Direction::s2c && m_focus == Pane::s2c_bytes);
    const std::string header = direction_label(*flow(), direction) + "   " + framing_text(data) +
                               "   " + counts_text(data);
    screen.put(top, 0, focused ? "▶ " : "  ", focused ? Style::focus : Style::dim);
    screen.put(top, 2, header, focused ? Style::focus : Style::normal);
    const auto& view = m_views[static_cast<int>(direction)];
    const auto layout = lanes(direction);
    const std::uint64_t end = layout.stream_end();
    if (end == 0) {
        screen.put(top + 1, 4, "(no bytes in this direction)", Style::dim);
        return;
    }
    std::uint64_t offset = view.top;
    // Only the rows on screen are laid out: the cost does not grow with the stream.
    const int lanes_per_row = layout.lane_count();
    for (int row = top + 1; row + lanes_per_row <= top + height && offset < end;
         row += lanes_per_row + 1)
        offset = layout.draw(screen, row, 0, offset, view.cursor);
}

std::string Inspector::message_row(const store::StoredMessage& m) {
    char line[200];
    std::snprintf(
        line, sizeof line,
        "%6" PRIu64 " %10" PRIu64 " %8" PRIu64 " %-15s %3" PRIu64 "-%-3" PRIu64 " %7.3f %s",
        m.index, m.offset, m.length, dissect::message_class_name(m.message_class), m.first_segment,
        m.last_segment, millis(m.last_time - m.first_time), dissect::message_status_name(m.status));
    return line;
}

void Inspector::render_messages(Screen& screen, int top, int left, int height, int width) {
    const auto& data = flow()->of(m_direction);
    const auto& view = m_views[static_cast<int>(m_direction)];
    const bool focused = m_focus == Pane::messages;
    static constexpr const char* k_filter_titles[] = {"", " · split only (c)",
                                                      " · coalesced only (c)"};
    screen.put(top, left,
               std::string(focused ? "▶ " : "  ") + "messages " +
                   model::direction_name(m_direction) + " (" +
                   std::to_string(data.messages.size()) + ")" +
                   k_filter_titles[static_cast<int>(m_class_filter)],
               focused ? Style::focus : Style::dim, width);
    screen.put(top + 1, left, k_message_columns, Style::dim, width - 1);
    const int rows = height - 2;
    if (rows <= 0)
        return;
    // The shown messages around the selected one: half a pane before it, the rest after.
    std::vector<std::size_t> listed;
    for (auto at = shown_message(data, view.message, false);
         at && static_cast<int>(listed.size()) < rows / 2;
         at = *at > 0 ? shown_message(data, *at - 1, false) : std::nullopt)
        listed.push_back(*at);
    std::reverse(listed.begin(), listed.end());
    for (auto at = shown_message(data, view.message + 1, true);
         at && static_cast<int>(listed.size()) < rows; at = shown_message(data, *at + 1, true))
        listed.push_back(*at);
    for (int i = 0; i < static_cast<int>(listed.size()); ++i) {
        const auto& m = data.messages[listed[static_cast<std::size_t>(i)]];
        const std::string line = message_row(m);
        const bool selected = listed[static_cast<std::size_t>(i)] == view.message;
        const Style style = selected                                       ? Style::selected
                            : m.status != dissect::MessageStatus::complete ? Style::bad
                                                                           : Style::normal;
        screen.put(top + 2 + i, left, line, style, width - 1);
    }
    if (listed.empty() && !data.messages.empty())
        screen.put(top + 2, left + 2, "none of this class (c: next class)", Style::dim, width - 3);
}

void Inspector::render_segments(Screen& screen, int top, int left, int height, int width) {
    const auto& data = flow()->of(m_direction);
    const auto& view = m_views[static_cast<int>(m_direction)];
    const bool focused = m_focus == Pane::segments;
    screen.put(top, left,
               std::string(focused ? "▶ " : "  ") + "segments (" +
                   std::to_string(data.segments.size()) + ")",
               focused ? Style::focus : Style::dim, width);
    screen.put(top + 1, left, "     #   +ms      len msgs", Style::dim, width - 1);
    const int rows = height - 2;
    if (rows <= 0)
        return;
    const std::size_t first =
        view.segment >= static_cast<std::size_t>(rows / 2) ? view.segment - rows / 2 : 0;
    for (int i = 0; i < rows && first + static_cast<std::size_t>(i) < data.segments.size(); ++i) {
        const auto& s = data.segments[first + static_cast<std::size_t>(i)];
        std::string carried = "-";
        const auto head = data.message_at(s.offset);
        const auto tail = s.length > 0 ? data.message_at(s.offset + s.length - 1) : head;
        if (head && tail)
            carried = "#" + std::to_string(data.messages[*head].index) +
                      (*tail != *head ? "–#" + std::to_string(data.messages[*tail].index) : "");
        char line[160];
        std::snprintf(line, sizeof line, "%6" PRIu64 " %7.3f %6u %s", s.index,
                      millis(s.time - flow()->flow.first_seen), s.length, carried.c_str());
        const bool selected = first + static_cast<std::size_t>(i) == view.segment;
        screen.put(top + 2 + i, left, line, selected ? Style::selected : Style::normal, width - 1);
    }
}

void Inspector::render_details(Screen& screen, int top, int left, int height, int width) {
    const auto& data = flow()->of(m_direction);
    const auto& view = m_views[static_cast<int>(m_direction)];
    screen.put(top, left, "  details", Style::dim, width);
    if (data.messages.empty()) {
        screen.put(top + 1, left + 2, "no messages (framing: " + framing_text(data) + ")",
                   Style::dim, width - 2);
        return;
    }
    const auto& m = data.messages[std::min(view.message, data.messages.size() - 1)];
    std::vector<std::pair<std::string, Style>> lines;
    if (const auto pairing = pairing_of(*flow()); pairing && !pairing->agree()) {
        // Our own ASCII text: wrapped at spaces to the pane.
        for (auto& line : wrap_words("pairing: " + dissect::pairing_text(*pairing), width - 3))
            lines.emplace_back(std::move(line), Style::bad);
        const auto origin = flow()->flow.origin;
        const char* what_segments_are =
            origin == model::FlowOrigin::exec
                ? "(the segments are the program's own calls: a read that returned several "
                  "requests is the glue)"
            : origin == model::FlowOrigin::proxy
                ? "(the segments are sniff's reads, not the peers': --rechunk N paces sniff's "
                  "writes so that each is one recv() of the peer, or run the program under "
                  "`sniff exec`)"
                : "(segments are what the wire carried: to see what the program read, run it "
                  "behind `sniff --proxy ... --rechunk N`, or under `sniff exec`)";
        for (auto& line : wrap_words(what_segments_are, width - 3))
            lines.emplace_back(std::move(line), Style::dim);
    }
    if (const auto* twin = m_store.twin_of(*flow())) {
        const bool program = flow()->flow.origin == model::FlowOrigin::exec;
        const std::string text = std::string(program ? "the wire's view of this connection: flow #"
                                                     : "the program's own calls: flow #") +
                                 std::to_string(twin->flow.id) +
                                 (program ? " (its segments: lane wire)" : "");
        for (auto& line : wrap_words(text, width - 3))
            lines.emplace_back(std::move(line), Style::dim);
    }
    // Next to the messages a short answer count points at: the requests, and their answer.
    for (const auto& hint : glue_hints_of(*flow())) {
        const bool request = m_direction == model::Direction::c2s &&
                             m.index >= hint.first_request && m.index <= hint.last_request;
        const bool answer = m_direction == model::Direction::s2c && hint.answer == m.index;
        if (request || answer)
            for (auto& line :
                 wrap_words((answer ? "this answer: " : "glued? ") + dissect::glue_hint_text(hint),
                            width - 3))
                lines.emplace_back(std::move(line), Style::bad);
    }
    lines.emplace_back("message #" + std::to_string(m.index) + " " +
                           model::direction_name(m_direction) + " · " +
                           dissect::message_class_name(m.message_class),
                       Style::normal);
    lines.emplace_back("offset " + std::to_string(m.offset) + " · " + std::to_string(m.length) +
                           " B (header " + std::to_string(m.header_length) + ")",
                       Style::normal);
    const auto frame_text = [&](std::uint64_t segment) {
        const auto frame = data.frame_of_segment(segment); // none once dropped for the budget
        return frame ? std::to_string(*frame) : std::string("?");
    };
    lines.emplace_back("segments " + std::to_string(m.first_segment) + "–" +
                           std::to_string(m.last_segment) + " · frames " +
                           frame_text(m.first_segment) + "–" + frame_text(m.last_segment),
                       Style::normal);
    const bool bad = m.status != dissect::MessageStatus::complete;
    lines.emplace_back(std::string("status ") + dissect::message_status_name(m.status),
                       bad ? Style::bad : Style::normal);
    const store::MessageNotes* notes = data.messages.notes_of(m);
    // The reason is escaped by the dissector; put() also drops control codes.
    if (notes != nullptr && !notes->reason.empty())
        lines.emplace_back("reason: " + notes->reason, Style::bad);
    if (notes != nullptr && notes->recv_buffer != 0)
        lines.emplace_back(
            "a " + std::to_string(notes->recv_buffer) + " B recv buffer would cut it", Style::bad);
    const auto first_bytes = data.bytes.read(m.offset, std::min<std::uint64_t>(m.length, 48));
    lines.emplace_back("preview: " + util::escape_bytes(first_bytes), Style::normal);
    if (notes != nullptr && !notes->header_json.empty()) {
        lines.emplace_back("header:", Style::normal);
        const auto json = nlohmann::json::parse(notes->header_json, nullptr, false);
        // ensure_ascii: every non-ASCII or control character becomes a \u escape.
        const std::string pretty =
            json.is_discarded() ? util::escape_text(notes->header_json) : json.dump(2, ' ', true);
        std::size_t start = 0;
        while (start <= pretty.size()) {
            const auto end = pretty.find('\n', start);
            lines.emplace_back("  " + pretty.substr(start, end - start), Style::normal);
            if (end == std::string::npos)
                break;
            start = end + 1;
        }
    }
    append_proxy_legs(lines, flow()->flow);
    for (int i = 0; i < height - 1 && i < static_cast<int>(lines.size()); ++i)
        screen.put(top + 1 + i, left + 2, lines[static_cast<std::size_t>(i)].first,
                   lines[static_cast<std::size_t>(i)].second, width - 3);
}

std::string Inspector::stats_line() const {
    // Short enough for both directions in 160 columns with six-digit counts: the framing is in
    // each direction's header already.
    std::string line;
    for (auto d : {model::Direction::c2s, model::Direction::s2c}) {
        const auto& data = flow()->of(d);
        const auto counts = data.class_counts();
        char classes[120];
        std::snprintf(classes, sizeof classes,
                      "%" PRIu64 " whole %" PRIu64 " coal. %" PRIu64 " split %" PRIu64 " both",
                      counts[0], counts[1], counts[2], counts[3]);
        line += std::string(" ") + model::direction_name(d) + " " +
                std::to_string(flow()->flow.of(d).stream_bytes) + " B, " +
                util::counted(data.segment_total(), "seg") + ": " + classes + ", " +
                util::counted(data.gaps.size(), "gap") + ", " +
                std::to_string(data.bad_messages()) + " bad ·";
    }
    line += " " + util::counted(flow()->anomalies.size(), "anomaly", "anomalies");
    return line;
}

} // namespace sniff::tui
