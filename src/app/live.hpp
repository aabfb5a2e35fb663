#pragma once
// sniff -i IFACE and sniff -D: live capture through the same pipeline and outputs as a file,
// driven by a boost::asio::io_context so the proxy and the TUI can share the loop.

#include "app/options.hpp"

namespace sniff::app {

// Captures until -c packets, --duration seconds, SIGINT or SIGTERM, then prints the summary (with
// the kernel's drop counts) and closes -w files. Returns 0; 1 for a capture, privilege or output
// failure; 2 for a bad filter or other usage error.
int analyze_live(const Options& options);

// sniff -D: numbered interfaces with flags and addresses. Returns 0, or 1 when libpcap fails.
int list_interfaces();

} // namespace sniff::app
