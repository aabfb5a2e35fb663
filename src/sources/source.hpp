#pragma once
// Where a run's streams come from. Every source — a capture file, a live interface, the proxy,
// and the sources added after them — turns its input into the same reassembly::StreamSink
// events on the run's one io_context, and the run (runtime/run.hpp) drives them all alike:
//
//     open()         privileged set-up: open the interface, bind the listeners (before -Z)
//     open_files()   its own output files, after privileges were dropped (tcpdump's order)
//     start(ctx)     post its work on ctx.io, emit into ctx.sink; ctx.ended() when it runs out
//     stop()         Ctrl-C, --duration, q, another source ended: stop taking input (idempotent)
//     draining()     still winding down after stop() (the proxy's connections close)
//     finish()       after the loop: take what is left, close the flows and files
//
// A source reports its own events (drops, proxy counters, a damaged file) through the context's
// warn() and status() while it runs, and through end_fields()/print_summary() once it finished, so
// the run needs no case for any source.

#include "dissectors/selector.hpp"
#include "model/flow.hpp"
#include "reassembly/stream_sink.hpp"

#include <functional>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>

namespace boost::asio {
class io_context;
}

namespace sniff::sources {

// What the run gives a source when it opens: the loop it will run on (listeners bind there) and
// the run's framings (the proxy cuts adversarially where messages begin and end).
struct SourceSetup {
    boost::asio::io_context& io;
    const dissect::FramingSelector& framings;
};

// What the run gives a source when it starts.
struct SourceContext {
    boost::asio::io_context& io;
    reassembly::StreamSink& sink;
    // The source ran out of input by itself (end of file, -c reached, capture error).
    std::function<void()> ended;
    // An event while the run goes on ("warning: 12 packets dropped so far", a refused upstream):
    // a line on standard error, or the inspector's status line when it owns the screen (bad:
    // highlighted). The text may quote untrusted bytes: the view escapes it.
    std::function<void(const std::string& text, bool bad)> event;
    // The run-wide number of one of this source's flows (sources number their own from 1), 0
    // once the flow closed: for events that name a flow.
    std::function<std::uint64_t(std::uint64_t source_flow_id)> run_flow_id;
    // What the source is doing ("loading 45%"), for the inspector's status line (bad: highlighted);
    // empty text gives the line back to the key hints. The text views ignore it: what matters
    // there is in the source's summary.
    std::function<void(const std::string& text, bool bad)> status;
    // The source may draw its own progress or status line on standard error (a terminal, no
    // inspector, no -q).
    bool status_line = false;
};

class Source {
public:
    virtual ~Source() = default;

    // How the views mark this source's flows.
    virtual model::FlowOrigin origin() const = 0;
    // The text totals' label ("capture.pcap", "interface lo", "proxy").
    virtual std::string label() const = 0;
    // The inspector's title ("capture.pcap", "live lo", "proxy 9000:127.0.0.1:8080").
    virtual std::string title() const = 0;

    // 0, or the exit code after the error was printed (1 runtime, 2 usage).
    virtual int open(const SourceSetup& setup) = 0;
    virtual int open_files() { return 0; }
    virtual void start(SourceContext& context) = 0;
    virtual void stop() = 0;
    virtual bool draining() const { return false; }
    // False when the input or a file failed (already reported).
    virtual bool finish() = 0;

    // Fields of the JSON end object (merged by the run; a source keeps to its own names).
    virtual void add_end_fields(nlohmann::json& end) const = 0;
    // Closing lines on standard error (counters, warnings), after the views' totals.
    virtual void print_summary() const {}
    // A line printed before the views start (tcpdump's "listening on ..."), or nothing.
    virtual void announce() const {}
    // The status the run should exit with, when the source decides it (sniff exec: the
    // program's); nullopt for the others.
    virtual std::optional<int> exit_status() const { return std::nullopt; }
    // The region the source's bytes lie in for the whole run (a mapped capture file), so a view
    // may keep views into it instead of copies; empty when they are not stable.
    virtual util::Bytes stable_bytes() const { return {}; }
};

} // namespace sniff::sources
