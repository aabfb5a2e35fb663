#pragma once
// Small builders for a framing's header_json: fields of numbers and short texts from the wire,
// written without a JSON library on the per-message path. Wire text is first made printable ASCII
// (util::escape_text: no control byte or invalid UTF-8 survives), then quoted for JSON.

#include "util/escape.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace sniff::dissect {

// A JSON string literal holding `text` as escape_text shows it, at most `max_output` characters.
inline std::string json_quote(std::string_view text, std::size_t max_output = 200) {
    const std::string shown = util::escape_text(text, max_output);
    std::string out;
    out.reserve(shown.size() + 2);
    out += '"';
    for (const char c : shown) {
        if (c == '"' || c == '\\')
            out += '\\';
        out += c;
    }
    out += '"';
    return out;
}

// Appends `"key":value` to an object under construction (`out` starts with "{").
inline void json_field(std::string& out, std::string_view key, std::string_view raw_value) {
    if (out.size() > 1)
        out += ',';
    out += '"';
    out += key;
    out += "\":";
    out += raw_value;
}

inline void json_field(std::string& out, std::string_view key, std::uint64_t value) {
    json_field(out, key, std::string_view(std::to_string(value)));
}

inline void json_bool(std::string& out, std::string_view key, bool value) {
    json_field(out, key, std::string_view(value ? "true" : "false"));
}

} // namespace sniff::dissect
