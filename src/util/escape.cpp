#include "util/escape.hpp"

namespace sniff::util {

namespace {

void append_escaped(std::string& out, unsigned char byte) {
    static constexpr char k_hex[] = "0123456789abcdef";
    switch (byte) {
    case '\n':
        out += "\\n";
        return;
    case '\r':
        out += "\\r";
        return;
    case '\t':
        out += "\\t";
        return;
    case '\0':
        out += "\\0";
        return;
    case '\\':
        out += "\\\\";
        return;
    default:
        break;
    }
    if (byte >= 0x20 && byte < 0x7f) {
        out += static_cast<char>(byte);
        return;
    }
    out += "\\x";
    out += k_hex[byte >> 4];
    out += k_hex[byte & 0xf];
}

} // namespace

std::string escape_bytes(Bytes bytes, std::size_t max_output) {
    std::string out;
    out.reserve(std::min<std::size_t>(bytes.size(), max_output) + 8);
    for (const std::byte byte : bytes) {
        if (out.size() >= max_output) {
            out += "…";
            break;
        }
        append_escaped(out, std::to_integer<unsigned char>(byte));
    }
    return out;
}

std::string escape_text(std::string_view text, std::size_t max_output) {
    return escape_bytes(as_bytes(text.data(), text.size()), max_output);
}

} // namespace sniff::util
