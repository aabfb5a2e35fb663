#pragma once
// The seam between the command line and the ncurses inspector (src/tui).

#include "app/options.hpp"

namespace sniff::app {

// True when the TUI should show this run: standard output is a terminal and no text-only output
// (--no-tui, --json, --summary, --write-streams) was asked for. Sources: -r FILE and --proxy.
bool tui_wanted(const Options& options);

// sniff -r FILE in the TUI. Returns the exit code.
int run_tui_on_file(const Options& options);

} // namespace sniff::app
