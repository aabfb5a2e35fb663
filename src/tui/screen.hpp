#pragma once
// A plain character grid that panes draw into: rows of cells, each one column wide, holding a
// code point and a style. Panes never touch the terminal, so they are tested by reading a
// Screen; terminal.cpp paints a Screen with ncurses.
//
// Only sniff's own text goes in (labels, marks, and network bytes after util::escape), so every
// code point is printable and one column wide.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sniff::tui {

// What a cell means; the terminal maps each style to a colour pair, or in monochrome to
// reverse/bold/underline. Marks are distinct characters as well, so no boundary relies on colour.
enum class Style : std::uint8_t {
    normal,
    dim,
    title,    // header and status bars
    selected, // the selected row or cursor byte
    seg_a,    // segment lane, even segments
    seg_b,    // segment lane, odd segments
    msg_a,    // message lane, even messages
    msg_b,    // message lane, odd messages
    escape,   // escaped bytes (\n, \xNN) in the text lane
    gap,      // missing bytes
    bad,      // malformed / truncated messages, anomalies
    error,    // error text in the status line
    focus,    // the title of the focused pane
    count_
};

struct Cell {
    char32_t ch = U' ';
    Style style = Style::normal;
    bool operator==(const Cell&) const = default;
};

class Screen {
public:
    Screen(int rows, int columns);

    int rows() const { return m_rows; }
    int columns() const { return m_columns; }

    // Writes UTF-8 text from (row, column), clipped at max_width columns (and the right edge).
    // Returns the column after the last cell written.
    int put(int row, int column, std::string_view text, Style style = Style::normal,
            int max_width = 1 << 30);
    void set(int row, int column, char32_t ch, Style style);
    // Fills a row segment with one character.
    void fill(int row, int column, int width, char32_t ch, Style style);
    void clear();

    const Cell& at(int row, int column) const;
    // A row as UTF-8, trailing spaces removed (for tests and dumps).
    std::string row_text(int row) const;
    std::string text() const; // all rows, '\n'-joined

private:
    int m_rows;
    int m_columns;
    std::vector<Cell> m_cells;
};

// Decodes our own UTF-8 labels into code points (invalid sequences become U+FFFD).
std::u32string decode_utf8(std::string_view text);
std::string encode_utf8(char32_t ch);
// Columns a string takes (code points; all our glyphs are one column wide).
int text_width(std::string_view text);

} // namespace sniff::tui
