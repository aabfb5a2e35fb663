#pragma once
// The inspector as a run's view: every source's events go into a FlowStore (and the dissector
// engine behind it) instead of the text views, and the inspector runs on the run's io_context
// (TuiLoop). Sources' events and status lines go to its status line, which owns the screen.

#include "dissectors/engine.hpp"
#include "dissectors/message_fanout.hpp"
#include "pipeline/options.hpp"
#include "runtime/tui_loop.hpp"
#include "store/flow_store.hpp"

#include <functional>
#include <memory>
#include <string>

namespace sniff::report {
class ReportCollector;
}

namespace sniff::runtime {

class InspectorView {
public:
    // Bytes kept for the viewer of a live source before the oldest are dropped (see
    // store::FlowStore::set_byte_budget).
    static constexpr std::uint64_t k_default_byte_budget = 256ull << 20;

    // stable: the region the sources' bytes lie in for the whole run (a mapped capture file), so
    // the store references them; empty for live sources, whose bytes are copied within a budget.
    // report: the HTML report's collector, fed beside the store, or null.
    InspectorView(dissect::FramingSelector selector, dissect::EngineConfig config,
                  util::Bytes stable, report::ReportCollector* report);

    reassembly::StreamSink& sink() { return m_fanout; }
    // A source's event or status on the status line (bad: highlighted); text reaches the screen
    // escaped.
    void show(const std::string& text, bool bad);
    // Opens the inspector on io; q calls quit on the loop (the same path as SIGINT). Call after
    // the signal_set exists, so its handlers stay in charge. False and error when no terminal.
    bool start(boost::asio::io_context& io, const std::string& title, std::function<void()> quit,
               std::string& error);
    // After the loop stopped, before io is destroyed: restores the terminal and lets go of the
    // loop's waits on io, then prints what the inspector saw.
    void finish(const char* summary_label);

    store::FlowStore& store() { return m_store; }

private:
    store::FlowStore m_store;
    dissect::MessageFanout m_messages;
    dissect::DissectorEngine m_engine;
    reassembly::SinkFanout m_fanout;
    std::unique_ptr<TuiLoop> m_loop;
    std::pair<std::string, bool> m_status; // the last status shown, with its highlight
    bool m_live;
};

// True when this run should show the inspector: standard input and output are a terminal (the
// keys come from standard input, so not `-r -`) and no text output was asked for.
bool inspector_wanted(const pipeline::Options& options);

// The one-line summary printed after the terminal is restored.
void print_store_summary(const store::FlowStore& store, const char* source_label);

} // namespace sniff::runtime
