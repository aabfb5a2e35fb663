#include "cli/values.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace sniff::cli {

namespace {

bool parse_decimal(const std::string& text, std::uint64_t& value) {
    const auto [end, code] = std::from_chars(text.data(), text.data() + text.size(), value);
    return !text.empty() && code == std::errc{} && end == text.data() + text.size();
}

std::string range_text(Range range) {
    return std::to_string(range.min) + ".." + std::to_string(range.max);
}

std::string size_text(std::uint64_t bytes) {
    constexpr const char* k_units[] = {"", "K", "M", "G"};
    int unit = 0;
    while (unit < 3 && bytes >= 1024 && bytes % 1024 == 0) {
        bytes /= 1024;
        ++unit;
    }
    return std::to_string(bytes) + k_units[unit];
}

} // namespace

std::string parse_count(const std::string& option, const std::string& text, Range range,
                        std::uint64_t& value) {
    std::uint64_t number = 0;
    if (!parse_decimal(text, number))
        return option + ": not a number: '" + text + "'";
    if (number < range.min || number > range.max)
        return option + ": " + text + " is outside " + range_text(range);
    value = number;
    return {};
}

std::string parse_size(const std::string& option, const std::string& text, Range range,
                       std::uint64_t& value) {
    std::string digits = text;
    std::uint64_t multiplier = 1;
    if (!digits.empty()) {
        switch (digits.back()) {
        case 'k':
        case 'K':
            multiplier = 1ull << 10;
            break;
        case 'm':
        case 'M':
            multiplier = 1ull << 20;
            break;
        case 'g':
        case 'G':
            multiplier = 1ull << 30;
            break;
        default:
            break;
        }
        if (multiplier != 1)
            digits.pop_back();
    }
    std::uint64_t number = 0;
    if (!parse_decimal(digits, number) || number > UINT64_MAX / multiplier)
        return option + ": not a size: '" + text + "'";
    number *= multiplier;
    if (number < range.min || number > range.max)
        return option + ": " + text + " is outside " + size_text(range.min) + ".." +
               size_text(range.max);
    value = number;
    return {};
}

std::string parse_seconds(const std::string& option, const std::string& text, double max_seconds,
                          double& value) {
    double seconds = 0;
    const auto [end, code] =
        std::from_chars(text.data(), text.data() + text.size(), seconds, std::chars_format::fixed);
    // fixed: no exponent, so no "1e999"; from_chars takes neither "inf" nor "nan" in this format.
    if (text.empty() || code != std::errc{} || end != text.data() + text.size() ||
        !std::isfinite(seconds) || seconds <= 0 || seconds > max_seconds) {
        char limit[32];
        std::snprintf(limit, sizeof limit, "%.0f", max_seconds);
        return option + ": not a number of seconds in (0, " + limit + "]: '" + text + "'";
    }
    value = seconds;
    return {};
}

} // namespace sniff::cli
