#pragma once

#include "app/options.hpp"

namespace sniff::app {

// sniff -r FILE: reads the whole capture, reassembles it and prints the chosen outputs.
// Returns 0, or 1 when the file is damaged or unreadable (after reporting what was read).
int analyze_file(const Options& options);

} // namespace sniff::app
