#include "app/tui_proxy.hpp"

#include "app/output_set.hpp"
#include "app/tui_entry.hpp"
#include "util/escape.hpp"

#include <cinttypes>
#include <cstdio>

namespace sniff::app {

ProxyTui::ProxyTui(dissect::FramingSelector selector, dissect::EngineConfig config)
    : m_store({}, config), m_engine(std::move(selector), m_store, config) {
    // Chunk views of the proxy are not stable: the store copies them, within a budget.
    m_store.set_byte_budget(k_default_byte_budget);
    m_fanout.add(m_store); // first: the store knows a flow before the engine reports messages
    m_fanout.add(m_engine);
}

std::function<void(const proxy::ProxyEvent&)> ProxyTui::event_handler() {
    return [this](const proxy::ProxyEvent& event) {
        if (!m_loop)
            return;
        std::string text = std::string(proxy::proxy_event_name(event.kind));
        if (event.flow_id != 0)
            text += " (flow #" + std::to_string(event.flow_id) + ")";
        // The detail may quote what a peer sent; it reaches the screen escaped.
        text += ": " + util::escape_text(event.detail, 200);
        const bool bad = event.kind == proxy::ProxyEventKind::upstream_refused ||
                         event.kind == proxy::ProxyEventKind::upstream_timeout ||
                         event.kind == proxy::ProxyEventKind::accept_paused ||
                         event.kind == proxy::ProxyEventKind::udp_sessions_full;
        m_loop->session().inspector().set_status(text, bad);
    };
}

void ProxyTui::warn(const std::string& text) {
    if (m_loop)
        m_loop->session().inspector().set_status("warning: " + text, true);
}

bool ProxyTui::start(boost::asio::io_context& io, const std::string& source,
                     std::function<void()> quit, std::string& error) {
    m_loop = std::make_unique<TuiLoop>(io, m_store);
    auto& inspector = m_loop->session().inspector();
    inspector.set_source(source);
    inspector.set_follow(true); // live: the newest flow and bytes stay in view
    if (m_loop->start(std::move(quit), error))
        return true;
    m_loop.reset(); // its descriptor and timer must not outlive io
    return false;
}

void ProxyTui::finish() {
    // Dropped here, while the io_context it waits on still exists: the store may outlive it.
    m_loop.reset(); // ~TuiLoop restores the terminal
    print_store_summary(m_store, "inspector");
}

void print_store_summary(const store::FlowStore& store, const char* source_label) {
    std::uint64_t bytes[2] = {0, 0};
    std::uint64_t messages = 0;
    std::uint64_t dropped = 0;
    for (std::size_t i = 0; i < store.size(); ++i) {
        const auto& record = store.at(i);
        for (int d = 0; d < 2; ++d) {
            bytes[d] += record.flow.stats[d].stream_bytes;
            dropped += record.directions[d].bytes.dropped_bytes();
        }
        messages += record.message_count();
    }
    std::fprintf(stderr,
                 "sniff: %s: %zu flows, c2s %" PRIu64 " B, s2c %" PRIu64 " B, %" PRIu64 " messages",
                 source_label, store.size(), bytes[0], bytes[1], messages);
    if (dropped > 0)
        std::fprintf(stderr, "; %" PRIu64 " B of the oldest bytes were dropped from view", dropped);
    std::fputc('\n', stderr);
}

std::unique_ptr<ProxyTui> make_proxy_tui(const Options& options) {
    if (!tui_wanted(options))
        return nullptr;
    std::string error;
    auto selector = framing_selector(options, error);
    if (!selector)
        return nullptr; // run_live's text views report the bad spec
    // The inspector is about message boundaries: without --framing it guesses one per flow.
    if (options.framings.empty())
        selector->set_default(std::get<dissect::FramingSpec>(dissect::parse_spec("auto")));
    dissect::EngineConfig config;
    config.udp_bufsize = options.udp_bufsize.value_or(0);
    return std::make_unique<ProxyTui>(std::move(*selector), config);
}

} // namespace sniff::app
