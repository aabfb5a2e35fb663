#pragma once
// What a replay found, flow by flow: the comparisons, and why a flow stopped early. Written as the
// text report (after the views' totals), as JSON Lines events (`replay` per compared message,
// `replay_summary` at the end) and as the summary line.

#include "replay/compare.hpp"

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace sniff::replay {

struct ComparedMessage {
    Comparison comparison;
    std::size_t request = 0;  // our message (or turn) sent last before it, 1-based; 0 = none
    std::string request_text; // that request's first bytes, escaped
};

struct FlowOutcome {
    std::uint64_t captured_flow = 0;
    std::uint64_t live_flow = 0; // run-wide number of the replayed connection; 0 when none
    std::string side = "client"; // the side sniff played
    std::string peer;            // the live peer, "127.0.0.1:6379"
    std::string framing;         // of the compared side ("raw": turns are compared bytewise)
    std::string chunking;        // "original", "fixed:1", ...
    std::uint64_t requests = 0;  // our messages (or turns, without a framing) sent
    std::uint64_t bytes_sent = 0;
    std::uint64_t bytes_received = 0;
    std::uint64_t writes = 0;
    std::vector<ComparedMessage> compared;
    Tally tally;
    std::vector<std::string> notes; // replayed up to a gap, not replayed, ...
    std::string failure;            // the connection failed or the peer stopped answering
};

// One `replay` JSON Lines event.
std::string replay_event_json(const FlowOutcome& outcome, const ComparedMessage& message);
// One `replay_flow` event: a flow's counts, its notes (replayed up to a gap, ...) and failure.
std::string replay_flow_json(const FlowOutcome& outcome);
// The `replay_summary` event over every flow.
std::string replay_summary_json(const std::vector<FlowOutcome>& outcomes);
// "replay: 2 flows, 40 requests, 38 answers equal, 1 different, 1 missing, 0 extra".
std::string summary_line(const std::vector<FlowOutcome>& outcomes);
// The text report: each flow's comparisons (up to a cap), first differences with both versions.
void print_text_report(std::FILE* out, const std::vector<FlowOutcome>& outcomes);

} // namespace sniff::replay
