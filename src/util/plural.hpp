#pragma once
// Counts in words with the noun agreeing: "1 segment", "2 segments", "0 messages".

#include <cstdint>
#include <string>
#include <string_view>

namespace sniff::util {

// `count` followed by `singular`, or by `plural` (default: singular + "s") unless count is 1.
inline std::string counted(std::uint64_t count, std::string_view singular,
                           std::string_view plural = {}) {
    std::string text = std::to_string(count) + ' ';
    if (count == 1)
        text += singular;
    else if (!plural.empty())
        text += plural;
    else
        (text += singular) += 's';
    return text;
}

// The noun alone, for headers that print the number elsewhere.
inline std::string_view noun(std::uint64_t count, std::string_view singular,
                             std::string_view plural) {
    return count == 1 ? singular : plural;
}

} // namespace sniff::util
