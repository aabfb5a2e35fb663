#pragma once
// sniff --version: what was built (version, git revision) and what it runs with (libpcap, Boost,
// ncurses), so a bug report says both.

#include <string>

namespace sniff::cli {

std::string version_text();

} // namespace sniff::cli
