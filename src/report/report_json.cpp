// The report's data as script-safe JSON text (see report_json.hpp).

#include "report/report_json.hpp"

#include <charconv>
#include <nlohmann/json.hpp>

namespace sniff::report {

namespace {

using model::Direction;

// Appends JSON text; numbers without allocation, strings through nlohmann (ASCII only, invalid
// UTF-8 replaced, so any byte string is valid JSON).
class JsonText {
public:
    JsonText& raw(std::string_view text) {
        m_text += text;
        return *this;
    }
    JsonText& number(std::int64_t value) {
        char digits[24];
        const auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
        m_text.append(digits, end);
        return *this;
    }
    JsonText& unsigned_number(std::uint64_t value) {
        char digits[24];
        const auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
        m_text.append(digits, end);
        return *this;
    }
    JsonText& string(std::string_view value) {
        m_text +=
            nlohmann::json(value).dump(-1, ' ', true, nlohmann::json::error_handler_t::replace);
        return *this;
    }
    JsonText& key(std::string_view name) { return string(name).raw(":"); }
    JsonText& boolean(bool value) { return raw(value ? "true" : "false"); }
    std::string take() { return std::move(m_text); }

private:
    std::string m_text;
};

template <typename Range> void histogram(JsonText& out, const Range& buckets) {
    std::size_t used = buckets.size();
    while (used > 0 && buckets[used - 1] == 0)
        --used;
    out.raw("[");
    for (std::size_t i = 0; i < used; ++i)
        out.raw(i ? "," : "").unsigned_number(buckets[i]);
    out.raw("]");
}

void stats_json(JsonText& out, const model::DirectionStats& stats) {
    out.raw("{").key("packets").unsigned_number(stats.packets);
    out.raw(",").key("wire_bytes").unsigned_number(stats.wire_bytes);
    out.raw(",").key("stream_bytes").unsigned_number(stats.stream_bytes);
    out.raw(",").key("segments").unsigned_number(stats.segments);
    out.raw(",").key("gaps").unsigned_number(stats.gaps);
    out.raw(",").key("gap_bytes").unsigned_number(stats.gap_bytes);
    out.raw(",").key("retransmissions").unsigned_number(stats.retransmissions);
    out.raw(",").key("out_of_order").unsigned_number(stats.out_of_order);
    out.raw(",").key("overlaps").unsigned_number(stats.overlaps);
    // The shift scaling the windows this direction advertised; -1: unknown (no handshake).
    out.raw(",").key("window_shift").number(stats.window_shift);
    out.raw(",").key("fin").boolean(stats.fin).raw(",").key("rst").boolean(stats.rst).raw("}");
}

void framing_json(JsonText& out, const DirectionRecord& lane) {
    out.raw(",").key("framing");
    if (!lane.framing) {
        out.raw("null");
    } else {
        out.raw("{").key("spec").string(lane.framing->spec);
        out.raw(",").key("guessed").boolean(lane.framing->guessed);
        out.raw(",").key("confidence").number(std::llround(lane.framing->confidence * 1000));
        out.raw(",").key("uncertain").boolean(lane.framing->uncertain).raw("}");
    }
    out.raw(",").key("summary");
    if (!lane.summary) {
        out.raw("null");
        return;
    }
    const auto& summary = *lane.summary;
    out.raw("{").key("messages").unsigned_number(summary.messages);
    out.raw(",").key("by_class");
    histogram(out, summary.by_class);
    out.raw(",").key("by_status");
    histogram(out, summary.by_status);
    out.raw(",").key("skipped").unsigned_number(summary.skipped_bytes);
    out.raw(",").key("stopped").boolean(summary.stopped);
    out.raw(",").key("stop_reason").string(summary.stop_reason).raw("}");
}

void segments_json(JsonText& out, const DirectionRecord& lane, model::Timestamp zero) {
    out.raw(",").key("segs").raw("[");
    bool first = true;
    for (const auto& segment : lane.segments) {
        out.raw(first ? "[" : ",[").number(segment.time - zero);
        out.raw(",").unsigned_number(segment.offset).raw(",").unsigned_number(segment.length);
        out.raw(",").unsigned_number(segment.tcp_flags).raw(",").unsigned_number(segment.frame);
        out.raw(",");
        if (segment.has_ack)
            out.unsigned_number(segment.ack_offset);
        else
            out.raw("-1");
        out.raw(",").unsigned_number(segment.window).raw("]");
        first = false;
    }
    out.raw("],").key("segs_seen").unsigned_number(lane.segments_seen);
}

// [time, kind (0 ACK, 1 window update, 2 retransmission), offset, length, flags, frame,
// ack offset or -1, window]
void controls_json(JsonText& out, const DirectionRecord& lane, model::Timestamp zero) {
    out.raw(",").key("ctrl").raw("[");
    bool first = true;
    for (const auto& note : lane.controls) {
        out.raw(first ? "[" : ",[").number(note.time - zero);
        out.raw(",").unsigned_number(static_cast<unsigned>(note.kind));
        out.raw(",").unsigned_number(note.offset).raw(",").unsigned_number(note.length);
        out.raw(",").unsigned_number(note.tcp_flags).raw(",").unsigned_number(note.frame);
        out.raw(",");
        if (note.has_ack)
            out.unsigned_number(note.ack_offset);
        else
            out.raw("-1");
        out.raw(",").unsigned_number(note.window).raw("]");
        first = false;
    }
    out.raw("],").key("ctrl_seen").raw("{").key("acks").unsigned_number(lane.acks_seen);
    out.raw(",").key("window_updates").unsigned_number(lane.window_updates_seen);
    out.raw(",").key("retransmissions").unsigned_number(lane.retransmissions_seen).raw("}");
}

void messages_json(JsonText& out, const DirectionRecord& lane, model::Timestamp zero) {
    out.raw(",").key("msgs").raw("[");
    bool first = true;
    for (const auto& message : lane.messages) {
        out.raw(first ? "[" : ",[").unsigned_number(message.offset);
        out.raw(",").unsigned_number(message.length);
        out.raw(",").unsigned_number(message.header_length);
        out.raw(",").unsigned_number(static_cast<unsigned>(message.message_class));
        out.raw(",").unsigned_number(static_cast<unsigned>(message.status));
        out.raw(",").unsigned_number(message.first_segment);
        out.raw(",").unsigned_number(message.last_segment);
        out.raw(",").number(message.first_time - zero).raw(",").number(message.last_time - zero);
        out.raw(",").unsigned_number(message.first_frame);
        out.raw(",").unsigned_number(message.last_frame);
        out.raw(",").string(message.reason).raw(",").string(message.header_json).raw("]");
        first = false;
    }
    out.raw("],").key("msgs_seen").unsigned_number(lane.messages_seen);
}

void gaps_json(JsonText& out, const DirectionRecord& lane) {
    out.raw(",").key("gaps").raw("[");
    bool first = true;
    for (const auto& gap : lane.gaps) {
        out.raw(first ? "[" : ",[").unsigned_number(gap.offset);
        out.raw(",")
            .unsigned_number(gap.length)
            .raw(",")
            .string(model::gap_reason_name(gap.reason));
        out.raw(",").unsigned_number(gap.frame).raw("]");
        first = false;
    }
    out.raw("],").key("gaps_seen").unsigned_number(lane.gaps_seen);
}

void direction_json(JsonText& out, const FlowRecord& record, Direction direction,
                    model::Timestamp zero) {
    const auto& lane = record.of(direction);
    out.raw("{").key("name").string(model::direction_name(direction));
    out.raw(",").key("src").string(record.flow.source(direction).to_string());
    out.raw(",").key("dst").string(record.flow.destination(direction).to_string());
    out.raw(",").key("stats");
    stats_json(out, record.flow.of(direction));
    framing_json(out, lane);
    segments_json(out, lane, zero);
    controls_json(out, lane, zero);
    messages_json(out, lane, zero);
    gaps_json(out, lane);
    out.raw(",").key("bytes").string(base64(lane.bytes));
    out.raw(",").key("bytes_complete").boolean(lane.bytes_complete);
    out.raw(",").key("hist").raw("{").key("sizes");
    histogram(out, lane.message_sizes.buckets);
    out.raw(",").key("segs_per_msg");
    histogram(out, lane.segments_per_message.buckets);
    out.raw(",").key("msgs_per_seg");
    histogram(out, lane.messages_per_segment.buckets);
    out.raw("}}");
}

void flow_json(JsonText& out, const FlowRecord& record, model::Timestamp zero) {
    const auto& flow = record.flow;
    out.raw("{").key("id").unsigned_number(flow.id);
    out.raw(",").key("proto").string(model::protocol_name(flow.protocol));
    out.raw(",").key("client").string(flow.client.to_string());
    out.raw(",").key("server").string(flow.server.to_string());
    out.raw(",").key("origin").string(model::origin_name(flow.origin));
    // A proxied flow's inner ends: where the client connected, and sniff's end towards the
    // upstream (client and server are the outer ends).
    if (flow.origin == model::FlowOrigin::proxy && flow.legs.known()) {
        out.raw(",").key("listener").string(flow.legs.listener.to_string());
        if (flow.legs.upstream_local.port != 0)
            out.raw(",").key("upstream_local").string(flow.legs.upstream_local.to_string());
    }
    out.raw(",").key("reuse").unsigned_number(flow.reuse);
    out.raw(",").key("syn").boolean(flow.saw_syn);
    out.raw(",").key("first").number(flow.first_seen - zero);
    out.raw(",").key("last").number(flow.last_seen - zero);
    out.raw(",").key("closed").boolean(record.closed);
    out.raw(",").key("close").string(
        record.closed ? reassembly::close_reason_name(record.close_reason) : "open");
    out.raw(",").key("anomalies").unsigned_number(record.anomalies);
    out.raw(",").key("dirs").raw("[");
    direction_json(out, record, Direction::c2s, zero);
    out.raw(",");
    direction_json(out, record, Direction::s2c, zero);
    out.raw("]}");
}

void header_json(JsonText& out, const ReportData& data) {
    const auto& limits = data.limits;
    out.raw("{").key("title").string(data.title);
    out.raw(",")
        .key("limits")
        .raw("{")
        .key("max_file_bytes")
        .unsigned_number(limits.max_file_bytes);
    out.raw(",").key("max_flows").unsigned_number(limits.max_flows);
    out.raw(",").key("segments").unsigned_number(limits.segments_per_direction);
    out.raw(",").key("messages").unsigned_number(limits.messages_per_direction);
    out.raw(",").key("controls").unsigned_number(limits.controls_per_direction);
    out.raw(",").key("bytes").unsigned_number(limits.bytes_per_direction).raw("}");
    const auto& omitted = data.omitted;
    out.raw(",").key("omitted").raw("{").key("flows").unsigned_number(omitted.flows);
    out.raw(",").key("flow_bytes").unsigned_number(omitted.flow_bytes);
    out.raw(",").key("anomalies").unsigned_number(omitted.anomalies);
    out.raw(",").key("budget_reached").boolean(omitted.budget_reached).raw("}");
}

// '<', '>' and '&' only occur inside JSON strings (numbers and punctuation never hold them), so
// replacing them with \u escapes keeps the JSON equal and makes it inert inside <script>.
std::string script_safe(std::string json) {
    std::string out;
    out.reserve(json.size() + json.size() / 64);
    for (const char c : json) {
        if (c == '<')
            out += "\\u003c";
        else if (c == '>')
            out += "\\u003e";
        else if (c == '&')
            out += "\\u0026";
        else
            out += c;
    }
    return out;
}

} // namespace

std::string base64(std::string_view bytes) {
    static constexpr char k_alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    for (std::size_t i = 0; i < bytes.size(); i += 3) {
        const std::size_t n = std::min<std::size_t>(3, bytes.size() - i);
        std::uint32_t group = 0;
        for (std::size_t k = 0; k < 3; ++k)
            group = (group << 8) | (k < n ? static_cast<std::uint8_t>(bytes[i + k]) : 0u);
        for (std::size_t k = 0; k < 4; ++k)
            out += k <= n ? k_alphabet[(group >> (18 - 6 * k)) & 0x3f] : '=';
    }
    return out;
}

std::string report_json(const ReportData& data) {
    JsonText out;
    header_json(out, data);
    out.raw(",").key("flows").raw("[");
    bool first = true;
    for (const auto& record : data.flows) {
        if (!first)
            out.raw(",");
        flow_json(out, record, data.first_time);
        first = false;
    }
    out.raw("],").key("anomalies").raw("[");
    first = true;
    for (const auto& kept : data.anomalies) {
        out.raw(first ? "[" : ",[").unsigned_number(kept.flow_id);
        out.raw(",").string(model::anomaly_kind_name(kept.anomaly.kind));
        out.raw(",").unsigned_number(kept.anomaly.frame);
        out.raw(",").unsigned_number(kept.anomaly.offset);
        out.raw(",").string(kept.anomaly.detail).raw("]");
        first = false;
    }
    out.raw("]}");
    return script_safe(out.take());
}

} // namespace sniff::report
