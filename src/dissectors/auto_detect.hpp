#pragma once
// `auto`: guesses the framing of one flow direction from its first bytes: first from protocol
// signatures (auto_signatures.hpp), then by the generic inference below.
//
// Candidates: len: at offsets 0..8 with sizes 1, 2, 3, 4, 8 and varint, both byte orders, signed
// and unsigned, and adjustments 0, -size, -(off+size) plus the one that makes the first message
// end on the first segment end; json: with 4-byte headers in both orders; delim: \r\n, \n, \0;
// pgsql; ascii-len:noack (a decimal length line, then that many bytes).
// Each candidate walks the sample; its score combines the share of bytes explained by consistent
// messages, the share of segment ends that fall on message ends (random data rarely lands there)
// and of message ends that fall on segment ends, the number of such agreements (one chunk proves
// little) and the share of bodiless messages (a zero length byte read as a message), minus a
// small cost for unusual parameters. The best candidate's score is the confidence; below
// k_raw_below the guess is raw. When a candidate with different message ends scores within a
// small margin of the best, the sample cannot tell them apart and the guess is uncertain.

#include "dissectors/spec.hpp"
#include "model/flow.hpp"
#include "util/byte_reader.hpp"

#include <optional>
#include <span>
#include <string>

namespace sniff::dissect {

inline constexpr double k_uncertain_below = 0.6;
inline constexpr double k_raw_below = 0.2;

struct Guess {
    FramingSpec spec;        // raw when nothing explains the data
    std::string text;        // to_string(spec), pasteable as --framing
    double confidence = 0;   // 0..1
    bool uncertain = true;   // confidence < k_uncertain_below
    std::string runner_up;   // the best different candidate, for the curious; may be empty
    std::string protocol;    // the protocol recognised by its signature; empty when inferred
    std::string basis{};     // set by the engine: signature, inferred, peer or service
    std::string disagrees{}; // set by the engine: the service's decision this flow differs from
};

// sample: the direction's first bytes; segment_ends: stream offsets (relative to the sample start)
// where delivered segments ended, ascending; whole_stream: the sample is the entire direction
// (so a message cut by the sample's end is a flaw, not just the window); direction: which side
// sent the sample (framings such as pgsql have different first messages per side).
Guess guess_framing(util::Bytes sample, std::span<const std::uint64_t> segment_ends,
                    bool whole_stream, model::Direction direction = model::Direction::c2s);
// The generic inference alone (no signatures): what guess_framing does when no row matches.
Guess infer_framing(util::Bytes sample, std::span<const std::uint64_t> segment_ends,
                    bool whole_stream, model::Direction direction = model::Direction::c2s);

// Whether `spec` reads the sample as whole messages and a plausible last one (its header at
// least), with nothing malformed: the test for taking the other direction's framing.
bool framing_fits(const FramingSpec& spec, util::Bytes sample, model::Direction direction);
// For a direction whose own sample leaves auto uncertain (its first message longer than the
// sample, say): the one length or JSON-header cut that reads a header at the sample's start and
// cuts the other direction's sample so far into whole messages ending on its segment ends.
// Marked uncertain unless the peer showed at least two such messages; nullopt when no single cut
// does.
std::optional<Guess> guess_with_peer(util::Bytes sample, util::Bytes peer_sample,
                                     std::span<const std::uint64_t> peer_ends,
                                     model::Direction direction);

} // namespace sniff::dissect
