#pragma once
// The HTML report's collector: a reassembly::StreamSink (flows, segments or recv() chunks, gaps,
// anomalies, closes) and the dissector engine's dissect::MessageSink (messages, segment
// boundary counts, framing and auto's confidence) at once. It keeps what the page shows within
// ReportLimits, so memory and the file stay bounded on endless or huge inputs, and writes the
// page at the end (or at any moment: a live run's Ctrl-C writes what was seen so far).
//
// Wiring: add it to the StreamSink fan-out AFTER the dissector engine (a flow's direction
// summaries then arrive before its close), and give the engine a dissect::MessageFanout that
// holds it beside the other message views.

#include "report/report_data.hpp"

#include <iosfwd>
#include <unordered_map>
#include <unordered_set>

namespace sniff::report {

class ReportCollector final : public reassembly::StreamSink, public dissect::MessageSink {
public:
    explicit ReportCollector(std::string title = "sniff report", ReportLimits limits = {});

    // StreamSink
    void on_flow_open(const model::Flow& flow) override;
    void on_data(const model::Flow& flow, model::Direction direction,
                 const model::SegmentInfo& segment, util::Bytes bytes) override;
    void on_gap(const model::Flow& flow, model::Direction direction,
                const model::Gap& gap) override;
    void on_control(const model::Flow& flow, model::Direction direction,
                    const model::ControlNote& note) override;
    void on_anomaly(const model::Flow* flow, const model::Anomaly& anomaly) override;
    void on_flow_close(const model::Flow& flow, reassembly::CloseReason reason) override;

    // MessageSink: messages are wanted one by one while the direction keeps them; past that the
    // direction summary's counts cover the rest.
    void on_message(const model::Flow& flow, const dissect::Message& message,
                    util::Bytes preview) override;
    bool wants_each_message(const model::Flow& flow, model::Direction direction) override;
    void on_segment(const model::Flow& flow, const dissect::SegmentReport& report) override;
    void on_framing(const model::Flow& flow, const dissect::FramingChoice& choice) override;
    void on_direction_end(const model::Flow& flow,
                          const dissect::DirectionSummary& summary) override;

    const ReportData& data() const { return m_data; }
    // The page; flows still open are shown as they are now.
    void write(std::ostream& out) const;
    // Writes to path (through a temporary file renamed into place); false and error on failure.
    bool write(const std::string& path, std::string& error) const;

private:
    // The flow's record, or null when the flow is past max_flows (or not opened yet).
    FlowRecord* record_of(const model::Flow& flow);
    // The flow's record, made on its first event; null (and counted) past max_flows.
    FlowRecord* open_record(const model::Flow& flow);
    // Charges cost to the budget when it fits; false (and notes it) when it does not.
    bool spend(std::uint64_t cost);
    void note_time(model::Timestamp time);
    void keep_bytes(DirectionRecord& direction, std::uint64_t offset, util::Bytes bytes);

    ReportData m_data;
    std::unordered_map<std::uint64_t, std::size_t> m_index; // flow id → m_data.flows index
    std::unordered_set<std::uint64_t> m_omitted_ids;        // open flows past max_flows
    std::uint64_t m_spent = 0;
    std::uint64_t m_last_id = 0;
    FlowRecord* m_last = nullptr; // record of m_last_id; vector growth resets it
};

} // namespace sniff::report
