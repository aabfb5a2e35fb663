#pragma once
// sniff(1) in roff, from the same option tables as --help (option_table.hpp, peer_args.hpp), so
// the page and --help cannot disagree. `sniff --help-man` prints it; the build writes sniff.1.

#include <string>

namespace sniff::cli {

std::string man_page();

} // namespace sniff::cli
