#include "output/json_events.hpp"

#include "util/escape.hpp"

#include <nlohmann/json.hpp>

namespace sniff::output {

using nlohmann::json;

void put_flow_fields(json& object, const model::Flow& flow, model::Direction direction) {
    object["flow"] = flow.id;
    object["proto"] = model::protocol_name(flow.protocol);
    object["src"] = flow.source(direction).to_string();
    object["dst"] = flow.destination(direction).to_string();
    object["dir"] = model::direction_name(direction);
    // Only the proxy's and exec's flows say so: their segments are recv() chunks or the
    // program's calls, not packets. Absent means captured packets, as in every file read.
    if (flow.origin != model::FlowOrigin::capture)
        object["origin"] = model::origin_name(flow.origin);
}

JsonLine flow_line(const char* type, const model::Flow& flow, model::Direction direction) {
    JsonLine line;
    line.field("type", type)
        .field("flow", flow.id)
        .field("proto", model::protocol_name(flow.protocol))
        .field("src", flow.source(direction).to_string())
        .field("dst", flow.destination(direction).to_string())
        .field("dir", model::direction_name(direction));
    if (flow.origin != model::FlowOrigin::capture)
        line.field("origin", model::origin_name(flow.origin));
    return line;
}

namespace {

// A proxied flow's two inner ends, in its open and close events: src and dst stay the outer
// ends (the client and the upstream), as for every flow.
void put_proxy_legs(json& object, const model::Flow& flow) {
    if (flow.origin != model::FlowOrigin::proxy || !flow.legs.known())
        return;
    object["listener"] = flow.legs.listener.to_string();
    if (flow.legs.upstream_local.port != 0)
        object["upstream_local"] = flow.legs.upstream_local.to_string();
}

json direction_stats(const model::DirectionStats& stats) {
    return json{{"packets", stats.packets},
                {"wire_bytes", stats.wire_bytes},
                {"bytes", stats.stream_bytes},
                {"segments", stats.segments},
                {"gaps", stats.gaps},
                {"gap_bytes", stats.gap_bytes},
                {"retransmissions", stats.retransmissions},
                {"out_of_order", stats.out_of_order},
                {"overlaps", stats.overlaps},
                {"first_frame", stats.first_frame},
                {"fin", stats.fin},
                {"rst", stats.rst}};
}

// Captured TCP flows: their segments are packets with a window field.
bool carries_tcp_header(const model::Flow& flow) {
    return flow.protocol == model::Protocol::tcp && flow.origin == model::FlowOrigin::capture;
}

// The shift scaling the direction's windows, null when the handshake was not captured (the
// windows are then the raw 16-bit fields).
void put_window_shift(json& object, const model::DirectionStats& stats) {
    if (stats.window_shift == model::k_window_shift_unknown)
        object["window_shift"] = nullptr;
    else
        object["window_shift"] = stats.window_shift;
}

} // namespace

void JsonEventWriter::write(const json& object) {
    // ASCII only: non-ASCII text (C1 controls among it) becomes \\uXXXX, safe on a terminal.
    const std::string line = object.dump(-1, ' ', true, json::error_handler_t::replace);
    std::fwrite(line.data(), 1, line.size(), m_out);
    std::fputc('\n', m_out);
}

void JsonEventWriter::write(const JsonLine& line) {
    const std::string text = line.finish();
    std::fwrite(text.data(), 1, text.size(), m_out);
    std::fputc('\n', m_out);
}

void JsonEventWriter::on_flow_open(const model::Flow& flow) {
    json object{{"type", "flow"}, {"event", "open"}};
    put_flow_fields(object, flow, model::Direction::c2s);
    object.erase("dir");
    put_proxy_legs(object, flow);
    object["first_frame"] = flow.first_frame;
    if (flow.tcp_stream != model::Flow::k_no_tcp_stream)
        object["tcp_stream"] = flow.tcp_stream; // tshark's index, beside sniff's flow number
    object["reuse"] = flow.reuse;
    object["saw_syn"] = flow.saw_syn;
    write(object);
}

void JsonEventWriter::on_data(const model::Flow& flow, model::Direction direction,
                              const model::SegmentInfo& segment, util::Bytes) {
    if (!m_with_segments)
        return;
    json object{{"type", "segment"}};
    put_flow_fields(object, flow, direction);
    object["index"] = segment.index;
    object["frame"] = segment.frame;
    object["time"] = static_cast<double>(segment.time) / 1e9;
    object["offset"] = segment.offset;
    object["length"] = segment.length;
    object["tcp_flags"] = segment.tcp_flags;
    if (carries_tcp_header(flow)) // the window its packet advertised, in bytes (see close)
        object["window"] = segment.window;
    if (segment.call != nullptr) { // sniff exec: the program's call and the size it asked for
        object["call"] = segment.call;
        object["asked"] = segment.asked;
    }
    write(object);
}

void JsonEventWriter::on_gap(const model::Flow& flow, model::Direction direction,
                             const model::Gap& gap) {
    json object{{"type", "gap"}};
    put_flow_fields(object, flow, direction);
    object["offset"] = gap.offset;
    object["length"] = gap.length;
    object["reason"] = model::gap_reason_name(gap.reason);
    object["frame"] = gap.frame;
    write(object);
}

void JsonEventWriter::on_anomaly(const model::Flow* flow, const model::Anomaly& anomaly) {
    json object{{"type", "anomaly"}};
    if (flow != nullptr) {
        put_flow_fields(object, *flow, model::Direction::c2s);
        object.erase("dir");
    }
    object["kind"] = model::anomaly_kind_name(anomaly.kind);
    object["frame"] = anomaly.frame;
    object["offset"] = anomaly.offset;
    object["detail"] = util::escape_text(anomaly.detail);
    write(object);
}

void JsonEventWriter::on_flow_close(const model::Flow& flow, reassembly::CloseReason reason) {
    json object{{"type", "flow"}, {"event", "close"}};
    put_flow_fields(object, flow, model::Direction::c2s);
    object.erase("dir");
    put_proxy_legs(object, flow);
    if (flow.tcp_stream != model::Flow::k_no_tcp_stream)
        object["tcp_stream"] = flow.tcp_stream;
    object["reason"] = reassembly::close_reason_name(reason);
    object["first_seen"] = static_cast<double>(flow.first_seen) / 1e9;
    object["last_seen"] = static_cast<double>(flow.last_seen) / 1e9;
    object["c2s"] = direction_stats(flow.of(model::Direction::c2s));
    object["s2c"] = direction_stats(flow.of(model::Direction::s2c));
    if (carries_tcp_header(flow))
        for (const auto direction : {model::Direction::c2s, model::Direction::s2c})
            put_window_shift(object[model::direction_name(direction)], flow.of(direction));
    write(object);
}

void JsonEventWriter::write_end(const json& totals) {
    json object = totals;
    object["type"] = "end";
    write(object);
    std::fflush(m_out);
}

} // namespace sniff::output
