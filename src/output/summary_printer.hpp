#pragma once
// The default text output: one line per flow when it ends (like `tshark -q -z conv,tcp`, with the
// reassembly anomalies counted), then totals. Lines are printed as flows close so that memory does
// not grow with the number of flows.

#include "reassembly/stream_sink.hpp"

#include <cstdio>
#include <map>
#include <string>

namespace sniff::output {

struct Totals {
    std::uint64_t flows = 0;
    std::uint64_t packets = 0;
    std::uint64_t stream_bytes = 0;
    std::uint64_t gaps = 0;
    std::uint64_t retransmissions = 0;
    std::uint64_t out_of_order = 0;
    std::uint64_t anomalies = 0;
};

class SummaryPrinter final : public reassembly::StreamSink {
public:
    // flow_lines false: count only, for when another view prints each flow.
    explicit SummaryPrinter(std::FILE* out, bool flow_lines = true)
        : m_out(out), m_flow_lines(flow_lines) {}

    void on_flow_open(const model::Flow& flow) override;
    void on_anomaly(const model::Flow* flow, const model::Anomaly& anomaly) override;
    void on_flow_close(const model::Flow& flow, reassembly::CloseReason reason) override;

    // Prints the totals line and the anomaly counts by kind.
    void print_totals(const std::string& source_label);
    const Totals& totals() const { return m_totals; }

private:
    void count_flow(const model::Flow& flow);
    void print_flow(const model::Flow& flow, reassembly::CloseReason reason);

    std::FILE* m_out;
    bool m_flow_lines;
    bool m_header_printed = false;
    Totals m_totals;
    std::map<std::string, std::uint64_t> m_anomalies_by_kind;
    std::map<std::uint64_t, std::uint64_t> m_anomalies_by_flow; // open flows only
};

} // namespace sniff::output
