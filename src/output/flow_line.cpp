#include "output/flow_line.hpp"

#include "model/flow_route.hpp"
#include "util/plural.hpp"

#include <cinttypes>
#include <cstdio>

namespace sniff::output {

using model::Direction;

std::string flow_line_header(bool with_messages) {
    char line[256];
    std::snprintf(line, sizeof line, "%-5s %-5s %-45s %-21s %-21s %-7s %-5s %-7s %-5s %-5s %9s %s",
                  "flow", "proto", "client -> server", "c2s pkts/bytes", "s2c pkts/bytes", "segs",
                  "gaps", "retrans", "ooo", "anom", "duration", "end");
    std::string header = line;
    if (with_messages)
        header += "  messages (classes: how the segments carried them)";
    return header;
}

std::string flow_line(const model::Flow& flow, reassembly::CloseReason reason,
                      std::uint64_t anomalies) {
    const auto& c2s = flow.of(Direction::c2s);
    const auto& s2c = flow.of(Direction::s2c);
    const std::string endpoints = model::flow_route(flow);
    const auto both = [](std::uint64_t a, std::uint64_t b) {
        return std::to_string(a) + "/" + std::to_string(b);
    };
    const double duration = static_cast<double>(flow.last_seen - flow.first_seen) / 1e9;
    const std::string label = "#" + std::to_string(flow.id);
    // A proxied flow's "segments" are the proxy's recv() chunks: said at the end of its line, so
    // a run with a capture and a proxy keeps the two apart.
    std::string origin = flow.origin == model::FlowOrigin::proxy    ? " via proxy"
                         : flow.origin == model::FlowOrigin::exec   ? " exec"
                         : flow.origin == model::FlowOrigin::replay ? " replay"
                                                                    : "";
    if (const auto leg = model::upstream_leg_text(flow); !leg.empty())
        origin += " (" + leg + ")";
    char line[512];
    std::snprintf(line, sizeof line,
                  "%-5s %-5s %-45s %-21s %-21s %-7s %-5s %-7s %-5s %-5" PRIu64 " %8.3fs %s%s",
                  label.c_str(), model::protocol_name(flow.protocol), endpoints.c_str(),
                  both(c2s.packets, c2s.stream_bytes).c_str(),
                  both(s2c.packets, s2c.stream_bytes).c_str(),
                  both(c2s.segments, s2c.segments).c_str(), both(c2s.gaps, s2c.gaps).c_str(),
                  both(c2s.retransmissions, s2c.retransmissions).c_str(),
                  both(c2s.out_of_order, s2c.out_of_order).c_str(), anomalies, duration,
                  reassembly::close_reason_name(reason), origin.c_str());
    return line;
}

std::string direction_messages_text(Direction direction, const dissect::DirectionSummary* summary) {
    std::string text = model::direction_name(direction);
    if (summary == nullptr || summary->messages == 0)
        return text + " no messages";
    const auto& by_class = summary->by_class;
    char classes[160];
    std::snprintf(classes, sizeof classes,
                  ": %" PRIu64 " whole %" PRIu64 " coalesced %" PRIu64 " split %" PRIu64 " both",
                  by_class[0], by_class[1], by_class[2], by_class[3]);
    text += " " + util::counted(summary->messages, "message") + classes;
    const std::uint64_t bad = summary->by_status[1] + summary->by_status[2];
    if (bad > 0)
        text += ", " + std::to_string(bad) + " bad";
    return text;
}

} // namespace sniff::output
