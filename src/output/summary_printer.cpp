#include "output/summary_printer.hpp"

#include "model/segment.hpp"

#include <cinttypes>

namespace sniff::output {

using model::Direction;

void SummaryPrinter::on_flow_open(const model::Flow& flow) {
    m_anomalies_by_flow[flow.id] = 0;
}

void SummaryPrinter::on_anomaly(const model::Flow* flow, const model::Anomaly& anomaly) {
    ++m_totals.anomalies;
    ++m_anomalies_by_kind[model::anomaly_kind_name(anomaly.kind)];
    if (flow != nullptr)
        ++m_anomalies_by_flow[flow->id];
}

void SummaryPrinter::on_flow_close(const model::Flow& flow, reassembly::CloseReason reason) {
    count_flow(flow);
    if (m_flow_lines)
        print_flow(flow, reason);
}

void SummaryPrinter::count_flow(const model::Flow& flow) {
    ++m_totals.flows;
    for (const auto* stats : {&flow.of(Direction::c2s), &flow.of(Direction::s2c)}) {
        m_totals.packets += stats->packets;
        m_totals.stream_bytes += stats->stream_bytes;
        m_totals.gaps += stats->gaps;
        m_totals.retransmissions += stats->retransmissions;
        m_totals.out_of_order += stats->out_of_order;
    }
}

void SummaryPrinter::print_flow(const model::Flow& flow, reassembly::CloseReason reason) {
    if (!m_header_printed) {
        std::fprintf(m_out, "%-5s %-5s %-45s %-21s %-21s %-7s %-5s %-7s %-5s %-5s %9s %s\n", "flow",
                     "proto", "client -> server", "c2s pkts/bytes", "s2c pkts/bytes", "segs",
                     "gaps", "retrans", "ooo", "anom", "duration", "end");
        m_header_printed = true;
    }
    const auto& c2s = flow.of(Direction::c2s);
    const auto& s2c = flow.of(Direction::s2c);
    const std::string endpoints = flow.client.to_string() + " -> " + flow.server.to_string();
    auto pair = [](std::uint64_t packets, std::uint64_t bytes) {
        return std::to_string(packets) + "/" + std::to_string(bytes);
    };
    auto both = [](std::uint64_t a, std::uint64_t b) {
        return std::to_string(a) + "/" + std::to_string(b);
    };
    const auto anomalies = m_anomalies_by_flow[flow.id];
    m_anomalies_by_flow.erase(flow.id);
    const double duration = static_cast<double>(flow.last_seen - flow.first_seen) / 1e9;
    std::string label = "#" + std::to_string(flow.id);
    // A proxied flow's "segments" are the proxy's recv() chunks: said at the end of its line, so
    // a run with a capture and a proxy keeps the two apart.
    const char* origin = flow.origin == model::FlowOrigin::proxy  ? " via proxy"
                         : flow.origin == model::FlowOrigin::exec ? " exec"
                                                                  : "";
    std::fprintf(
        m_out, "%-5s %-5s %-45s %-21s %-21s %-7s %-5s %-7s %-5s %-5" PRIu64 " %8.3fs %s%s\n",
        label.c_str(), model::protocol_name(flow.protocol), endpoints.c_str(),
        pair(c2s.packets, c2s.stream_bytes).c_str(), pair(s2c.packets, s2c.stream_bytes).c_str(),
        both(c2s.segments, s2c.segments).c_str(), both(c2s.gaps, s2c.gaps).c_str(),
        both(c2s.retransmissions, s2c.retransmissions).c_str(),
        both(c2s.out_of_order, s2c.out_of_order).c_str(), anomalies, duration,
        reassembly::close_reason_name(reason), origin);
}

void SummaryPrinter::print_totals(const std::string& source_label) {
    std::fprintf(
        m_out,
        "%s: %" PRIu64 " flows, %" PRIu64 " packets in flows, %" PRIu64 " stream bytes, %" PRIu64
        " gaps, %" PRIu64 " retransmissions, %" PRIu64 " out-of-order, %" PRIu64 " anomalies\n",
        source_label.c_str(), m_totals.flows, m_totals.packets, m_totals.stream_bytes,
        m_totals.gaps, m_totals.retransmissions, m_totals.out_of_order, m_totals.anomalies);
    for (const auto& [kind, count] : m_anomalies_by_kind)
        std::fprintf(m_out, "  anomaly %s: %" PRIu64 "\n", kind.c_str(), count);
}

} // namespace sniff::output
