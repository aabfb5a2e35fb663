#pragma once
// sniff -i IFACE, sniff --proxy SPEC, or both at once: the live sources of a run on one
// boost::asio::io_context, one thread, no locks. The capture's packets and the proxy's recv()
// chunks feed the same views (text, JSON, stream files, or the inspector on a terminal), each
// flow marked with its origin and numbered run-wide (app/origin_sink.hpp).
//
// Files: -w records the capture when -i is given, else the proxy (as before); the proxy's own
// recording next to a capture is --proxy-pcap FILE (options.cpp rejects the ambiguous mixes).

#include "app/options.hpp"

namespace sniff::app {

// Runs until SIGINT/SIGTERM, --duration, q in the inspector, -c packets or a capture error, then
// lets the proxy's connections close (at most two seconds), prints the summary (the kernel's
// drop counts, the proxy's counters) and closes the files. Returns 0; 1 for a capture, listener,
// privilege or output failure; 2 for a bad filter, spec or other usage error.
int run_live(const Options& options);

} // namespace sniff::app
