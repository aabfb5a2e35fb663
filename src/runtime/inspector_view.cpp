#include "runtime/inspector_view.hpp"

#include "report/report_collector.hpp"
#include "util/escape.hpp"
#include "util/plural.hpp"

#include <cinttypes>
#include <cstdio>
#include <unistd.h>

namespace sniff::runtime {

InspectorView::InspectorView(dissect::FramingSelector selector, dissect::EngineConfig config,
                             util::Bytes stable, report::ReportCollector* report)
    : m_store(stable, config), m_engine(std::move(selector), m_messages, config),
      m_live(stable.empty()) {
    m_messages.add(m_store);
    if (report != nullptr)
        m_messages.add(*report);
    // Live bytes are not stable: the store copies them, within a budget.
    if (m_live)
        m_store.set_byte_budget(k_default_byte_budget);
    m_fanout.add(m_store); // first: the store knows a flow before the engine reports messages
    m_fanout.add(m_engine);
    if (report != nullptr)
        m_fanout.add(*report); // after the engine, as the report's collector asks
}

void InspectorView::show(const std::string& text, bool bad) {
    // The text may quote what a peer sent. Before the inspector starts (a source's first status
    // comes as it starts), it waits for start().
    m_status = {util::escape_text(text, 200), bad};
    if (m_loop)
        m_loop->session().inspector().set_status(m_status.first, m_status.second);
}

bool InspectorView::start(boost::asio::io_context& io, const std::string& title,
                          std::function<void()> quit, std::string& error) {
    m_loop = std::make_unique<TuiLoop>(io, m_store);
    auto& inspector = m_loop->session().inspector();
    inspector.set_source(title);
    if (!m_status.first.empty())
        inspector.set_status(m_status.first, m_status.second);
    if (m_live)
        inspector.set_follow(true); // the newest flow and bytes stay in view
    if (m_loop->start(std::move(quit), error))
        return true;
    m_loop.reset(); // its descriptor and timer must not outlive io
    return false;
}

void InspectorView::finish(const char* summary_label) {
    // Dropped here, while the io_context it waits on still exists: the store may outlive it.
    m_loop.reset(); // ~TuiLoop restores the terminal
    if (m_live)
        print_store_summary(m_store, summary_label);
}

bool inspector_wanted(const pipeline::Options& options) {
    if (isatty(STDOUT_FILENO) == 0 || isatty(STDIN_FILENO) == 0 || options.no_tui || options.json ||
        options.summary || !options.write_streams.empty())
        return false;
    return options.read_file != "-";
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
    std::fprintf(stderr, "sniff: %s: %s, c2s %" PRIu64 " B, s2c %" PRIu64 " B, %s", source_label,
                 util::counted(store.size(), "flow").c_str(), bytes[0], bytes[1],
                 util::counted(messages, "message").c_str());
    if (dropped > 0)
        std::fprintf(stderr, "; %" PRIu64 " B of the oldest bytes were dropped from view", dropped);
    std::fputc('\n', stderr);
}

} // namespace sniff::runtime
