// The shared pieces of the spec parsers (see spec_parts.hpp).

#include "dissectors/spec_parts.hpp"

#include <charconv>
#include <limits>

namespace sniff::dissect {

SpecError SpecParser::error(std::string_view family, std::string_view what,
                            const SpecPart& part) const {
    SpecError err;
    err.position = part.position;
    err.message = std::string(family) + ": " + std::string(what) + " '" + std::string(part.text) +
                  "' at position " + std::to_string(part.position) + " in '" +
                  std::string(m_whole) + "'";
    return err;
}

std::vector<SpecPart> SpecParser::split(std::string_view params, std::size_t start) const {
    std::vector<SpecPart> parts;
    std::size_t begin = 0;
    for (std::size_t i = 0; i <= params.size(); ++i) {
        if (i == params.size() || params[i] == ',') {
            parts.push_back({params.substr(begin, i - begin), start + begin});
            begin = i + 1;
        }
    }
    return parts;
}

bool parse_unsigned(std::string_view text, std::uint64_t& out) {
    std::uint64_t scale = 1;
    if (!text.empty()) {
        const char unit = text.back();
        if (unit == 'k' || unit == 'K')
            scale = 1ull << 10;
        else if (unit == 'm' || unit == 'M')
            scale = 1ull << 20;
        else if (unit == 'g' || unit == 'G')
            scale = 1ull << 30;
        if (scale != 1)
            text.remove_suffix(1);
    }
    std::uint64_t value = 0;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || ptr != text.data() + text.size() || text.empty())
        return false;
    if (value > std::numeric_limits<std::uint64_t>::max() / scale)
        return false;
    out = value * scale;
    return true;
}

bool parse_signed(std::string_view text, std::int64_t& out) {
    bool negative = false;
    if (!text.empty() && (text[0] == '+' || text[0] == '-')) {
        negative = text[0] == '-';
        text.remove_prefix(1);
    }
    std::uint64_t magnitude = 0;
    // Adjustments are small in every real protocol; 2^32 keeps total arithmetic exact.
    if (!parse_unsigned(text, magnitude) || magnitude > (1ull << 32))
        return false;
    out = negative ? -static_cast<std::int64_t>(magnitude) : static_cast<std::int64_t>(magnitude);
    return true;
}

bool parse_max(std::string_view value, std::uint64_t& out) {
    return parse_unsigned(value, out) && out >= 1 && out <= k_largest_max;
}

namespace {

int hex_digit(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

// The byte a one-letter escape stands for, or -1.
int simple_escape(char letter) {
    switch (letter) {
    case 'n':
        return '\n';
    case 'r':
        return '\r';
    case 't':
        return '\t';
    case '0':
        return '\0';
    case '\\':
        return '\\';
    default:
        return -1;
    }
}

} // namespace

bool unescape(std::string_view text, std::string& out) {
    out.clear();
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '\\') {
            out += text[i];
            continue;
        }
        if (++i == text.size())
            return false;
        if (text[i] != 'x') {
            const int byte = simple_escape(text[i]);
            if (byte < 0)
                return false;
            out += static_cast<char>(byte);
            continue;
        }
        const int high = i + 1 < text.size() ? hex_digit(text[i + 1]) : -1;
        const int low = i + 2 < text.size() ? hex_digit(text[i + 2]) : -1;
        if (high < 0 || low < 0)
            return false;
        out += static_cast<char>(high * 16 + low);
        i += 2;
    }
    return true;
}

std::pair<std::string_view, std::string_view> key_value(std::string_view part) {
    const auto eq = part.find('=');
    if (eq == std::string_view::npos)
        return {part, {}};
    return {part.substr(0, eq), part.substr(eq + 1)};
}

std::string max_suffix(const FramingSpec& spec, std::uint64_t fallback) {
    return spec.max == fallback ? std::string{} : ",max=" + std::to_string(spec.max);
}

SpecResult parse_max_only(const SpecParser& parser, std::span<const SpecPart> parts, Family family,
                          std::string_view name, std::uint64_t fallback) {
    FramingSpec spec;
    spec.family = family;
    spec.max = fallback;
    for (const SpecPart& part : parts) {
        const auto [key, value] = key_value(part.text);
        if (key != "max")
            return parser.error(name, "unknown key", part);
        if (!parse_max(value, spec.max))
            return parser.error(name, "max must be 1..2^40, not", part);
    }
    return spec;
}

std::string print_max_only(const FramingSpec& spec, std::string_view name, std::uint64_t fallback) {
    const std::string max = max_suffix(spec, fallback);
    return max.empty() ? std::string(name) : std::string(name) + ":" + max.substr(1);
}

} // namespace sniff::dissect
