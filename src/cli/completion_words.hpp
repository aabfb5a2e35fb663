#pragma once
// The words shell completion offers (completions/sniff.bash, completions/_sniff), from the
// option tables --help uses, so completion follows the binary it completes.
// `sniff --complete-options [serve|client]` prints them: one option a line, "NAME VALUE" (VALUE
// is "-" for a flag), every name of a row on its own line.

#include <string>
#include <string_view>

namespace sniff::cli {

// The main command's options, or `sniff serve`'s / `sniff client`'s for "serve" / "client";
// empty for another command.
std::string completion_words(std::string_view command);

} // namespace sniff::cli
