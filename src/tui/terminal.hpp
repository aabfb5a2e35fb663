#pragma once
// The only place that talks to ncurses: start-up (locale, cbreak, noecho, keypad, colours),
// key reading, painting a Screen, and restoring the terminal on stop, at exit, on SIGINT/SIGTERM
// and when the loop fails. With 256 colours each style gets its own colour; with 8 a coarser
// palette; without colour, reverse video, bold, underline and dim, while the marks themselves
// (┃ │ ─ ·) keep every boundary visible.

#include "tui/keys.hpp"
#include "tui/screen.hpp"

#include <string>

namespace sniff::tui {

class Terminal {
public:
    Terminal() = default;
    ~Terminal() { stop(); }
    Terminal(const Terminal&) = delete;
    Terminal& operator=(const Terminal&) = delete;

    // Takes over the terminal; false (and error) when it cannot. With own_signals, SIGINT and
    // SIGTERM restore the terminal and end the process; without, the caller handles them (a live
    // source's event loop stops cleanly, then calls stop()) and only the exit hook restores.
    bool start(std::string& error, bool own_signals = true);
    // Gives the terminal back; safe to call twice.
    void stop();

    int input_fd() const;
    // The next waiting key, or KeyCode::none when none is waiting (never blocks).
    Key read_key();
    void paint(const Screen& screen);
    int rows() const;
    int columns() const;
    bool colour() const { return m_colours > 0; }

private:
    bool m_started = false;
    int m_colours = 0; // 0 (monochrome), 8 or 256
};

} // namespace sniff::tui
