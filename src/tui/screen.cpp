#include "tui/screen.hpp"

#include <algorithm>

namespace sniff::tui {

std::u32string decode_utf8(std::string_view text) {
    std::u32string out;
    out.reserve(text.size());
    std::size_t i = 0;
    while (i < text.size()) {
        const auto lead = static_cast<unsigned char>(text[i]);
        int extra = 0;
        char32_t value = 0;
        if (lead < 0x80) {
            value = lead;
        } else if ((lead & 0xe0) == 0xc0) {
            extra = 1;
            value = lead & 0x1f;
        } else if ((lead & 0xf0) == 0xe0) {
            extra = 2;
            value = lead & 0x0f;
        } else if ((lead & 0xf8) == 0xf0) {
            extra = 3;
            value = lead & 0x07;
        } else {
            out += U'\uFFFD';
            ++i;
            continue;
        }
        if (i + static_cast<std::size_t>(extra) >= text.size()) { // sequence cut short
            out += U'\uFFFD';
            break;
        }
        bool valid = true;
        for (int k = 1; k <= extra; ++k) {
            const auto next = static_cast<unsigned char>(text[i + static_cast<std::size_t>(k)]);
            if ((next & 0xc0) != 0x80) {
                valid = false;
                break;
            }
            value = (value << 6) | (next & 0x3f);
        }
        if (!valid) {
            out += U'\uFFFD';
            ++i;
            continue;
        }
        // Control characters never reach the grid, whatever produced them.
        out += (value < 0x20 || value == 0x7f || (value >= 0x80 && value < 0xa0)) ? U'?' : value;
        i += static_cast<std::size_t>(extra) + 1;
    }
    return out;
}

std::string encode_utf8(char32_t ch) {
    std::string out;
    if (ch < 0x80) {
        out += static_cast<char>(ch);
    } else if (ch < 0x800) {
        out += static_cast<char>(0xc0 | (ch >> 6));
        out += static_cast<char>(0x80 | (ch & 0x3f));
    } else if (ch < 0x10000) {
        out += static_cast<char>(0xe0 | (ch >> 12));
        out += static_cast<char>(0x80 | ((ch >> 6) & 0x3f));
        out += static_cast<char>(0x80 | (ch & 0x3f));
    } else {
        out += static_cast<char>(0xf0 | (ch >> 18));
        out += static_cast<char>(0x80 | ((ch >> 12) & 0x3f));
        out += static_cast<char>(0x80 | ((ch >> 6) & 0x3f));
        out += static_cast<char>(0x80 | (ch & 0x3f));
    }
    return out;
}

int text_width(std::string_view text) {
    return static_cast<int>(decode_utf8(text).size());
}

Screen::Screen(int rows, int columns)
    : m_rows(std::max(rows, 1)), m_columns(std::max(columns, 1)),
      m_cells(static_cast<std::size_t>(m_rows) * static_cast<std::size_t>(m_columns)) {}

void Screen::clear() {
    std::fill(m_cells.begin(), m_cells.end(), Cell{});
}

void Screen::set(int row, int column, char32_t ch, Style style) {
    if (row < 0 || row >= m_rows || column < 0 || column >= m_columns)
        return;
    m_cells[static_cast<std::size_t>(row * m_columns + column)] = {ch, style};
}

int Screen::put(int row, int column, std::string_view text, Style style, int max_width) {
    const int limit = std::min(m_columns, column + std::max(max_width, 0));
    for (const char32_t ch : decode_utf8(text)) {
        if (column >= limit)
            break;
        set(row, column++, ch, style);
    }
    return column;
}

void Screen::fill(int row, int column, int width, char32_t ch, Style style) {
    for (int i = 0; i < width; ++i)
        set(row, column + i, ch, style);
}

const Cell& Screen::at(int row, int column) const {
    static const Cell k_blank{};
    if (row < 0 || row >= m_rows || column < 0 || column >= m_columns)
        return k_blank;
    return m_cells[static_cast<std::size_t>(row * m_columns + column)];
}

std::string Screen::row_text(int row) const {
    std::string out;
    for (int column = 0; column < m_columns; ++column)
        out += encode_utf8(at(row, column).ch);
    const auto last = out.find_last_not_of(' ');
    out.erase(last == std::string::npos ? 0 : last + 1);
    return out;
}

std::string Screen::text() const {
    std::string out;
    for (int row = 0; row < m_rows; ++row) {
        out += row_text(row);
        out += '\n';
    }
    return out;
}

} // namespace sniff::tui
