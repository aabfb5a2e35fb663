#include "tui/library_version.hpp"

#include <ncursesw/curses.h>

namespace sniff::tui {

std::string curses_library_version() {
    return curses_version();
}

} // namespace sniff::tui
