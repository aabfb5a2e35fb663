#pragma once
// Which messages a short answer count points at. On a connection whose every message is a
// request or an answer (the pairing's table shapes: dns-tcp, struct, json-header), the requests
// that arrived after one answer and before the next were, for a server that answers each read
// once, one read when there are more of them than one exchange takes: a reader glued them. The
// requests after the last answer got none. Captured segments are what the wire carried; the
// hint says what the answers suggest the application read.

#include "dissectors/pairing.hpp"
#include "model/endpoint.hpp"

#include <optional>
#include <span>
#include <string>
#include <vector>

namespace sniff::dissect {

struct GlueHint {
    std::uint64_t first_request = 0; // c2s message indexes, inclusive
    std::uint64_t last_request = 0;
    std::optional<std::uint64_t> answer; // the s2c message that followed them; none: no answer
    std::uint64_t requests() const { return last_request - first_request + 1; }
};

// The shape that makes every message of the connection a request (c2s) or an answer (s2c), or
// nullopt (a framing that counts its own exchanges, or none).
std::optional<PairShape> message_shape(const DirectionSummary& c2s, const DirectionSummary& s2c);

// request_ends: when each request ended (its last segment's time), in order; answer_starts:
// when each answer began. Only groups that point at glued or unanswered requests are returned;
// empty when the answers are not fewer than expected.
std::vector<GlueHint> glue_hints(std::span<const model::Timestamp> request_ends,
                                 std::span<const model::Timestamp> answer_starts,
                                 const PairShape& shape);

// "requests #2-#4 came before one answer (s2c #1): read together by the server?" or
// "requests #5-#6 got no answer".
std::string glue_hint_text(const GlueHint& hint);

} // namespace sniff::dissect
