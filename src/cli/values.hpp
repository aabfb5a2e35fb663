#pragma once
// The kinds of value an option takes, each parsed by one function with its range: a plain
// count, a size with a K/M/G suffix, a number of seconds. Anything outside the range, and
// anything that is not a finite number (inf, nan, 1e999), is a usage error naming the option.

#include <cstdint>
#include <optional>
#include <string>

namespace sniff::cli {

struct Range {
    std::uint64_t min = 0;
    std::uint64_t max = UINT64_MAX;
};

// A decimal count without suffix ("20", not "20K"). Returns the error text, or empty.
std::string parse_count(const std::string& option, const std::string& text, Range range,
                        std::uint64_t& value);
// A byte size, optionally with a K, M or G suffix (powers of 1024).
std::string parse_size(const std::string& option, const std::string& text, Range range,
                       std::uint64_t& value);
// Seconds as a decimal number (0.5, 30), more than 0 and at most max_seconds.
std::string parse_seconds(const std::string& option, const std::string& text, double max_seconds,
                          double& value);

} // namespace sniff::cli
