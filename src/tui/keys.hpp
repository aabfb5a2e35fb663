#pragma once
// Keys as the panes see them: the terminal module translates ncurses codes into these, so panes
// and their tests never include ncurses.

#include <cstdint>

namespace sniff::tui {

enum class KeyCode : std::uint8_t {
    none,
    character,
    up,
    down,
    left,
    right,
    page_up,
    page_down,
    home,
    end,
    enter,
    escape,
    backspace,
    tab,
    back_tab,
    resize,
    wheel_up, // mouse wheel: scrolls like three arrow presses
    wheel_down,
    click // left button at Key::row, Key::column
};

struct Key {
    KeyCode code = KeyCode::none;
    char32_t ch = 0; // for KeyCode::character
    int row = 0;     // for KeyCode::click: screen cell
    int column = 0;

    static Key of(char32_t c) { return {KeyCode::character, c}; }
    static Key of(KeyCode code) { return {code, 0}; }
    static Key click_at(int row, int column) { return {KeyCode::click, 0, row, column}; }
    bool is(char32_t c) const { return code == KeyCode::character && ch == c; }
};

// What handling a key asks of the loop.
enum class KeyResult : std::uint8_t { ignored, redraw, quit };

} // namespace sniff::tui
