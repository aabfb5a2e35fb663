#include "output/message_report.hpp"

#include "dissectors/pairing.hpp"
#include "model/flow_route.hpp"
#include "output/flow_line.hpp"
#include "util/escape.hpp"
#include "util/plural.hpp"

#include <cinttypes>
#include <nlohmann/json.hpp>

namespace sniff::output {

namespace {

// A proxied flow's segments are sniff's own reads: what the peers read is not known either.
constexpr const char* k_proxy_note =
    "a proxied flow's segments are sniff's reads, not the peers': `--rechunk N` paces sniff's "
    "writes so that each is one recv() of the peer (or run the program under `sniff exec` to see "
    "its own reads)";

// sniff exec: the segments are the program's calls, so a glued read is there to be seen.
constexpr const char* k_exec_note =
    "a program's flow's segments are its own calls: a read that returned several requests is "
    "the glue (listed after the flows)";

const char* note_for(model::FlowOrigin origin) {
    switch (origin) {
    case model::FlowOrigin::proxy:
        return k_proxy_note;
    case model::FlowOrigin::exec:
        return k_exec_note;
    case model::FlowOrigin::capture:
    case model::FlowOrigin::replay:
        break;
    }
    return dissect::k_wire_note;
}

} // namespace

using model::Direction;

namespace {

std::string segment_range(const dissect::Message& message) {
    if (message.first_segment == message.last_segment)
        return "seg " + std::to_string(message.first_segment);
    return "segs " + std::to_string(message.first_segment) + "-" +
           std::to_string(message.last_segment);
}

// A message made of parts, listed under its line: an HTTP/1.1 chunked body's chunks ("parts",
// offsets from the message start) or a layered framing's pieces ("pieces", stream offsets: a
// gRPC message in several DATA frames). Empty when the header lists neither.
std::string parts_line(const std::string& header_json) {
    const bool chunks = header_json.find("\"parts\":[[") != std::string::npos;
    if (!chunks && header_json.find("\"pieces\":[[") == std::string::npos)
        return {};
    const auto header = nlohmann::json::parse(header_json, nullptr, false);
    const char* key = chunks ? "parts" : "pieces";
    if (!header.is_object() || !header.contains(key))
        return {};
    const auto& list = header[key];
    if (!list.is_array() || (!chunks && list.size() < 2)) // one piece: the message's own range
        return {};
    std::string text = chunks ? "\n           chunks:" : "\n           pieces:";
    for (const auto& part : list) {
        if (!part.is_array() || part.size() != 2 || !part[0].is_number_unsigned() ||
            !part[1].is_number_unsigned())
            return {};
        text += (chunks ? " +" : " @") + std::to_string(part[0].get<std::uint64_t>()) + " " +
                std::to_string(part[1].get<std::uint64_t>()) + " B";
    }
    const auto more = header.value(chunks ? "chunks" : "pieces_unlisted", std::uint64_t{0});
    const std::uint64_t listed =
        list.size() + (chunks ? 1 : 0); // "chunks" counts the last, empty one
    if (chunks ? more > listed : more > 0)
        text += " and " + std::to_string(chunks ? more - listed : more) + " more";
    return text;
}

std::string message_line(const dissect::Message& message, util::Bytes preview) {
    char line[160];
    std::snprintf(
        line, sizeof line, "    #%-5" PRIu64 " @%-9" PRIu64 " %7" PRIu64 " B  %-15s %-12s ",
        message.index, message.offset, message.length,
        dissect::message_class_name(message.message_class), segment_range(message).c_str());
    std::string text = line;
    if (message.status != dissect::MessageStatus::complete)
        text += std::string(dissect::message_status_name(message.status)) + " (" +
                util::escape_text(message.reason) + ") ";
    if (message.would_truncate)
        text += "[recvfrom would cut it] ";
    if (!message.header_json.empty()) // JSON keeps non-ASCII as is: escape it for the terminal
        text += util::escape_text(message.header_json, 200) + " ";
    return text + util::escape_bytes(preview) + parts_line(message.header_json);
}

} // namespace

void MessageReport::on_flow_open(const model::Flow& flow) {
    flow_report(flow.id);
}

void MessageReport::on_data(const model::Flow& flow, Direction direction,
                            const model::SegmentInfo& segment, util::Bytes bytes) {
    if (m_style == ReportStyle::flow_lines)
        return; // no picture on a flow's line
    auto& report = flow_report(flow.id).directions[static_cast<int>(direction)];
    auto& picture = report.picture;
    if (report.gaps > 0 || segment.offset != picture.bytes.size() ||
        picture.bytes.size() >= k_picture_bytes)
        return;
    picture.segment_starts.push_back(segment.offset);
    const std::size_t room = k_picture_bytes - picture.bytes.size();
    const auto kept = bytes.first(std::min(room, bytes.size()));
    picture.bytes.append(reinterpret_cast<const char*>(kept.data()), kept.size());
}

void MessageReport::on_gap(const model::Flow& flow, Direction direction, const model::Gap&) {
    auto& report = flow_report(flow.id).directions[static_cast<int>(direction)];
    ++report.gaps; // the picture stops at the first gap: offsets after it are not drawn
}

void MessageReport::on_message(const model::Flow& flow, const dissect::Message& message,
                               util::Bytes preview) {
    if (m_style == ReportStyle::flow_lines)
        return; // messages that span segments still come one by one: counts are in the summary
    auto& report = flow_report(flow.id).directions[static_cast<int>(message.direction)];
    if (message.offset < k_picture_bytes) {
        report.picture.message_starts.push_back(message.offset);
        report.picture.messages_end = message.offset + message.length;
    }
    if (report.lines.size() < k_max_listed) {
        report.lines.push_back(message_line(message, preview));
        report.times.push_back(message.direction == Direction::c2s ? message.last_time
                                                                   : message.first_time);
    }
}

void MessageReport::on_framing(const model::Flow& flow, const dissect::FramingChoice& choice) {
    auto& report = flow_report(flow.id).directions[static_cast<int>(choice.direction)];
    report.framing = choice.spec;
    if (choice.guessed) {
        char note[96];
        std::snprintf(note, sizeof note, " (auto, confidence %.2f%s", choice.confidence,
                      choice.uncertain ? ", uncertain" : "");
        report.framing_note = note;
        // How it was decided, when not from this direction's own bytes alone.
        if (choice.basis == "peer")
            report.framing_note += ", as the other direction";
        else if (choice.basis == "service")
            report.framing_note += ", as the service's other flows";
        if (!choice.disagrees.empty())
            report.framing_note += ", the service's other flows say " + choice.disagrees;
        report.framing_note += ")";
    }
}

void MessageReport::on_direction_end(const model::Flow& flow,
                                     const dissect::DirectionSummary& summary) {
    auto& report = flow_report(flow.id).directions[static_cast<int>(summary.direction)];
    report.summary = summary;
    report.has_summary = true;
}

void MessageReport::print_direction(const model::Flow& flow, Direction direction,
                                    const DirectionReport& report,
                                    const std::vector<dissect::GlueHint>& hints) {
    const auto& stats = flow.of(direction);
    if (stats.segments == 0 && stats.gaps == 0)
        return;
    std::fprintf(m_out, "  %s %s  %" PRIu64 " B in %s  framing %s%s\n",
                 model::direction_name(direction), model::direction_route(flow, direction).c_str(),
                 stats.stream_bytes, util::counted(stats.segments, "segment").c_str(),
                 report.framing.c_str(), report.framing_note.c_str());
    if (report.has_summary && report.summary.messages > 0) {
        const auto& by_class = report.summary.by_class;
        std::fprintf(m_out,
                     "    %s: %" PRIu64 " whole · %" PRIu64 " coalesced · %" PRIu64
                     " split · %" PRIu64 " coalesced+split",
                     util::counted(report.summary.messages, "message").c_str(), by_class[0],
                     by_class[1], by_class[2], by_class[3]);
        const auto& by_status = report.summary.by_status;
        if (by_status[1] + by_status[2] > 0)
            std::fprintf(m_out, "  (%" PRIu64 " truncated, %" PRIu64 " malformed)", by_status[1],
                         by_status[2]);
        std::fputc('\n', m_out);
    }
    if (report.has_summary && !report.summary.layer.empty())
        std::fprintf(m_out, "    underneath: %" PRIu64 " %s (not messages of this framing)\n",
                     report.summary.layer_units, report.summary.layer.c_str());
    if (report.has_summary && report.summary.stopped)
        std::fprintf(m_out, "    framing stopped: %s\n",
                     util::escape_text(report.summary.stop_reason).c_str());
    if (!report.picture.bytes.empty()) {
        const auto picture = draw_boundaries(report.picture);
        std::fprintf(m_out, "    segs  %s\n    text  %s\n", picture.segments.c_str(),
                     picture.text.c_str());
        if (!report.picture.message_starts.empty())
            std::fprintf(m_out, "    msgs  %s\n", picture.messages.c_str());
    }
    auto hint = hints.begin();
    for (std::size_t i = 0; i < report.lines.size(); ++i) {
        std::fprintf(m_out, "%s\n", report.lines[i].c_str());
        // Under the last request of a group the answers point at.
        for (; hint != hints.end() && hint->last_request == i; ++hint)
            std::fprintf(m_out, "           ^ %s\n", dissect::glue_hint_text(*hint).c_str());
    }
    const std::uint64_t listed = report.lines.size();
    if (report.has_summary && report.summary.messages > listed)
        std::fprintf(m_out, "    ... %s more (see --json)\n",
                     util::counted(report.summary.messages - listed, "message").c_str());
}

void MessageReport::on_flow_close(const model::Flow& flow, reassembly::CloseReason reason) {
    const auto found = m_flows.find(flow.id);
    if (found == m_flows.end())
        return;
    count_totals(flow, found->second);
    if (m_style == ReportStyle::flow_lines) {
        print_flow_line(flow, reason, found->second);
        m_flows.erase(found);
        m_last = nullptr;
        return;
    }
    // A proxied flow's segments are the proxy's recv() chunks: said, so a run with a capture and
    // a proxy keeps the two apart.
    std::string origin = flow.origin == model::FlowOrigin::proxy    ? " via proxy"
                         : flow.origin == model::FlowOrigin::exec   ? " (the program's own calls)"
                         : flow.origin == model::FlowOrigin::replay ? " replayed"
                                                                    : "";
    if (const auto leg = model::upstream_leg_text(flow); !leg.empty())
        origin += ", " + leg;
    std::fprintf(m_out, "flow #%" PRIu64 " %s %s (%s)%s\n", flow.id,
                 model::protocol_name(flow.protocol), model::flow_route(flow).c_str(),
                 reassembly::close_reason_name(reason), origin.c_str());
    const auto hints = glue_hints_of(found->second);
    for (const auto direction : {Direction::c2s, Direction::s2c})
        print_direction(flow, direction, found->second.directions[static_cast<int>(direction)],
                        direction == Direction::c2s ? hints : std::vector<dissect::GlueHint>{});
    if (const auto pairing = pairing_of(found->second)) {
        std::fprintf(m_out, "  pairing: %s%s\n", dissect::pairing_text(*pairing).c_str(),
                     pairing->agree() ? "" : "  <-- check the reader");
        if (!hints.empty())
            std::fprintf(m_out, "  (^ under the requests the answers point at; %s)\n",
                         note_for(flow.origin));
    }
    std::fputc('\n', m_out);
    m_flows.erase(found);
    m_last = nullptr;
}

void MessageReport::on_anomaly(const model::Flow* flow, const model::Anomaly&) {
    // Only for a flow still open: one that ended is not brought back (data after RST).
    if (flow == nullptr)
        return;
    const auto found = m_flows.find(flow->id);
    if (found != m_flows.end())
        ++found->second.anomalies;
}

void MessageReport::print_flow_line(const model::Flow& flow, reassembly::CloseReason reason,
                                    const FlowReport& report) {
    if (!m_header_printed) {
        std::fprintf(m_out, "%s\n", flow_line_header(true).c_str());
        m_header_printed = true;
    }
    std::string messages;
    for (const auto direction : {Direction::c2s, Direction::s2c}) {
        const auto& data = report.directions[static_cast<int>(direction)];
        messages += (messages.empty() ? "  " : " · ") +
                    direction_messages_text(direction, data.has_summary ? &data.summary : nullptr);
    }
    if (const auto pairing = pairing_of(report))
        messages += " · " + dissect::pairing_text(*pairing);
    std::fprintf(m_out, "%s%s\n", flow_line(flow, reason, report.anomalies).c_str(),
                 messages.c_str());
}

// The glue hints of a flow whose answers are fewer than expected, when every message of both
// directions is listed (their times are kept only for those).
std::vector<dissect::GlueHint> MessageReport::glue_hints_of(const FlowReport& report) {
    const auto& c2s = report.directions[0];
    const auto& s2c = report.directions[1];
    const auto pairing = pairing_of(report);
    if (!pairing || pairing->agree() || c2s.times.size() != c2s.summary.messages ||
        s2c.times.size() != s2c.summary.messages)
        return {};
    const auto shape = dissect::message_shape(c2s.summary, s2c.summary);
    if (!shape)
        return {};
    return dissect::glue_hints(c2s.times, s2c.times, *shape);
}

std::optional<dissect::Pairing> MessageReport::pairing_of(const FlowReport& report) {
    const auto& c2s = report.directions[0];
    const auto& s2c = report.directions[1];
    if (!c2s.has_summary || !s2c.has_summary)
        return std::nullopt;
    return dissect::pair_messages(c2s.summary, s2c.summary);
}

void MessageReport::count_totals(const model::Flow& flow, const FlowReport& report) {
    if (const auto pairing = pairing_of(report)) {
        ++m_paired_flows;
        m_paired_proxied += flow.origin == model::FlowOrigin::proxy ? 1 : 0;
        m_paired_captured += flow.origin == model::FlowOrigin::capture ? 1 : 0;
        if (!pairing->agree())
            ++m_unpaired_flows;
    }
    for (const auto& direction : report.directions) {
        if (!direction.has_summary)
            continue;
        m_totals.messages += direction.summary.messages;
        for (std::size_t i = 0; i < m_totals.by_class.size(); ++i)
            m_totals.by_class[i] += direction.summary.by_class[i];
        for (std::size_t i = 0; i < m_totals.by_status.size(); ++i)
            m_totals.by_status[i] += direction.summary.by_status[i];
    }
}

void MessageReport::print_totals() {
    const auto& by_class = m_totals.by_class;
    std::fprintf(m_out,
                 "%s: %" PRIu64 " whole, %" PRIu64 " coalesced, %" PRIu64 " split, %" PRIu64
                 " coalesced+split, %" PRIu64 " bad\n",
                 util::counted(m_totals.messages, "message").c_str(), by_class[0], by_class[1],
                 by_class[2], by_class[3], m_totals.by_status[1] + m_totals.by_status[2]);
    if (m_paired_flows == 0)
        return;
    std::fprintf(m_out, "pairing: %" PRIu64 " of %s with more or fewer answers than asked\n",
                 m_unpaired_flows,
                 util::counted(m_paired_flows, "request/answer connection").c_str());
    if (m_paired_captured > 0)
        std::fprintf(m_out, "note: %s\n", dissect::k_wire_note);
    if (m_paired_proxied > 0)
        std::fprintf(m_out, "note: %s\n", k_proxy_note);
}

} // namespace sniff::output
