// Bounded command-line collection for the line-based framings (see line_collector.hpp).

#include "dissectors/line_collector.hpp"

#include <algorithm>
#include <cstring>

namespace sniff::dissect {

std::optional<std::size_t> LineCollector::feed(util::Bytes bytes) {
    const auto* data = reinterpret_cast<const char*>(bytes.data());
    const void* lf = std::memchr(data, '\n', bytes.size());
    const std::size_t take =
        lf == nullptr ? bytes.size()
                      : static_cast<std::size_t>(static_cast<const char*>(lf) - data) + 1;
    if (m_length < k_line_keep) {
        const std::size_t room = static_cast<std::size_t>(k_line_keep - m_length);
        std::memcpy(m_keep.data() + m_length, data, std::min(room, take));
    }
    m_length += take;
    if (lf == nullptr)
        return std::nullopt;
    return take;
}

std::string_view LineCollector::text() const {
    std::string_view line(m_keep.data(),
                          static_cast<std::size_t>(std::min<std::uint64_t>(m_length, k_line_keep)));
    if (!cut() && !line.empty() && line.back() == '\n')
        line.remove_suffix(1);
    if (!cut() && !line.empty() && line.back() == '\r')
        line.remove_suffix(1);
    return line;
}

std::optional<std::uint64_t> parse_size(std::string_view text, std::uint64_t max) {
    if (text.empty() || text.size() > 20)
        return std::nullopt;
    std::uint64_t value = 0;
    for (const char c : text) {
        if (c < '0' || c > '9')
            return std::nullopt;
        // value <= max <= 2^40 before each step: no overflow.
        value = value * 10 + static_cast<std::uint64_t>(c - '0');
        if (value > max)
            return std::nullopt;
    }
    return value;
}

bool equals_nocase(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? char(c + 32) : c; };
               return lower(x) == lower(y);
           });
}

} // namespace sniff::dissect
