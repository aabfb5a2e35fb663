#pragma once
// One JSON Lines object written field by field, for the events there are millions of (a message
// per Redis line): no JSON tree, no allocation per field. The text is ASCII, as JsonEventWriter's:
// control characters and anything outside ASCII are \u escapes, so a line is safe on a terminal.

#include "model/flow.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace sniff::output {

class JsonLine {
public:
    JsonLine() = default;
    // Continues an object begun by another JsonLine (e.g. cached flow fields); see text().
    explicit JsonLine(std::string begun) : m_text(std::move(begun)) {}

    JsonLine& field(std::string_view key, std::uint64_t value);
    JsonLine& field(std::string_view key, std::string_view text);
    JsonLine& field(std::string_view key, const char* text) {
        return field(key, std::string_view(text));
    }
    JsonLine& field(std::string_view key, bool value);
    // Nanoseconds as seconds with nine decimals (exact, unlike a double).
    JsonLine& seconds(std::string_view key, model::Timestamp time);
    // A value that is JSON text already (an array, a nested object).
    JsonLine& raw(std::string_view key, std::string_view json);

    // The object so far, without its closing brace (to continue it elsewhere).
    const std::string& text() const { return m_text; }
    // The finished line: the object and its closing brace.
    std::string finish() const { return m_text + "}"; }

private:
    void key(std::string_view name);
    void string(std::string_view text);

    std::string m_text = "{";
};

} // namespace sniff::output
