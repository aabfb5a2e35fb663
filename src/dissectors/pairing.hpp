#pragma once
// Request/answer pairing for framings where the client asks and the server answers: counting the
// messages of each direction of a connection and comparing them is the most direct sign that a
// reader glued or dropped messages ("5 requests, 1 answer"), or that an answer never came.
//
// Framings whose exchanges have a known shape take part: by a table of expanded specs, DNS over
// TCP and the article's struct / json-header exchanges (one request, one answer); and framings
// that count their own exchanges (Framing::exchanges: pgsql's queries, Syncs and
// ReadyForQuery, resp's commands and replies, http's requests and final responses, ...). Captured
// segments are what the wire carried, not what the application read: requests that arrived as
// separate whole segments may still reach the server glued by one recv(); a short answer count is
// then the sign, and the text says so.

#include "dissectors/engine.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace sniff::dissect {

// Messages per exchange in each direction.
struct PairShape {
    std::uint32_t requests = 1; // c2s messages per exchange
    std::uint32_t answers = 1;  // s2c messages per exchange
};

// The shape of a framing's exchanges, or nullopt when it has none sniff knows (delimiters, raw,
// streaming protocols). `spec` is the engine's spec text (DirectionSummary::spec).
std::optional<PairShape> pair_shape(std::string_view spec);

struct Pairing {
    std::uint64_t requests = 0;         // c2s messages
    std::uint64_t answers = 0;          // s2c messages
    std::uint64_t expected_answers = 0; // what the requests call for
    bool requests_whole = false;        // every request came in a segment of its own
    bool agree() const { return answers == expected_answers; }
};

// The connection's pairing when both directions were framed with the same framing of a known
// shape; nullopt otherwise.
std::optional<Pairing> pair_messages(const DirectionSummary& c2s, const DirectionSummary& s2c);

// "3 requests, 3 answers"; on a difference, what it suggests, e.g. "5 requests, 1 answer (5
// expected): the requests came as 5 whole segments, so the server's reads glued them (segments are
// what the wire carried, not what the application read)".
std::string pairing_text(const Pairing& pairing);

// Said once in a report that pairs messages: where to see what the application read.
inline constexpr const char* k_wire_note =
    "segments are what the wire carried, not what the application read: run the program behind "
    "`sniff --proxy ... --rechunk N` (or under `sniff exec`) to see its reads";

} // namespace sniff::dissect
