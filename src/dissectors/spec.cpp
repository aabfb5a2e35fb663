// Parser and printer of the framing spec language (grammar in dissectors/spec.hpp).

#include "dissectors/spec.hpp"

#include <array>
#include <charconv>
#include <limits>

namespace sniff::dissect {

namespace {

struct Part {
    std::string_view text;
    std::size_t position = 0; // in the whole spec
};

class SpecParser {
public:
    explicit SpecParser(std::string_view whole) : m_whole(whole) {}

    SpecError error(std::string_view family, std::string_view what, const Part& part) const {
        SpecError err;
        err.position = part.position;
        err.message = std::string(family) + ": " + std::string(what) + " '" +
                      std::string(part.text) + "' at position " + std::to_string(part.position) +
                      " in '" + std::string(m_whole) + "'";
        return err;
    }

    // Splits "a,b=c" into parts with their positions; `start` is where params begin.
    std::vector<Part> split(std::string_view params, std::size_t start) const {
        std::vector<Part> parts;
        std::size_t begin = 0;
        for (std::size_t i = 0; i <= params.size(); ++i) {
            if (i == params.size() || params[i] == ',') {
                parts.push_back({params.substr(begin, i - begin), start + begin});
                begin = i + 1;
            }
        }
        return parts;
    }

private:
    std::string_view m_whole;
};

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

int hex_digit(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

// Decodes C escapes; false on a bad escape.
bool unescape(std::string_view text, std::string& out) {
    out.clear();
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '\\') {
            out += text[i];
            continue;
        }
        if (++i == text.size())
            return false;
        switch (text[i]) {
        case 'n':
            out += '\n';
            break;
        case 'r':
            out += '\r';
            break;
        case 't':
            out += '\t';
            break;
        case '0':
            out += '\0';
            break;
        case '\\':
            out += '\\';
            break;
        case 'x': {
            const int high = i + 1 < text.size() ? hex_digit(text[i + 1]) : -1;
            const int low = i + 2 < text.size() ? hex_digit(text[i + 2]) : -1;
            if (high < 0 || low < 0)
                return false;
            out += static_cast<char>(high * 16 + low);
            i += 2;
            break;
        }
        default:
            return false;
        }
    }
    return true;
}

std::pair<std::string_view, std::string_view> key_value(std::string_view part) {
    const auto eq = part.find('=');
    if (eq == std::string_view::npos)
        return {part, {}};
    return {part.substr(0, eq), part.substr(eq + 1)};
}

bool parse_max(std::string_view value, std::uint64_t& out) {
    return parse_unsigned(value, out) && out >= 1 && out <= k_largest_max;
}

SpecResult parse_len(const SpecParser& parser, const std::vector<Part>& parts) {
    FramingSpec spec;
    spec.family = Family::len;
    for (const Part& part : parts) {
        const auto [key, value] = key_value(part.text);
        std::uint64_t number = 0;
        if (key == "be" || key == "le") {
            spec.little_endian = key == "le";
        } else if (key == "signed") {
            spec.is_signed = true;
        } else if (key == "off") {
            if (!parse_unsigned(value, number) || number > 64)
                return parser.error("len", "offset must be 0..64, not", part);
            spec.off = static_cast<std::uint32_t>(number);
        } else if (key == "size") {
            if (value == "varint")
                spec.size = 0;
            else if (parse_unsigned(value, number) &&
                     (number == 1 || number == 2 || number == 3 || number == 4 || number == 8))
                spec.size = static_cast<std::uint8_t>(number);
            else
                return parser.error("len", "size must be 1, 2, 3, 4, 8 or varint, not", part);
        } else if (key == "adj") {
            if (!parse_signed(value, spec.adj))
                return parser.error("len", "bad adjustment", part);
        } else if (key == "max") {
            if (!parse_max(value, spec.max))
                return parser.error("len", "max must be 1..2^40, not", part);
        } else {
            return parser.error("len", "unknown key", part);
        }
    }
    if (spec.size == 0 && spec.is_signed)
        return parser.error("len", "a varint length cannot be signed:", {"signed", 0});
    // Byte order means nothing for one byte or a varint, and to_string leaves it out: drop it
    // here so parse_spec(to_string(s)) == s holds (found by fuzz/spec_parser_fuzz.cpp).
    if (spec.size <= 1)
        spec.little_endian = false;
    return spec;
}

SpecResult parse_json(const SpecParser& parser, const std::vector<Part>& parts) {
    FramingSpec spec;
    spec.family = Family::json;
    for (const Part& part : parts) {
        const auto [key, value] = key_value(part.text);
        std::uint64_t number = 0;
        if (key == "be" || key == "le") {
            spec.little_endian = key == "le";
        } else if (key == "size") {
            if (!parse_unsigned(value, number) ||
                (number != 1 && number != 2 && number != 4 && number != 8))
                return parser.error("json", "size must be 1, 2, 4 or 8, not", part);
            spec.size = static_cast<std::uint8_t>(number);
        } else if (key == "field") {
            if (value.empty())
                return parser.error("json", "empty field name", part);
            spec.field = std::string(value);
        } else if (key == "max") {
            if (!parse_max(value, spec.max))
                return parser.error("json", "max must be 1..2^40, not", part);
        } else if (key == "hmax") {
            if (!parse_max(value, spec.header_max))
                return parser.error("json", "hmax must be 1..2^40, not", part);
        } else {
            return parser.error("json", "unknown key", part);
        }
    }
    return spec;
}

SpecResult parse_delim(const SpecParser& parser, const std::vector<Part>& parts) {
    FramingSpec spec;
    spec.family = Family::delim;
    spec.max = k_default_delim_max;
    if (!unescape(parts.front().text, spec.bytes) || spec.bytes.empty() || spec.bytes.size() > 64)
        return parser.error("delim", "separator must be 1..64 bytes with valid escapes, not",
                            parts.front());
    for (std::size_t i = 1; i < parts.size(); ++i) {
        const auto [key, value] = key_value(parts[i].text);
        if (key != "max")
            return parser.error("delim", "unknown key", parts[i]);
        if (!parse_max(value, spec.max))
            return parser.error("delim", "max must be 1..2^40, not", parts[i]);
    }
    return spec;
}

SpecResult parse_ascii_or_pgsql(const SpecParser& parser, const std::vector<Part>& parts,
                                Family family) {
    FramingSpec spec;
    spec.family = family;
    const char* name = family == Family::pgsql ? "pgsql" : "ascii-len";
    for (const Part& part : parts) {
        const auto [key, value] = key_value(part.text);
        if (key == "max") {
            if (!parse_max(value, spec.max))
                return parser.error(name, "max must be 1..2^40, not", part);
        } else if (family == Family::ascii_len && key == "ack") {
            if (!unescape(value, spec.bytes) || spec.bytes.size() > 64)
                return parser.error(name, "ack must be 0..64 bytes with valid escapes, not", part);
        } else if (family == Family::ascii_len && key == "noack") {
            spec.bytes.clear();
        } else {
            return parser.error(name, "unknown key", part);
        }
    }
    return spec;
}

// http, websocket and http2: max (and hmax for http) only.
SpecResult parse_web(const SpecParser& parser, const std::vector<Part>& parts, Family family,
                     std::string_view name) {
    FramingSpec spec;
    spec.family = family;
    spec.max = family == Family::http2 ? k_default_http2_max : k_default_http_max;
    for (const Part& part : parts) {
        const auto [key, value] = key_value(part.text);
        if (key == "max") {
            if (!parse_max(value, spec.max) ||
                (family == Family::http2 && spec.max > k_default_http2_max))
                return parser.error(name, "max must be 1..2^40 (2^24-1 for http2), not", part);
        } else if (family == Family::http && key == "hmax") {
            if (!parse_max(value, spec.header_max))
                return parser.error(name, "hmax must be 1..2^40, not", part);
        } else {
            return parser.error(name, "unknown key", part);
        }
    }
    return spec;
}

struct WebFamily {
    std::string_view name;
    Family family;
};

constexpr std::array<WebFamily, 3> k_web_families{{
    {"http", Family::http},
    {"websocket", Family::websocket},
    {"http2", Family::http2},
}};

SpecResult parse_family(std::string_view text) {
    const SpecParser parser(text);
    const auto colon = text.find(':');
    const std::string_view name = text.substr(0, colon);
    const std::string_view params =
        colon == std::string_view::npos ? std::string_view{} : text.substr(colon + 1);
    const std::vector<Part> parts =
        params.empty() ? std::vector<Part>{} : parser.split(params, colon + 1);
    if (name == "raw" || name == "auto") {
        if (colon != std::string_view::npos)
            return parser.error(name, "takes no parameters:", {params, colon + 1});
        FramingSpec spec;
        spec.family = name == "raw" ? Family::raw : Family::auto_detect;
        return spec;
    }
    if (name == "len")
        return parse_len(parser, parts);
    if (name == "json")
        return parse_json(parser, parts);
    if (name == "delim") {
        if (params.empty())
            return parser.error("delim", "needs a separator, e.g. delim:\\n; got", {text, 0});
        return parse_delim(parser, parts);
    }
    if (name == "ascii-len")
        return parse_ascii_or_pgsql(parser, parts, Family::ascii_len);
    if (name == "pgsql")
        return parse_ascii_or_pgsql(parser, parts, Family::pgsql);
    for (const WebFamily& web : k_web_families)
        if (name == web.name)
            return parse_web(parser, parts, web.family, web.name);
    SpecError err;
    err.message = "unknown framing '" + std::string(name) + "' at position 0 in '" +
                  std::string(text) +
                  "' (families: raw, auto, len:, json:, delim:, ascii-len, pgsql, http, websocket, "
                  "http2; or a preset, "
                  "see --list-framings)";
    return err;
}

} // namespace

const std::vector<Preset>& preset_list() {
    static const std::vector<Preset> k_presets{
        {"struct", "len:size=4,le,signed", "the article's struct.pack('i', n) header"},
        {"json-header", "json:size=4,le", "the article's 4-byte header length, JSON header, body"},
        {"ascii-len", "ascii-len:ack=ready",
         "the article's decimal length, peer's 'ready' (optional \\n or \\r\\n), body"},
        {"dns-tcp", "len:size=2,be", "DNS over TCP (RFC 1035 4.2.2)"},
        {"tls", "len:off=3,size=2,be", "TLS records (RFC 8446 5.1)"},
        {"pgsql", "pgsql", "PostgreSQL: untyped startup, 'N'/'S' SSL answer, then typed"},
        {"mysql", "len:size=3,le,adj=1", "MySQL packets: 3-byte length, sequence id"},
        {"kafka", "len:size=4,be", "Kafka requests and responses"},
        {"memcache-bin", "len:off=8,size=4,be,adj=12", "memcached binary protocol"},
        {"mqtt", "len:off=1,size=varint", "MQTT remaining length"},
        {"lines", "delim:\\n", "newline-terminated lines"},
        {"crlf", "delim:\\r\\n", "CRLF-terminated lines (SMTP, Redis RESP lines)"},
        {"http", "http", "HTTP/1.x, responses paired with requests, then any upgrade"},
        {"websocket", "websocket", "WebSocket frames (RFC 6455), fragmented messages"},
        {"http2", "http2", "HTTP/2 preface and frames, stream ids (cleartext h2c)"},
    };
    return k_presets;
}

SpecResult parse_spec(std::string_view text) {
    for (const Preset& preset : preset_list())
        if (text == preset.name)
            return parse_family(preset.expansion);
    return parse_family(text);
}

std::string escape_spec_bytes(std::string_view bytes) {
    static constexpr char k_hex[] = "0123456789abcdef";
    std::string out;
    for (const char c : bytes) {
        const auto byte = static_cast<unsigned char>(c);
        switch (byte) {
        case '\n':
            out += "\\n";
            continue;
        case '\r':
            out += "\\r";
            continue;
        case '\t':
            out += "\\t";
            continue;
        case '\0':
            out += "\\0";
            continue;
        case '\\':
            out += "\\\\";
            continue;
        default:
            break;
        }
        if (byte > 0x20 && byte < 0x7f && byte != ',' && byte != '=') {
            out += c;
        } else {
            out += "\\x";
            out += k_hex[byte >> 4];
            out += k_hex[byte & 0xf];
        }
    }
    return out;
}

std::string to_string(const FramingSpec& spec) {
    const auto max_part = [&](std::uint64_t fallback) {
        return spec.max == fallback ? std::string{} : ",max=" + std::to_string(spec.max);
    };
    switch (spec.family) {
    case Family::raw:
        return "raw";
    case Family::auto_detect:
        return "auto";
    case Family::len: {
        std::string out = "len:";
        if (spec.off != 0)
            out += "off=" + std::to_string(spec.off) + ",";
        out += spec.size == 0 ? "size=varint" : "size=" + std::to_string(spec.size);
        if (spec.size > 1)
            out += spec.little_endian ? ",le" : ",be";
        if (spec.is_signed)
            out += ",signed";
        if (spec.adj != 0)
            out += ",adj=" + std::string(spec.adj > 0 ? "+" : "") + std::to_string(spec.adj);
        return out + max_part(k_default_max);
    }
    case Family::json: {
        std::string out = "json:size=" + std::to_string(spec.size);
        out += spec.little_endian ? ",le" : ",be";
        if (!spec.field.empty())
            out += ",field=" + spec.field;
        if (spec.header_max != k_default_json_header_max)
            out += ",hmax=" + std::to_string(spec.header_max);
        return out + max_part(k_default_max);
    }
    case Family::delim:
        return "delim:" + escape_spec_bytes(spec.bytes) + max_part(k_default_delim_max);
    case Family::ascii_len: {
        std::string out = spec.bytes.empty() ? "ascii-len:noack"
                                             : "ascii-len:ack=" + escape_spec_bytes(spec.bytes);
        return out + max_part(k_default_max);
    }
    case Family::pgsql: {
        const std::string max = max_part(k_default_max);
        return max.empty() ? "pgsql" : "pgsql:" + max.substr(1);
    }
    case Family::http:
    case Family::websocket:
    case Family::http2: {
        std::string params =
            max_part(spec.family == Family::http2 ? k_default_http2_max : k_default_http_max);
        if (spec.family == Family::http && spec.header_max != k_default_json_header_max)
            params += ",hmax=" + std::to_string(spec.header_max);
        std::string name(spec.family == Family::http        ? "http"
                         : spec.family == Family::websocket ? "websocket"
                                                            : "http2");
        return params.empty() ? name : name + ":" + params.substr(1);
    }
    }
    return "raw";
}

} // namespace sniff::dissect
