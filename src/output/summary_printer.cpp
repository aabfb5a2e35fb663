#include "output/summary_printer.hpp"

#include "model/segment.hpp"
#include "output/flow_line.hpp"
#include "util/plural.hpp"

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
        std::fprintf(m_out, "%s\n", flow_line_header(false).c_str());
        m_header_printed = true;
    }
    const auto anomalies = m_anomalies_by_flow[flow.id];
    m_anomalies_by_flow.erase(flow.id);
    std::fprintf(m_out, "%s\n", flow_line(flow, reason, anomalies).c_str());
}

void SummaryPrinter::print_totals(const std::string& source_label) {
    using util::counted;
    std::fprintf(m_out, "%s: %s, %s in flows, %s, %s, %s, %" PRIu64 " out-of-order, %s\n",
                 source_label.c_str(), counted(m_totals.flows, "flow").c_str(),
                 counted(m_totals.packets, "packet").c_str(),
                 counted(m_totals.stream_bytes, "stream byte").c_str(),
                 counted(m_totals.gaps, "gap").c_str(),
                 counted(m_totals.retransmissions, "retransmission").c_str(), m_totals.out_of_order,
                 counted(m_totals.anomalies, "anomaly", "anomalies").c_str());
    for (const auto& [kind, count] : m_anomalies_by_kind)
        std::fprintf(m_out, "  anomaly %s: %" PRIu64 "\n", kind.c_str(), count);
}

} // namespace sniff::output
