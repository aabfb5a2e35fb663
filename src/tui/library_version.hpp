#pragma once
// The ncurses sniff runs with, for `sniff --version` (only src/tui includes ncurses).

#include <string>

namespace sniff::tui {

// curses_version()'s text, e.g. "ncurses 6.4.20230625".
std::string curses_library_version();

} // namespace sniff::tui
