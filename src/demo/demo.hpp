#pragma once

#include "pipeline/options.hpp"

namespace sniff::demo {

// sniff demo: replays the article's experiments on free loopback ports, with sniff's proxy in
// front of each receiver, and prints what the application read beside what sniff saw.
// Returns 0 when every step ran and every framed answer arrived intact.
int run_demo(const pipeline::Options& options);

} // namespace sniff::demo
