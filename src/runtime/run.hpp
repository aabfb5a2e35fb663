#pragma once
// The one run of sniff: the chosen sources (a capture file, a live interface, the proxy, ...)
// feed the chosen views (text report, JSON Lines, stream files, or the inspector on a terminal)
// on one boost::asio::io_context and one thread, no locks. The run owns the loop, the signals,
// --duration, the clean shutdown and the final summary for every mode; sources are driven only
// through sources::Source, so a new source needs no change here.
//
//     open every source (privileged: the interface, the listeners) → drop privileges (-Z) →
//     sources' files → views → start → loop until every source ended, or Ctrl-C / SIGTERM /
//     --duration / q → stop the sources, let them drain (≤ 2 s) → finish sources, views' totals,
//     sources' summaries.
//
// Flows are numbered run-wide and marked with their origin here (pipeline::OriginSink), so two
// sources showing the same endpoints stay apart.

#include "pipeline/options.hpp"
#include "sources/source.hpp"

#include <memory>
#include <vector>

namespace sniff::runtime {

using SourceList = std::vector<std::unique_ptr<sources::Source>>;

// Returns 0; 1 for an input, listener, privilege or output failure; 2 for a bad filter, spec or
// other usage error.
int run(const pipeline::Options& options, SourceList sources);

} // namespace sniff::runtime
