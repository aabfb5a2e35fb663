#include "app/live_run.hpp"

#include "app/event_loop.hpp"
#include "app/event_loop_runner.hpp"
#include "app/live_source.hpp"
#include "app/origin_sink.hpp"
#include "app/output_set.hpp"
#include "app/proxy_source.hpp"
#include "app/tui_proxy.hpp"

#include <chrono>
#include <cstdio>
#include <functional>
#include <nlohmann/json.hpp>
#include <pwd.h>
#include <unistd.h>

namespace sniff::app {

namespace asio = boost::asio;

namespace {

// After stop(), the proxy's sessions unwind on the loop and close their flows: the loop runs
// until none is active, at most this long.
constexpr auto k_session_grace = std::chrono::seconds(2);
constexpr auto k_session_poll = std::chrono::milliseconds(50);

// The sources of one run and how it ends.
struct LiveRun {
    const Options& options;
    asio::io_context io;
    std::unique_ptr<LiveSource> capture;
    std::unique_ptr<ProxySource> proxy;
    asio::signal_set signals{io, SIGINT, SIGTERM};
    asio::steady_timer duration{io};
    asio::steady_timer grace{io};
    std::chrono::steady_clock::time_point grace_end;
    bool stopping = false;

    explicit LiveRun(const Options& run_options) : options(run_options) {}

    // Ctrl-C, SIGTERM, --duration, q, -c reached: every source stops, then the loop.
    void shut_down() {
        if (stopping)
            return;
        stopping = true;
        signals.cancel();
        boost::system::error_code ignored;
        signals.clear(ignored); // a second Ctrl-C during the wind-down ends sniff at once
        duration.cancel();
        if (capture)
            capture->stop();
        if (proxy)
            proxy->stop();
        grace_end = std::chrono::steady_clock::now() + k_session_grace;
        wait_for_sessions();
    }

    void wait_for_sessions() {
        if (!proxy || proxy->active() == 0 || std::chrono::steady_clock::now() >= grace_end) {
            io.stop();
            return;
        }
        grace.expires_after(k_session_poll);
        grace.async_wait([this](boost::system::error_code code) {
            if (!code)
                wait_for_sessions();
        });
    }

    void arm_stops() {
        signals.async_wait([this](boost::system::error_code code, int) {
            if (!code)
                shut_down();
        });
        if (!options.duration)
            return;
        duration.expires_after(
            std::chrono::milliseconds(static_cast<std::int64_t>(*options.duration * 1000)));
        duration.async_wait([this](boost::system::error_code code) {
            if (!code)
                shut_down();
        });
    }

    // "interface lo", "proxy", "interface lo and proxy": the text totals' label.
    std::string totals_label() const {
        std::string label = capture ? "interface " + options.interface_name : "";
        if (proxy)
            label += label.empty() ? "proxy" : " and proxy";
        return label;
    }

    std::string inspector_title() const {
        std::string title = capture ? "live " + options.interface_name : "";
        if (proxy)
            title += (title.empty() ? "proxy " : " + proxy ") + proxy->label();
        return title;
    }

    nlohmann::json end_fields() const {
        nlohmann::json end = capture ? capture->end_fields() : nlohmann::json::object();
        if (proxy)
            end["proxy"] = proxy->end_fields();
        return end;
    }
};

// -w records the capture when there is one; the proxy then records into --proxy-pcap only.
// Without a capture, -w is the proxy's (options.cpp refuses -w with --proxy-pcap there).
std::string proxy_recording_path(const Options& options) {
    if (!options.interface_name.empty() || !options.proxy_pcap.empty())
        return options.proxy_pcap;
    return options.write_file;
}

// Binds, drops privileges, opens the files: 0, or the exit code after the error was printed.
int open_sources(LiveRun& run, OriginSink& proxied) {
    const Options& options = run.options;
    if (run.capture)
        if (const int status = run.capture->open(); status != 0)
            return status;
    // The listeners bind before -Z too: a proxy on a privileged port keeps working.
    if (run.proxy)
        if (const int status = run.proxy->start(run.io, proxied, options); status != 0)
            return status;
    if (!options.drop_user.empty()) {
        std::string error;
        if (!drop_privileges(options.drop_user, error)) {
            std::fprintf(stderr, "sniff: -Z: %s\n", error.c_str());
            return 1;
        }
    }
    // Opened after -Z, as tcpdump does: the files belong to the user the capture runs as.
    if (run.capture && run.capture->open_save_file() != 0)
        return 1;
    const std::string recording = proxy_recording_path(options);
    if (run.proxy && !recording.empty() && run.proxy->open_recording(recording) != 0)
        return 1;
    return 0;
}

// A proxy's loop polls briefly by default (event_loop_runner.hpp): forwarding sooner, it changes
// less of how the peers' sends coalesce, which is what sniff is there to show. 50 µs covers a
// loopback peer's answer; a capture alone has nobody waiting on it and sleeps at once.
std::uint64_t busy_poll_us(const Options& options, bool proxying) {
    constexpr std::uint64_t k_proxy_busy_poll_us = 50;
    return options.busy_poll_us.value_or(proxying ? k_proxy_busy_poll_us : 0);
}

} // namespace

int run_live(const Options& options) {
    if (!options.drop_user.empty() && getpwnam(options.drop_user.c_str()) == nullptr) {
        std::fprintf(stderr, "sniff: -Z: unknown user '%s'\n", options.drop_user.c_str());
        return 1;
    }
    // The views and the origin sinks are declared before the run (its io_context and sources),
    // so they outlive anything the loop still holds when the run is destroyed.
    OutputSet outputs;
    if (auto failure = outputs.build(options)) {
        std::fprintf(stderr, "sniff: %s\n", failure->message.c_str());
        return failure->exit_code;
    }
    // On a terminal the inspector replaces the text views and runs on this loop.
    auto tui = make_proxy_tui(options);
    reassembly::StreamSink& views = tui ? tui->sink() : outputs.sink();
    FlowIds flow_ids;
    OriginSink captured(flow_ids, model::FlowOrigin::capture, views);
    OriginSink proxied(flow_ids, model::FlowOrigin::proxy, views);
    LiveRun run(options);
    if (!options.proxies.empty()) {
        run.proxy = std::make_unique<ProxySource>();
        if (const int status = run.proxy->configure(options); status != 0)
            return status;
    }
    if (run.proxy) {
        // The proxy's events name its own flow ids: the views know the run-wide ones.
        auto show = tui ? tui->event_handler() : print_proxy_event;
        run.proxy->set_event_handler([&proxied, show](proxy::ProxyEvent event) {
            event.flow_id = proxied.run_id(event.flow_id);
            show(event);
        });
    }
    if (!options.interface_name.empty())
        run.capture = std::make_unique<LiveSource>(options);
    if (const int status = open_sources(run, proxied); status != 0)
        return status;

    if (run.capture) {
        run.capture->announce();
        const bool status_line = !options.quiet && !tui && isatty(STDERR_FILENO) != 0;
        if (tui) // standard error is the inspector's screen
            run.capture->set_warning_handler([&tui](const std::string& text) { tui->warn(text); });
        run.capture->start(run.io, captured, status_line, [&run] { run.shut_down(); });
    }
    run.arm_stops();
    // After the signal_set, so SIGINT/SIGTERM keep taking the clean path; q takes it too.
    std::string error;
    if (tui && !tui->start(
                   run.io, run.inspector_title(), [&run] { run.shut_down(); }, error)) {
        std::fprintf(stderr, "sniff: %s\n", error.c_str());
        return 1;
    }
    run_event_loop(run.io, std::chrono::microseconds(busy_poll_us(options, run.proxy != nullptr)));

    int status = 0;
    if (run.capture && !run.capture->finish()) // the packets still in the ring, flows closed
        status = 1;
    if (tui)
        tui->finish(); // restores the terminal before anything else is printed
    if (run.proxy)
        run.proxy->print_summary();
    if (!tui && !outputs.finish(run.totals_label(), run.end_fields(), error)) {
        std::fprintf(stderr, "sniff: %s\n", error.c_str());
        status = 1;
    }
    if (run.proxy && !run.proxy->finish())
        status = 1;
    if (run.capture)
        run.capture->print_summary();
    return status;
}

} // namespace sniff::app
