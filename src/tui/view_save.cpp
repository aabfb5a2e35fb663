// Saving what the inspector shows as a text file: the flow list, a flow's boundary picture (the
// byte lanes of both directions, laid out at the screen's width) or its message list. Bytes from
// the network are in the file only as the lanes draw them, escaped.

#include "model/flow_route.hpp"
#include "tui/inspector.hpp"

#include <fstream>

namespace sniff::tui {

namespace {

// A saved boundary picture stops after this many bytes of each direction: past it, a text file
// is no longer something to read.
constexpr std::uint64_t k_saved_picture_bytes = 1u << 20;

void append_lanes(std::string& out, const ByteLanes& layout, int width) {
    const std::uint64_t end = layout.stream_end();
    const std::uint64_t stop = std::min(end, k_saved_picture_bytes);
    Screen rows(layout.lane_count(), width);
    for (std::uint64_t offset = 0; offset < stop;) {
        rows.clear();
        const std::uint64_t next = layout.draw(rows, 0, 0, offset, UINT64_MAX);
        for (int row = 0; row < layout.lane_count(); ++row)
            out += rows.row_text(row) + "\n";
        out += "\n";
        if (next <= offset)
            break; // a row always takes a byte; this only guards the loop
        offset = next;
    }
    if (stop < end)
        out += "(" + std::to_string(end - stop) + " more bytes not drawn)\n";
}

} // namespace

std::string Inspector::default_save_name() const {
    if (!in_flow_view())
        return "sniff-flows.txt";
    return "sniff-flow-" + std::to_string(m_open_flow) +
           (m_focus == Pane::messages ? "-messages.txt" : "-boundaries.txt");
}

std::string Inspector::view_text() const {
    std::string out;
    if (!in_flow_view() || flow() == nullptr) {
        out += "    #  pro  client → server                                  c2s bytes  "
               "s2c bytes    msgs  coal.  split  anom.  state\n";
        for (const auto id : visible_flows())
            out += flow_row_text(*m_store.find(id)) + "\n";
        return out;
    }
    const auto& record = *flow();
    out += "flow #" + std::to_string(record.flow.id) + " " + model::flow_route(record.flow, " ⇄ ");
    if (const auto leg = model::upstream_leg_text(record.flow); !leg.empty())
        out += " (via proxy, " + leg + ")";
    out += "\n";
    if (m_focus == Pane::messages) {
        const auto& data = record.of(m_direction);
        out += std::string("messages ") + model::direction_name(m_direction) + "\n" +
               k_message_columns + "\n";
        for (const auto& message : data.messages)
            if (shown(message))
                out += message_row(message) + "\n";
        return out;
    }
    for (const auto direction : {model::Direction::c2s, model::Direction::s2c}) {
        out += std::string("\n") + model::direction_name(direction) + " " +
               model::direction_route(record.flow, direction, " → ") + "\n\n";
        append_lanes(out, lanes(direction), m_columns);
    }
    return out;
}

void Inspector::save_view(const std::string& path) {
    if (path.empty()) {
        set_status("save: no file name given", true);
        return;
    }
    const std::string text = view_text();
    std::ofstream file(path, std::ios::binary | std::ios::trunc);
    file.write(text.data(), static_cast<std::streamsize>(text.size()));
    file.close();
    if (!file) {
        set_status("save: cannot write " + path, true);
        return;
    }
    set_status("saved to " + path + " (" + std::to_string(text.size()) + " B)");
}

} // namespace sniff::tui
