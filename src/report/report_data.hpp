#pragma once
// What the HTML report holds: per flow its overview row and, within the report's budget, per
// direction the segments (or recv() chunks), messages, gaps and first bytes; the anomalies; and
// what was left out. Filled by ReportCollector, turned into JSON by report_json.

#include "dissectors/engine.hpp"
#include "reassembly/stream_sink.hpp"

#include <array>
#include <optional>
#include <string>
#include <vector>

namespace sniff::report {

// Caps that keep the report file under ReportLimits::max_file_bytes whatever the input. A
// direction keeps its first items up to its own caps while the report's budget (an estimate of
// the JSON bytes each kept item costs) lasts; everything else is only counted.
struct ReportLimits {
    // The stated bound (the tests check it): the budget, plus max_flows rows of at most
    // k_flow_row_bytes, plus the viewer (~40 KB), fits under it.
    std::uint64_t max_file_bytes = 20u << 20;
    std::uint64_t budget_bytes = 13u << 20; // estimated JSON bytes of kept segments, messages...
    std::size_t max_flows = 2000;           // overview rows (not charged to the budget)
    std::size_t segments_per_direction = 20000;
    std::size_t messages_per_direction = 10000;
    std::size_t gaps_per_direction = 1000;
    std::size_t controls_per_direction = 20000;  // pure ACKs, window updates, retransmissions
    std::size_t bytes_per_direction = 64u << 10; // stream bytes kept for the hex view
    std::size_t max_anomalies = 2000;
    std::size_t max_text = 160; // characters kept of a message's header JSON or reason
};

// JSON bytes of a flow without kept items (counts, framing, histograms, addresses, capped stop
// reasons): 2.2 KB measured for IPv6 flows with every number 13 digits wide; the tests check it.
inline constexpr std::uint64_t k_flow_row_bytes = 2600;

static_assert(ReportLimits{}.budget_bytes + ReportLimits{}.max_flows * k_flow_row_bytes +
                      (64u << 10) <
                  ReportLimits{}.max_file_bytes,
              "the default caps must fit the stated file size");

// Histogram over power-of-two buckets: bucket 0 holds 0, bucket b holds [2^(b-1), 2^b).
struct Histogram {
    std::array<std::uint64_t, 65> buckets{};
    void add(std::uint64_t value);
};

struct DirectionRecord {
    std::optional<dissect::FramingChoice> framing;
    std::optional<dissect::DirectionSummary> summary;
    std::vector<model::SegmentInfo> segments; // the first ones, in stream order
    std::vector<dissect::Message> messages;   // the first ones, in stream order
    std::vector<model::Gap> gaps;
    std::vector<model::ControlNote> controls; // the first ones, in capture order
    std::string bytes; // stream offsets [0, bytes.size()); gap bytes read as 0 (gaps says where)
    std::uint64_t segments_seen = 0;
    std::uint64_t messages_seen = 0; // reported one by one (the summary counts all)
    std::uint64_t gaps_seen = 0;
    // Control packets sent in this direction: every pure ACK (window updates included), the
    // window updates among them, and the retransmissions.
    std::uint64_t acks_seen = 0;
    std::uint64_t window_updates_seen = 0;
    std::uint64_t retransmissions_seen = 0;
    bool bytes_complete = true; // false once a byte was not kept
    Histogram message_sizes;
    Histogram segments_per_message;
    Histogram messages_per_segment;
};

struct FlowRecord {
    model::Flow flow; // a copy, refreshed on every event: its stats are final at close
    bool closed = false;
    reassembly::CloseReason close_reason = reassembly::CloseReason::end_of_input;
    std::uint64_t anomalies = 0;
    std::array<DirectionRecord, 2> directions;
    DirectionRecord& of(model::Direction direction) {
        return directions[static_cast<int>(direction)];
    }
    const DirectionRecord& of(model::Direction direction) const {
        return directions[static_cast<int>(direction)];
    }
};

struct AnomalyRecord {
    std::uint64_t flow_id = 0; // 0: not tied to a flow
    model::Anomaly anomaly;
};

// What did not fit, said in the page.
struct Omitted {
    std::uint64_t flows = 0; // flows past max_flows: not listed at all
    std::uint64_t flow_bytes = 0;
    std::uint64_t anomalies = 0;
    bool budget_reached = false; // some direction lost detail to the report-wide budget
};

struct ReportData {
    std::string title;
    ReportLimits limits;
    model::Timestamp first_time = 0; // time 0 of the page's clocks
    bool has_time = false;
    std::vector<FlowRecord> flows; // in order of opening
    std::vector<AnomalyRecord> anomalies;
    Omitted omitted;
};

} // namespace sniff::report
