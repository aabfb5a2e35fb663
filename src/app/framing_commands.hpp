#pragma once

#include "app/options.hpp"

namespace sniff::app {

// sniff --list-framings: every preset with its expansion.
int list_framings();
// sniff --export-lua FILE --framing PORT=SPEC: writes the Wireshark Lua dissector.
int export_lua(const Options& options);

} // namespace sniff::app
