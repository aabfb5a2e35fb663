#pragma once
// The live sources (`sniff --proxy`, `sniff -i`, or both) in the inspector: the proxy's chunks and
// the captured segments go into a FlowStore (and the dissector engine behind it) instead of the
// text views, and the inspector runs on the sources' own io_context (TuiLoop). run_live() asks
// make_proxy_tui() for one and, when it gets one, routes its sink, events, quit and end of run
// through it.

#include "app/options.hpp"
#include "app/tui_loop.hpp"
#include "dissectors/engine.hpp"
#include "proxy/proxy.hpp"
#include "store/flow_store.hpp"

#include <functional>
#include <memory>
#include <string>

namespace sniff::app {

class ProxyTui {
public:
    // Bytes kept for the viewer on a live source before the oldest are dropped (see
    // store::FlowStore::set_byte_budget).
    static constexpr std::uint64_t k_default_byte_budget = 256ull << 20;

    explicit ProxyTui(dissect::FramingSelector selector, dissect::EngineConfig config);

    // Put this in the proxy's sinks instead of the text views.
    reassembly::StreamSink& sink() { return m_fanout; }
    // Proxy events go to the status line instead of standard error (which is the screen).
    std::function<void(const proxy::ProxyEvent&)> event_handler();
    // A warning from a source (a live capture's new drops) on the status line, highlighted.
    void warn(const std::string& text);
    // Opens the inspector on io; q calls quit on the loop (the same path as SIGINT). Call after
    // the signal_set exists, so its handlers stay in charge. False and error when no terminal.
    bool start(boost::asio::io_context& io, const std::string& source, std::function<void()> quit,
               std::string& error);
    // After the loop stopped, before io is destroyed: restores the terminal and lets go of the
    // loop's waits on io, then prints what the inspector saw.
    void finish();

    store::FlowStore& store() { return m_store; }

private:
    store::FlowStore m_store;
    dissect::DissectorEngine m_engine;
    reassembly::SinkFanout m_fanout;
    std::unique_ptr<TuiLoop> m_loop;
};

// A ProxyTui when this run should show the inspector (tui_wanted), else null.
std::unique_ptr<ProxyTui> make_proxy_tui(const Options& options);

// The one-line summary printed after the terminal is restored.
void print_store_summary(const store::FlowStore& store, const char* source_label);

} // namespace sniff::app
