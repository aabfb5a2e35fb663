#include "runtime/run.hpp"

#include "pipeline/framing_selection.hpp"
#include "pipeline/origin_sink.hpp"
#include "pipeline/output_set.hpp"
#include "report/report_collector.hpp"
#include "runtime/event_loop_runner.hpp"
#include "runtime/inspector_view.hpp"
#include "runtime/privileges.hpp"
#include "sources/asio.hpp"
#include "util/escape.hpp"

#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <unistd.h>

namespace sniff::runtime {

namespace asio = boost::asio;

namespace {

// After stop(), a source may still be winding down (the proxy's sessions close their flows on
// the loop): the loop runs until none is, at most this long.
constexpr auto k_drain_grace = std::chrono::seconds(2);
constexpr auto k_drain_poll = std::chrono::milliseconds(50);

// A proxy's loop polls briefly by default (event_loop_runner.hpp): forwarding sooner, it changes
// less of how the peers' sends coalesce, which is what sniff is there to show. 50 µs covers a
// loopback peer's answer; sources with nobody waiting on them sleep at once.
std::chrono::microseconds busy_poll(const pipeline::Options& options, const SourceList& sources) {
    constexpr std::uint64_t k_proxy_busy_poll_us = 50;
    bool proxying = false;
    for (const auto& source : sources)
        proxying = proxying || source->origin() == model::FlowOrigin::proxy ||
                   source->origin() == model::FlowOrigin::replay; // a live peer waits too
    return std::chrono::microseconds(
        options.busy_poll_us.value_or(proxying ? k_proxy_busy_poll_us : 0));
}

// The views of a run: the inspector on a terminal, else the text views.
struct Views {
    pipeline::OutputSet text;
    std::unique_ptr<InspectorView> inspector;
    std::unique_ptr<report::ReportCollector> report; // --report, beside either

    reassembly::StreamSink& sink() { return inspector ? inspector->sink() : text.sink(); }
    void event(const std::string& line, bool bad) {
        if (inspector)
            inspector->show(line, bad);
        else
            std::fprintf(stderr, "sniff: %s\n", util::escape_text(line, 200).c_str());
    }
    void status(const std::string& line, bool bad) {
        if (inspector)
            inspector->show(line, bad);
    }
};

// The run's state from start to shutdown.
class Run {
public:
    Run(const pipeline::Options& options, Views& views, SourceList sources)
        : m_options(options), m_views(views), m_sources(std::move(sources)) {}

    SourceList& sources() { return m_sources; }

    // Wires every source to the views (through its origin sink) and starts it.
    void start_sources(pipeline::FlowIds& flow_ids) {
        const bool status_line = !m_options.quiet && !m_views.inspector && isatty(STDERR_FILENO);
        for (auto& source : m_sources) {
            reassembly::StreamSink* sink = &m_views.sink();
            std::function<std::uint64_t(std::uint64_t)> run_id = [](std::uint64_t id) {
                return id;
            };
            // Every source numbers its flows from 1 and packets' flows are marked as captured
            // already: a lone capture source is its own numbering, and skips the relabelling
            // (a copy of the flow per event, on the path of every packet).
            if (m_sources.size() > 1 || source->origin() != model::FlowOrigin::capture) {
                auto& origin = *m_origins.emplace_back(std::make_unique<pipeline::OriginSink>(
                    flow_ids, source->origin(), m_views.sink()));
                sink = &origin;
                run_id = [&origin](std::uint64_t id) { return origin.run_id(id); };
            }
            m_contexts.push_back(std::make_unique<sources::SourceContext>(sources::SourceContext{
                .io = m_io,
                .sink = *sink,
                .ended = [this] { source_ended(); },
                .event = [this](const std::string& text, bool bad) { m_views.event(text, bad); },
                .run_flow_id = std::move(run_id),
                .status = [this](const std::string& text, bool bad) { m_views.status(text, bad); },
                .status_line = status_line}));
            source->announce();
            source->start(*m_contexts.back());
        }
        arm_stops();
    }

    asio::io_context& io() { return m_io; }

    // Ctrl-C, SIGTERM, --duration, q, or every source ended: all stop, then the loop.
    void shut_down() {
        if (m_stopping)
            return;
        m_stopping = true;
        m_signals.cancel();
        boost::system::error_code ignored;
        m_signals.clear(ignored); // a second Ctrl-C during the wind-down ends sniff at once
        m_duration.cancel();
        for (auto& source : m_sources)
            source->stop();
        m_drain_end = std::chrono::steady_clock::now() + k_drain_grace;
        wait_for_drain();
    }

    // "capture.pcap", "interface lo and proxy": the text totals' label.
    std::string label() const {
        return joined([](const auto& s) { return s.label(); }, " and ");
    }
    std::string title() const {
        return joined([](const auto& s) { return s.title(); }, " + ");
    }

private:
    // A source that ran out (end of file, -c, a failed capture) ends the run, the other
    // sources too, unless the inspector shows what was read: then the user quits with q.
    void source_ended() {
        if (!m_views.inspector)
            shut_down();
    }

    void wait_for_drain() {
        bool draining = false;
        for (const auto& source : m_sources)
            draining = draining || source->draining();
        if (!draining || std::chrono::steady_clock::now() >= m_drain_end) {
            m_io.stop();
            return;
        }
        m_drain.expires_after(k_drain_poll);
        m_drain.async_wait([this](boost::system::error_code code) {
            if (!code)
                wait_for_drain();
        });
    }

    void arm_stops() {
        m_signals.async_wait([this](boost::system::error_code code, int) {
            if (!code)
                shut_down();
        });
        if (!m_options.duration)
            return;
        m_duration.expires_after(
            std::chrono::milliseconds(static_cast<std::int64_t>(*m_options.duration * 1000)));
        m_duration.async_wait([this](boost::system::error_code code) {
            if (!code)
                shut_down();
        });
    }

    template <typename Part> std::string joined(Part part, const char* separator) const {
        std::string text;
        for (const auto& source : m_sources)
            text += (text.empty() ? "" : separator) + part(*source);
        return text;
    }

    const pipeline::Options& m_options;
    Views& m_views;
    asio::io_context m_io;
    asio::signal_set m_signals{m_io, SIGINT, SIGTERM};
    asio::steady_timer m_duration{m_io};
    asio::steady_timer m_drain{m_io};
    std::chrono::steady_clock::time_point m_drain_end;
    std::vector<std::unique_ptr<pipeline::OriginSink>> m_origins;
    std::vector<std::unique_ptr<sources::SourceContext>> m_contexts;
    // Last: the sources' sockets, descriptors and timers go before the io_context they use, and
    // before the origin sinks their sessions still report to.
    SourceList m_sources;
    bool m_stopping = false;
};

// Opens every source, drops privileges, opens the sources' files: 0 or the exit code.
int open_sources(const pipeline::Options& options, SourceList& sources,
                 const sources::SourceSetup& setup) {
    for (auto& source : sources)
        if (const int status = source->open(setup); status != 0)
            return status;
    if (!options.drop_user.empty()) {
        std::string error;
        if (!drop_privileges(options.drop_user, error)) {
            std::fprintf(stderr, "sniff: -Z: %s\n", error.c_str());
            return 1;
        }
    }
    // Opened after -Z, as tcpdump does: the files belong to the user the capture runs as.
    for (auto& source : sources)
        if (const int status = source->open_files(); status != 0)
            return status;
    return 0;
}

// The views from the options: 0 or the exit code after the error was printed.
int build_views(const pipeline::Options& options, dissect::FramingSelector framings,
                const SourceList& sources, const std::string& title, Views& views) {
    dissect::EngineConfig engine;
    engine.udp_bufsize = options.udp_bufsize.value_or(0);
    if (!options.report_file.empty())
        views.report = std::make_unique<report::ReportCollector>(title);
    if (inspector_wanted(options)) {
        const util::Bytes stable = sources.size() == 1 ? sources[0]->stable_bytes() : util::Bytes{};
        views.inspector = std::make_unique<InspectorView>(std::move(framings), engine, stable,
                                                          views.report.get());
        return 0;
    }
    if (auto failure = views.text.build(options, std::move(framings), views.report.get())) {
        std::fprintf(stderr, "sniff: %s\n", failure->message.c_str());
        return failure->exit_code;
    }
    return 0;
}

// After the loop: the sources' last input and files, the views' totals, the sources' summaries.
int finish(const pipeline::Options& options, Run& run, Views& views) {
    const SourceList& sources = run.sources();
    int status = 0;
    for (const auto& source : sources)
        if (!source->finish())
            status = 1;
    if (views.inspector)
        views.inspector->finish("inspector"); // restores the terminal before anything is printed
    nlohmann::json end = nlohmann::json::object();
    for (const auto& source : sources)
        source->add_end_fields(end);
    std::string error;
    if (!views.inspector && !views.text.finish(run.label(), end, error)) {
        std::fprintf(stderr, "sniff: %s\n", error.c_str());
        status = 1;
    }
    for (const auto& source : sources)
        source->print_summary();
    // Written at the end of every run, Ctrl-C included: what was seen so far.
    if (views.report && !views.report->write(options.report_file, error)) {
        std::fprintf(stderr, "sniff: --report: %s\n", error.c_str());
        status = 1;
    }
    for (const auto& source : sources)
        if (const auto exit_status = source->exit_status(); exit_status && status == 0)
            status = *exit_status; // sniff exec ends with the program's status
    return status;
}

} // namespace

int run(const pipeline::Options& options, SourceList sources) {
    if (!options.drop_user.empty() && !user_exists(options.drop_user)) {
        std::fprintf(stderr, "sniff: -Z: unknown user '%s'\n", options.drop_user.c_str());
        return 1;
    }
    std::string error;
    // The inspector and the HTML report are about message boundaries: without --framing they
    // guess one per flow.
    auto framings = pipeline::framing_selector(
        options, inspector_wanted(options) || !options.report_file.empty(), error);
    if (!framings) {
        std::fprintf(stderr, "sniff: %s\n", error.c_str());
        return 2;
    }
    // The views and the origin sinks outlive the run's io_context and sources' loop handlers.
    Views views;
    Run run(options, views, std::move(sources));
    sources::SourceSetup setup{run.io(), *framings};
    if (const int status = open_sources(options, run.sources(), setup); status != 0)
        return status;
    if (const int status = build_views(options, *framings, run.sources(), run.title(), views);
        status != 0)
        return status;
    pipeline::FlowIds flow_ids;
    run.start_sources(flow_ids);
    // After the signal_set, so SIGINT/SIGTERM keep taking the clean path; q takes it too.
    if (views.inspector && !views.inspector->start(
                               run.io(), run.title(), [&run] { run.shut_down(); }, error)) {
        std::fprintf(stderr, "sniff: %s\n", error.c_str());
        return 1;
    }
    run_event_loop(run.io(), busy_poll(options, run.sources()));
    return finish(options, run, views);
}

} // namespace sniff::runtime
