#pragma once

#include "app/options.hpp"

namespace sniff::app {

// sniff --proxy ...: forwards and records until SIGINT/SIGTERM (or --duration), then prints
// the summary. 0 on a clean end, 1 when a listener cannot start, 2 on a bad spec.
int run_proxy(const Options& options);

} // namespace sniff::app
