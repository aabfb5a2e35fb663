#include "replay/report.hpp"

#include "output/json_line.hpp"
#include "util/plural.hpp"

#include <cinttypes>
#include <nlohmann/json.hpp>

namespace sniff::replay {

namespace {

// Messages listed one by one per flow; the rest are counted (the differences are always listed).
constexpr std::size_t k_listed_equal = 50;

Tally total_of(const std::vector<FlowOutcome>& outcomes) {
    Tally total;
    for (const auto& outcome : outcomes) {
        total.equal += outcome.tally.equal;
        total.different += outcome.tally.different;
        total.missing += outcome.tally.missing;
        total.extra += outcome.tally.extra;
        total.ignored += outcome.tally.ignored;
    }
    return total;
}

std::uint64_t requests_of(const std::vector<FlowOutcome>& outcomes) {
    std::uint64_t requests = 0;
    for (const auto& outcome : outcomes)
        requests += outcome.requests;
    return requests;
}

const char* answer_word(const FlowOutcome& outcome) {
    return outcome.side == "server" ? "request" : "answer";
}

} // namespace

std::string replay_event_json(const FlowOutcome& outcome, const ComparedMessage& message) {
    const Comparison& c = message.comparison;
    output::JsonLine line;
    line.field("type", "replay")
        .field("flow", outcome.live_flow)
        .field("captured_flow", outcome.captured_flow)
        .field("side", outcome.side)
        .field("message", static_cast<std::uint64_t>(c.index + 1))
        .field("result", verdict_name(c.verdict))
        .field("request", static_cast<std::uint64_t>(message.request))
        .field("expected_length", c.expected_length)
        .field("got_length", c.got_length);
    if (c.first_difference)
        line.field("first_difference", *c.first_difference);
    if (c.verdict != Verdict::equal && c.verdict != Verdict::ignored)
        line.field("expected", c.expected).field("got", c.got);
    return line.finish();
}

std::string replay_flow_json(const FlowOutcome& outcome) {
    output::JsonLine line;
    line.field("type", "replay_flow")
        .field("flow", outcome.live_flow)
        .field("captured_flow", outcome.captured_flow)
        .field("side", outcome.side)
        .field("peer", outcome.peer)
        .field("framing", outcome.framing)
        .field("chunking", outcome.chunking)
        .field("requests", outcome.requests)
        .field("bytes_sent", outcome.bytes_sent)
        .field("bytes_received", outcome.bytes_received)
        .field("answers_equal", outcome.tally.equal)
        .field("answers_different", outcome.tally.different)
        .field("answers_missing", outcome.tally.missing)
        .field("answers_extra", outcome.tally.extra)
        .field("answers_ignored", outcome.tally.ignored);
    // ASCII only, as every event line: notes quote captured bytes at times.
    line.raw("notes", nlohmann::json(outcome.notes)
                          .dump(-1, ' ', true, nlohmann::json::error_handler_t::replace));
    if (!outcome.failure.empty())
        line.field("failure", outcome.failure);
    return line.finish();
}

std::string replay_summary_json(const std::vector<FlowOutcome>& outcomes) {
    const Tally total = total_of(outcomes);
    std::uint64_t failed = 0;
    for (const auto& outcome : outcomes)
        failed += outcome.failure.empty() ? 0 : 1;
    output::JsonLine line;
    line.field("type", "replay_summary")
        .field("flows", static_cast<std::uint64_t>(outcomes.size()))
        .field("requests", requests_of(outcomes))
        .field("answers_equal", total.equal)
        .field("answers_different", total.different)
        .field("answers_missing", total.missing)
        .field("answers_extra", total.extra)
        .field("answers_ignored", total.ignored)
        .field("flows_failed", failed);
    return line.finish();
}

std::string summary_line(const std::vector<FlowOutcome>& outcomes) {
    const Tally total = total_of(outcomes);
    std::string line = "replay: " + util::counted(outcomes.size(), "flow") + ", " +
                       util::counted(requests_of(outcomes), "request") + " sent, " +
                       std::to_string(total.equal) + " equal, " + std::to_string(total.different) +
                       " different, " + std::to_string(total.missing) + " missing, " +
                       std::to_string(total.extra) + " extra";
    if (total.ignored > 0)
        line += ", " + std::to_string(total.ignored) + " ignored";
    std::uint64_t failed = 0;
    for (const auto& outcome : outcomes)
        failed += outcome.failure.empty() ? 0 : 1;
    if (failed > 0)
        line += "; " + util::counted(failed, "flow") + " failed";
    return line;
}

void print_text_report(std::FILE* out, const std::vector<FlowOutcome>& outcomes) {
    for (const auto& outcome : outcomes) {
        std::fprintf(out, "\nreplay of flow %" PRIu64 " as the %s, to %s (%s, chunks %s):\n",
                     outcome.captured_flow, outcome.side.c_str(), outcome.peer.c_str(),
                     outcome.framing.c_str(), outcome.chunking.c_str());
        std::size_t equal_listed = 0;
        for (const auto& message : outcome.compared) {
            const Comparison& c = message.comparison;
            const bool same = c.verdict == Verdict::equal || c.verdict == Verdict::ignored;
            if (same && ++equal_listed > k_listed_equal)
                continue;
            std::fprintf(out, "  %s %zu %s", answer_word(outcome), c.index + 1,
                         verdict_name(c.verdict));
            if (c.first_difference)
                std::fprintf(out, " at byte %" PRIu64, *c.first_difference);
            std::fprintf(out, " (%" PRIu64 " B captured, %" PRIu64 " B replayed)",
                         c.expected_length, c.got_length);
            if (message.request > 0)
                std::fprintf(out, " after %s %zu: %s",
                             outcome.side == "server" ? "answer" : "request", message.request,
                             message.request_text.c_str());
            std::fputc('\n', out);
            if (!same && c.verdict != Verdict::extra)
                std::fprintf(out, "      captured: %s\n", c.expected.c_str());
            if (!same && c.verdict != Verdict::missing)
                std::fprintf(out, "      replayed: %s\n", c.got.c_str());
        }
        if (equal_listed > k_listed_equal)
            std::fprintf(out, "  ... %zu more equal\n", equal_listed - k_listed_equal);
        for (const auto& note : outcome.notes)
            std::fprintf(out, "  note: %s\n", note.c_str());
        if (!outcome.failure.empty())
            std::fprintf(out, "  failed: %s\n", outcome.failure.c_str());
    }
    std::fprintf(out, "%s\n", summary_line(outcomes).c_str());
}

} // namespace sniff::replay
