#pragma once
// Framing-aware parts of a compared message that `--ignore [N:]resp:K` leaves out: the Kth
// element (1-based) of a RESP aggregate (array *, set ~, push >; a map's % keys and values count
// one by one), in message N or in every compared message. Such a field (a timestamp, an id) may
// have another length in the live answer than in the captured one, so the comparison skips its
// bytes in each message separately and compares what is left (compare.hpp).
//
// The message bytes are untrusted: elements are found with the resp framing's own RespScan
// (counts, lengths and depth bounded), the header line through a ByteReader; a message that is
// not an aggregate, or whose element is not whole in it, gives no range for that element.

#include "replay/compare.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sniff::replay {

struct IgnoredField {
    std::optional<std::uint64_t> message; // 1-based, as the report numbers them; none = every
    std::uint64_t element = 0;            // 1-based
};

// "resp:K" or "N:resp:K"; false and an error text otherwise.
bool parse_ignored_field(const std::string& text, IgnoredField& out, std::string& error);

// The byte ranges of `message` (the compared side's message number `number`, 1-based) that the
// fields name, in order and apart. Empty when none applies or none is found.
std::vector<IgnoredBytes> resp_field_ranges(util::Bytes message, std::uint64_t number,
                                            const std::vector<IgnoredField>& fields);

} // namespace sniff::replay
