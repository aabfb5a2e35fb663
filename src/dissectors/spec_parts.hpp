#pragma once
// The toolkit a family's spec parser is written with: the parameter parts of "name:a,b=c" with
// their positions, errors that point at a part, and the number and escape readers every family
// shares. Used by the registry (family_registry.cpp) and by each family's own file.

#include "dissectors/spec.hpp"

#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sniff::dissect {

struct SpecPart {
    std::string_view text;
    std::size_t position = 0; // in the whole spec
};

class SpecParser {
public:
    explicit SpecParser(std::string_view whole) : m_whole(whole) {}

    // "family: what 'part' at position N in 'whole spec'".
    SpecError error(std::string_view family, std::string_view what, const SpecPart& part) const;
    // Splits "a,b=c" into parts with their positions; `start` is where the parameters begin.
    std::vector<SpecPart> split(std::string_view params, std::size_t start) const;
    std::string_view whole() const { return m_whole; }

private:
    std::string_view m_whole;
};

// Decimal with an optional k/M/G suffix (powers of 1024); false on anything else or overflow.
bool parse_unsigned(std::string_view text, std::uint64_t& out);
// ±decimal (suffixes allowed), magnitude at most 2^32.
bool parse_signed(std::string_view text, std::int64_t& out);
// A max= value: 1..k_largest_max.
bool parse_max(std::string_view value, std::uint64_t& out);
// Decodes the C escapes \n \r \t \0 \\ \xNN; false on a bad escape.
bool unescape(std::string_view text, std::string& out);
// "key=value" → {key, value}; "key" → {key, ""}.
std::pair<std::string_view, std::string_view> key_value(std::string_view part);

// ",max=N" when spec.max differs from `fallback`, else empty (printers append it).
std::string max_suffix(const FramingSpec& spec, std::uint64_t fallback);

// The parser of families whose only parameter is max= (resp, nats, ...): the family's name is
// used in errors, `fallback` is its default max.
SpecResult parse_max_only(const SpecParser& parser, std::span<const SpecPart> parts, Family family,
                          std::string_view name, std::uint64_t fallback);
// Their printer: "name" or "name:max=N".
std::string print_max_only(const FramingSpec& spec, std::string_view name, std::uint64_t fallback);

} // namespace sniff::dissect
