#pragma once
// `sniff demo` on a terminal: the same experiments as the text demo, each behind its own proxy on
// the inspector's event loop, all feeding one FlowStore; every flow carries a caption that says
// which step it is and what to look at. Without a terminal, run_demo() prints the text report.

#include "pipeline/options.hpp"

namespace sniff::demo {

// True when standard input and output are a terminal and --no-tui was not given.
bool tui_demo_wanted(const pipeline::Options& options);

// Runs the steps while the inspector shows their flows; returns when the user quits (q) after
// the steps finished: 0 when every framed answer arrived intact, as run_demo().
int run_tui_demo(const pipeline::Options& options);

} // namespace sniff::demo
