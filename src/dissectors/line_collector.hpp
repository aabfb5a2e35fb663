#pragma once
// The command line of a line-based protocol (memcached text, NATS, SMTP), collected across chunks
// with a bounded copy: the first k_line_keep bytes are kept for parsing, the rest only counted.
// Shared by the framings of those protocols; no allocation beyond the fixed buffer.

#include "util/byte_reader.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace sniff::dissect {

inline constexpr std::size_t k_line_keep = 1024;

class LineCollector {
public:
    // Takes bytes up to and including the next LF: returns how many bytes of `bytes` the line
    // used once it ended, nullopt when all of them were taken and the line goes on.
    std::optional<std::size_t> feed(util::Bytes bytes);
    // The line without its LF and a CR before it (its first k_line_keep bytes).
    std::string_view text() const;
    std::uint64_t length() const { return m_length; }   // bytes so far, LF included once ended
    bool cut() const { return m_length > k_line_keep; } // text() is not the whole line
    void reset() { m_length = 0; }

private:
    std::array<char, k_line_keep> m_keep{};
    std::uint64_t m_length = 0;
};

// The space-separated words of a line (at most `N`; the rest are ignored).
template <std::size_t N> struct Words {
    std::array<std::string_view, N> word{};
    std::size_t count = 0;
};
template <std::size_t N> Words<N> split_words(std::string_view line) {
    Words<N> words;
    std::size_t at = 0;
    while (at < line.size() && words.count < N) {
        const std::size_t start = line.find_first_not_of(" \t", at);
        if (start == std::string_view::npos)
            break;
        const std::size_t end = std::min(line.find_first_of(" \t", start), line.size());
        words.word[words.count++] = line.substr(start, end - start);
        at = end;
    }
    return words;
}

// A decimal count of bytes no larger than `max`, or nullopt.
std::optional<std::uint64_t> parse_size(std::string_view text, std::uint64_t max);
// ASCII case-insensitive equality (NATS and SMTP commands are case-insensitive).
bool equals_nocase(std::string_view a, std::string_view b);

} // namespace sniff::dissect
