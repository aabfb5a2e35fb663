#pragma once
// The text report of the dissectors (the default without a terminal when a framing is in use):
// per flow and direction, the framing, counts per class, a boundary picture of the first bytes,
// then each message with its class, status and the segments that carried it. A flow's block is
// printed when it closes; each direction keeps at most k_max_listed messages in memory (the
// counts cover all of them), so memory stays bounded on endless streams.

#include "dissectors/engine.hpp"
#include "dissectors/glue_hint.hpp"
#include "dissectors/pairing.hpp"
#include "output/boundary_picture.hpp"

#include <cstdio>
#include <optional>
#include <unordered_map>

namespace sniff::output {

// What the report prints per flow: the message blocks, or (`--summary`) the summary's one line
// per flow with the message counts and classes of each direction at its end.
enum class ReportStyle : std::uint8_t { messages, flow_lines };

class MessageReport final : public reassembly::StreamSink, public dissect::MessageSink {
public:
    static constexpr std::size_t k_max_listed = 200;
    static constexpr std::size_t k_picture_bytes = 96;

    explicit MessageReport(std::FILE* out, ReportStyle style = ReportStyle::messages)
        : m_out(out), m_style(style) {}

    // StreamSink: keeps the first bytes and segment starts for the picture. Register it after
    // the engine so the flow block is printed after the engine's last messages.
    void on_flow_open(const model::Flow& flow) override;
    void on_data(const model::Flow& flow, model::Direction direction,
                 const model::SegmentInfo& segment, util::Bytes bytes) override;
    void on_gap(const model::Flow& flow, model::Direction direction,
                const model::Gap& gap) override;
    void on_anomaly(const model::Flow* flow, const model::Anomaly& anomaly) override;
    void on_flow_close(const model::Flow& flow, reassembly::CloseReason reason) override;

    // MessageSink
    void on_message(const model::Flow& flow, const dissect::Message& message,
                    util::Bytes preview) override;
    // Past k_max_listed messages of a direction (the picture is complete long before), only
    // counts are needed: they come from the direction's summary.
    bool wants_each_message(const model::Flow& flow, model::Direction direction) override {
        return m_style == ReportStyle::messages &&
               flow_report(flow.id).directions[static_cast<int>(direction)].lines.size() <
                   k_max_listed;
    }
    void on_framing(const model::Flow& flow, const dissect::FramingChoice& choice) override;
    void on_direction_end(const model::Flow& flow,
                          const dissect::DirectionSummary& summary) override;

    // Prints the messages of every flow reported, per class: "messages: 12 (10 whole, ...)".
    void print_totals();

private:
    struct DirectionReport {
        std::string framing = "raw";
        std::string framing_note;
        PictureInput picture;
        std::vector<std::string> lines;
        // Per listed message: when it ended (c2s) or began (s2c), for the glue hints.
        std::vector<model::Timestamp> times;
        std::uint64_t gaps = 0;
        dissect::DirectionSummary summary;
        bool has_summary = false;
    };
    struct FlowReport {
        DirectionReport directions[2];
        std::uint64_t anomalies = 0;
    };

    // The flow's report; remembers the last one, as consecutive messages mostly share a flow.
    FlowReport& flow_report(std::uint64_t flow_id) {
        if (m_last == nullptr || m_last_id != flow_id) {
            m_last = &m_flows[flow_id];
            m_last_id = flow_id;
        }
        return *m_last;
    }
    // hints: the glue hints to print under the requests they name (c2s), or empty.
    void print_direction(const model::Flow& flow, model::Direction direction,
                         const DirectionReport& report,
                         const std::vector<dissect::GlueHint>& hints);
    static std::vector<dissect::GlueHint> glue_hints_of(const FlowReport& report);
    void print_flow_line(const model::Flow& flow, reassembly::CloseReason reason,
                         const FlowReport& report);
    void count_totals(const model::Flow& flow, const FlowReport& report);
    static std::optional<dissect::Pairing> pairing_of(const FlowReport& report);

    std::FILE* m_out;
    ReportStyle m_style;
    bool m_header_printed = false;
    dissect::DirectionSummary m_totals;  // every closed flow's directions added up
    std::uint64_t m_paired_flows = 0;    // flows whose framing pairs requests and answers
    std::uint64_t m_unpaired_flows = 0;  // ... whose counts disagree
    std::uint64_t m_paired_proxied = 0;  // ... of them proxied (their segments are sniff's reads)
    std::uint64_t m_paired_captured = 0; // of them, captured flows (the wire note)
    std::unordered_map<std::uint64_t, FlowReport> m_flows; // node-based: m_last stays valid
    std::uint64_t m_last_id = 0;
    FlowReport* m_last = nullptr; // m_flows[m_last_id], or null
};

} // namespace sniff::output
