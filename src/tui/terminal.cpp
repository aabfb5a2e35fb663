#include "tui/terminal.hpp"

#include <array>
#include <clocale>
#include <csignal>
#include <cstdlib>
#include <ncursesw/curses.h>
#include <unistd.h>

namespace sniff::tui {

namespace {

// Set while ncurses owns the terminal, so the exit and signal paths restore it exactly once.
volatile std::sig_atomic_t g_active = 0;

void restore_terminal() {
    if (g_active) {
        g_active = 0;
        endwin();
    }
}

extern "C" void restore_at_exit() {
    restore_terminal();
}

extern "C" void restore_on_signal(int signal_number) {
    // endwin() only writes the reset sequences and restores termios: the usual practice of
    // curses programs (htop's CRT). Then die of the same signal so the shell sees why.
    restore_terminal();
    std::signal(signal_number, SIG_DFL);
    std::raise(signal_number);
}

struct Colour {
    short fg256;
    short bg256;
    short fg8;
    short bg8;
    attr_t mono; // used without colour, and added to the colour
};

// Indexed by Style. -1 is the terminal's default colour.
constexpr std::array<Colour, static_cast<std::size_t>(Style::count_)> k_palette{{
    {-1, -1, -1, -1, A_NORMAL},                             // normal
    {244, -1, COLOR_WHITE, -1, A_DIM},                      // dim
    {255, 24, COLOR_WHITE, COLOR_BLUE, A_REVERSE},          // title
    {16, 214, COLOR_BLACK, COLOR_YELLOW, A_REVERSE},        // selected
    {39, -1, COLOR_CYAN, -1, A_BOLD},                       // seg_a
    {75, -1, COLOR_BLUE, -1, A_NORMAL},                     // seg_b
    {208, -1, COLOR_YELLOW, -1, A_UNDERLINE},               // msg_a
    {177, -1, COLOR_MAGENTA, -1, A_BOLD | A_UNDERLINE},     // msg_b
    {114, -1, COLOR_GREEN, -1, A_BOLD},                     // escape
    {240, -1, COLOR_WHITE, -1, A_DIM},                      // gap
    {196, -1, COLOR_RED, -1, A_BOLD},                       // bad
    {231, 160, COLOR_WHITE, COLOR_RED, A_REVERSE | A_BOLD}, // error
    {226, -1, COLOR_YELLOW, -1, A_BOLD},                    // focus
}};

Key translate_mouse() {
    MEVENT event{};
    if (getmouse(&event) != OK)
        return {};
    if ((event.bstate & BUTTON4_PRESSED) != 0)
        return Key::of(KeyCode::wheel_up);
#if defined(BUTTON5_PRESSED)
    if ((event.bstate & BUTTON5_PRESSED) != 0)
        return Key::of(KeyCode::wheel_down);
#endif
    if ((event.bstate & (BUTTON1_CLICKED | BUTTON1_PRESSED)) != 0)
        return Key::click_at(event.y, event.x);
    return {};
}

Key translate(int status, wint_t value) {
    if (status == KEY_CODE_YES) {
        switch (value) {
        case KEY_UP:
            return Key::of(KeyCode::up);
        case KEY_DOWN:
            return Key::of(KeyCode::down);
        case KEY_LEFT:
            return Key::of(KeyCode::left);
        case KEY_RIGHT:
            return Key::of(KeyCode::right);
        case KEY_PPAGE:
            return Key::of(KeyCode::page_up);
        case KEY_NPAGE:
            return Key::of(KeyCode::page_down);
        case KEY_HOME:
            return Key::of(KeyCode::home);
        case KEY_END:
            return Key::of(KeyCode::end);
        case KEY_ENTER:
            return Key::of(KeyCode::enter);
        case KEY_BACKSPACE:
            return Key::of(KeyCode::backspace);
        case KEY_BTAB:
            return Key::of(KeyCode::back_tab);
        case KEY_RESIZE:
            return Key::of(KeyCode::resize);
        case KEY_MOUSE:
            return translate_mouse();
        default:
            return {};
        }
    }
    switch (value) {
    case '\n':
    case '\r':
        return Key::of(KeyCode::enter);
    case 27:
        return Key::of(KeyCode::escape);
    case 127:
    case 8:
        return Key::of(KeyCode::backspace);
    case '\t':
        return Key::of(KeyCode::tab);
    default:
        return Key::of(static_cast<char32_t>(value));
    }
}

} // namespace

bool Terminal::start(std::string& error, bool own_signals) {
    if (m_started)
        return true;
    std::setlocale(LC_ALL, "");
    if (::isatty(STDIN_FILENO) == 0 || ::isatty(STDOUT_FILENO) == 0) {
        error = "the inspector needs a terminal on standard input and output";
        return false;
    }
    static bool exit_hook = false;
    if (!exit_hook) {
        std::atexit(restore_at_exit);
        exit_hook = true;
    }
    if (own_signals) {
        std::signal(SIGINT, restore_on_signal);
        std::signal(SIGTERM, restore_on_signal);
    }
    set_escdelay(25); // Esc is a key here, not the start of a slow sequence
    if (initscr() == nullptr) {
        error = "cannot initialise the terminal";
        return false;
    }
    g_active = 1;
    m_started = true;
    cbreak();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);
    // Clicks select, the wheel scrolls; most terminals still select text with Shift held.
    mousemask(BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON4_PRESSED
#if defined(BUTTON5_PRESSED)
                  | BUTTON5_PRESSED
#endif
              ,
              nullptr);
    mouseinterval(0); // report a press at once, not after a click timeout
    curs_set(0);
    if (has_colors() && start_color() == OK) {
        use_default_colors();
        m_colours = COLORS >= 256 ? 256 : 8;
        for (std::size_t i = 0; i < k_palette.size(); ++i) {
            const auto& c = k_palette[i];
            init_pair(static_cast<short>(i + 1), m_colours == 256 ? c.fg256 : c.fg8,
                      m_colours == 256 ? c.bg256 : c.bg8);
        }
    }
    return true;
}

void Terminal::stop() {
    if (!m_started)
        return;
    m_started = false;
    restore_terminal();
}

int Terminal::input_fd() const {
    return STDIN_FILENO;
}

Key Terminal::read_key() {
    wint_t value = 0;
    const int status = wget_wch(stdscr, &value);
    if (status == ERR)
        return {};
    return translate(status, value);
}

int Terminal::rows() const {
    return LINES;
}

int Terminal::columns() const {
    return COLS;
}

void Terminal::paint(const Screen& screen) {
    for (int row = 0; row < screen.rows() && row < LINES; ++row) {
        for (int column = 0; column < screen.columns() && column < COLS; ++column) {
            const Cell& cell = screen.at(row, column);
            const auto style = static_cast<std::size_t>(cell.style);
            attr_t attributes = k_palette[style].mono;
            short pair = 0;
            if (m_colours > 0) {
                pair = static_cast<short>(style + 1);
                // With colour, underline/dim are kept only where they carry meaning.
                attributes &= A_REVERSE | A_BOLD | A_UNDERLINE;
                if (cell.style == Style::title || cell.style == Style::selected ||
                    cell.style == Style::error)
                    attributes &= ~A_REVERSE;
            }
            const wchar_t text[2] = {static_cast<wchar_t>(cell.ch), L'\0'};
            cchar_t out{};
            setcchar(&out, text, attributes, pair, nullptr);
            mvadd_wch(row, column, &out); // the bottom-right cell reports ERR yet is drawn
        }
    }
    refresh();
}

} // namespace sniff::tui
