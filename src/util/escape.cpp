#include "util/escape.hpp"

#include <algorithm>

namespace sniff::util {

namespace {

constexpr char k_hex[] = "0123456789abcdef";

// Writes the escape of one byte at out; returns the characters written (1 to 4).
std::size_t escape_one(unsigned char byte, char* out) {
    switch (byte) {
    case '\n':
        out[0] = '\\', out[1] = 'n';
        return 2;
    case '\r':
        out[0] = '\\', out[1] = 'r';
        return 2;
    case '\t':
        out[0] = '\\', out[1] = 't';
        return 2;
    case '\0':
        out[0] = '\\', out[1] = '0';
        return 2;
    case '\\':
        out[0] = '\\', out[1] = '\\';
        return 2;
    default:
        break;
    }
    if (byte >= 0x20 && byte < 0x7f) {
        out[0] = static_cast<char>(byte);
        return 1;
    }
    out[0] = '\\';
    out[1] = 'x';
    out[2] = k_hex[byte >> 4];
    out[3] = k_hex[byte & 0xf];
    return 4;
}

} // namespace

// Called for every message preview on the dissection hot path: one allocation, no per-character
// appends. At most max_output + 1 bytes are looked at, each giving at most 4 characters.
std::string escape_bytes(Bytes bytes, std::size_t max_output) {
    const std::size_t looked_at =
        std::min(bytes.size(), max_output == SIZE_MAX ? bytes.size() : max_output + 1);
    std::string out(looked_at * 4 + 4, '\0');
    char* const start = out.data();
    char* write = start;
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        if (static_cast<std::size_t>(write - start) >= max_output) {
            static constexpr char k_ellipsis[] = "…";
            for (std::size_t j = 0; j + 1 < sizeof k_ellipsis; ++j)
                *write++ = k_ellipsis[j];
            break;
        }
        write += escape_one(std::to_integer<unsigned char>(bytes[i]), write);
    }
    out.resize(static_cast<std::size_t>(write - start));
    return out;
}

std::string escape_text(std::string_view text, std::size_t max_output) {
    return escape_bytes(as_bytes(text.data(), text.size()), max_output);
}

} // namespace sniff::util
