#pragma once
// sniff -D: the interfaces a live capture (runtime/run.hpp) can open.

#include "pipeline/options.hpp"

namespace sniff::cli {

// sniff -D: numbered interfaces with flags and addresses. Returns 0, or 1 when libpcap fails.
int list_interfaces();

} // namespace sniff::cli
