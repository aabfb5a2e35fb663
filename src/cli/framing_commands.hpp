#pragma once

#include "pipeline/options.hpp"

namespace sniff::cli {

// sniff --list-framings: every preset with its expansion.
int list_framings();
// sniff --export-lua FILE --framing PORT=SPEC: writes the Wireshark Lua dissector.
int export_lua(const pipeline::Options& options);

} // namespace sniff::cli
