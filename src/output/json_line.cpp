#include "output/json_line.hpp"

#include <algorithm>
#include <charconv>
#include <cinttypes>
#include <cstdio>
#include <nlohmann/json.hpp>

namespace sniff::output {

void JsonLine::key(std::string_view name) {
    if (m_text.size() > 1)
        m_text += ',';
    string(name);
    m_text += ':';
}

void JsonLine::string(std::string_view text) {
    if (std::any_of(text.begin(), text.end(),
                    [](char c) { return static_cast<unsigned char>(c) >= 0x80; })) {
        // Not ASCII: nlohmann decodes the UTF-8 into \u escapes (and replaces bad bytes),
        // exactly as JsonEventWriter::write does. Rare: previews and reasons are escaped.
        m_text +=
            nlohmann::json(text).dump(-1, ' ', true, nlohmann::json::error_handler_t::replace);
        return;
    }
    m_text += '"';
    std::size_t run = 0; // start of the plain bytes not yet appended
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        const auto byte = static_cast<unsigned char>(c);
        if (byte >= 0x20 && byte != 0x7f && c != '"' && c != '\\')
            continue;
        m_text.append(text.substr(run, i - run));
        if (c == '"' || c == '\\') {
            m_text += '\\';
            m_text += c;
        } else {
            char escaped[8];
            std::snprintf(escaped, sizeof escaped, "\\u%04x", byte);
            m_text += escaped;
        }
        run = i + 1;
    }
    m_text.append(text.substr(run));
    m_text += '"';
}

JsonLine& JsonLine::field(std::string_view name, std::uint64_t value) {
    key(name);
    char digits[24];
    const auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
    m_text.append(digits, static_cast<std::size_t>(end - digits));
    return *this;
}

JsonLine& JsonLine::field(std::string_view name, std::string_view text) {
    key(name);
    string(text);
    return *this;
}

JsonLine& JsonLine::field(std::string_view name, bool value) {
    key(name);
    m_text += value ? "true" : "false";
    return *this;
}

JsonLine& JsonLine::seconds(std::string_view name, model::Timestamp time) {
    key(name);
    const bool negative = time < 0;
    const std::uint64_t magnitude =
        negative ? 0 - static_cast<std::uint64_t>(time) : static_cast<std::uint64_t>(time);
    char text[40];
    const int length =
        std::snprintf(text, sizeof text, "%s%" PRIu64 ".%09" PRIu64, negative ? "-" : "",
                      magnitude / 1'000'000'000u, magnitude % 1'000'000'000u);
    m_text.append(text, static_cast<std::size_t>(length));
    return *this;
}

JsonLine& JsonLine::raw(std::string_view name, std::string_view json) {
    key(name);
    m_text += json;
    return *this;
}

} // namespace sniff::output
