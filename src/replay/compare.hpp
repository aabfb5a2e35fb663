#pragma once
// Comparing what the live peer sent with what the capture says it sent, one message (or, without
// a framing, one captured turn) at a time. Bytes the user says always differ (--ignore-bytes
// OFF:LEN: ids, timestamps) are skipped; an answer the user names (--ignore N) is not compared;
// a framing's field (--ignore resp:K, fields.hpp) is cut out of each message before the rest is
// compared, since its length may differ.

#include "util/byte_reader.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sniff::replay {

enum class Verdict : std::uint8_t { equal, different, missing, extra, ignored };
const char* verdict_name(Verdict verdict);

// Bytes [offset, offset + length) of every compared message are not compared.
struct IgnoredBytes {
    std::uint64_t offset = 0;
    std::uint64_t length = 0;
};

struct Comparison {
    std::size_t index = 0; // 0, 1, ... over the compared side's messages
    Verdict verdict = Verdict::equal;
    std::uint64_t expected_length = 0;
    std::uint64_t got_length = 0;
    // different: the first differing byte (relative to the captured message); a length difference
    // counts at the shorter one's end.
    std::optional<std::uint64_t> first_difference;
    std::string expected; // escaped excerpt around the first difference (or the start)
    std::string got;
};

// Compares one message; expected or got is null for a missing or an extra one. expected_cut and
// got_cut: ranges of each message (in order, apart) left out, the rest compared as if joined;
// `ignored` then counts in the captured message's positions.
Comparison compare_message(std::size_t index, const util::Bytes* expected, const util::Bytes* got,
                           const std::vector<IgnoredBytes>& ignored,
                           const std::vector<IgnoredBytes>& expected_cut = {},
                           const std::vector<IgnoredBytes>& got_cut = {});

// Counts of a replay's comparisons, for the summary line and event.
struct Tally {
    std::uint64_t equal = 0;
    std::uint64_t different = 0;
    std::uint64_t missing = 0;
    std::uint64_t extra = 0;
    std::uint64_t ignored = 0;
    void add(Verdict verdict);
    bool all_equal() const { return different == 0 && missing == 0 && extra == 0; }
};

// "OFF:LEN" (decimal); false and an error text otherwise.
bool parse_ignored_bytes(const std::string& text, IgnoredBytes& out, std::string& error);

} // namespace sniff::replay
