#pragma once
// What `sniff replay` was asked to do, parsed from its options: which flows, which side it plays,
// how it waits between turns and how it times them. Pure parsing: the source (sources/replay_*)
// acts on it.

#include "model/endpoint.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sniff::replay {

// --flow N (repeatable) or --flow all; nothing given: every flow the filter passes.
struct FlowSelection {
    bool all = true;
    std::vector<std::uint64_t> ids;
    bool wants(std::uint64_t id) const;
};
bool parse_flow(const std::string& text, FlowSelection& selection, std::string& error);

// --await: how a turn waits for the peer's turn before the next one.
//   answer (default)  until the peer's captured messages (with a framing) or bytes have arrived
//   idle:MS           until the peer has been silent for MS milliseconds
//   none              not at all: every turn is sent at once (pipelining)
enum class AwaitMode : std::uint8_t { answer, idle, none };
struct AwaitSpec {
    AwaitMode mode = AwaitMode::answer;
    std::uint64_t idle_ms = 0;
};
bool parse_await(const std::string& text, AwaitSpec& spec, std::string& error);

// --timing: pauses between turns. none: as fast as turn-taking allows; original: the captured
// pauses; scale:X: the captured pauses times X. --max-gap MS caps each captured pause.
enum class TimingMode : std::uint8_t { none, original, scale };
struct TimingSpec {
    TimingMode mode = TimingMode::none;
    double factor = 1.0;
    std::optional<std::uint64_t> max_gap_ms;
    // The pause before a turn whose captured start was `captured_gap` ns after the previous one.
    std::int64_t pause_ns(std::int64_t captured_gap) const;
};
bool parse_timing(const std::string& text, TimingSpec& spec, std::string& error);

// --side: which side of the captured flow sniff plays.
enum class Side : std::uint8_t { client, server };
bool parse_side(const std::string& text, Side& side, std::string& error);

// HOST:PORT or [V6]:PORT for --to.
struct Target {
    std::string host;
    std::uint16_t port = 0;
};
bool parse_target(const std::string& text, Target& target, std::string& error);

} // namespace sniff::replay
