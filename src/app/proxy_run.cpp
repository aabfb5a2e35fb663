#include "app/proxy_run.hpp"

#include "app/event_loop.hpp"
#include "app/framing_cut_planner.hpp"
#include "app/output_set.hpp"
#include "app/tui_proxy.hpp"
#include "commands/framing.hpp"
#include "commands/server.hpp"
#include "proxy/pcap_recorder.hpp"
#include "proxy/proxy.hpp"

#include <cinttypes>
#include <cstdio>
#include <functional>
#include <nlohmann/json.hpp>

namespace sniff::app {

namespace asio = boost::asio;

namespace {

struct ProxySetup {
    std::vector<proxy::ProxySpec> specs;
    proxy::ProxyOptions options;
};

// Parses --proxy, --rechunk, --seed, --delay; returns a usage error text or empty.
std::string parse_setup(const Options& options, ProxySetup& setup) {
    for (const auto& text : options.proxies) {
        proxy::ProxySpec spec;
        std::string error;
        if (!proxy::parse_proxy_spec(text, spec, error))
            return "--proxy: " + error;
        setup.specs.push_back(spec);
    }
    for (const auto& text : options.rechunk) {
        std::string error;
        if (!proxy::parse_rechunk(text, setup.options.rechunk, error))
            return "--rechunk: " + error;
    }
    const auto& rechunk = setup.options.rechunk;
    const bool adversarial = rechunk[0].mode == proxy::RechunkMode::adversarial ||
                             rechunk[1].mode == proxy::RechunkMode::adversarial;
    if (adversarial && !options.framings.empty() && !setup.specs.empty()) {
        std::string error;
        const auto selector = framing_selector(options, error);
        if (!selector)
            return error;
        model::Flow probe; // the framing of flows to the first target's port
        probe.server.port = setup.specs.front().target_port;
        setup.options.cut_planner = framing_cut_planner(selector->spec_for(probe));
    }
    setup.options.seed = options.seed.value_or(0);
    setup.options.delay_ms = static_cast<int>(options.delay_ms.value_or(0));
    setup.options.on_event = [](const proxy::ProxyEvent& event) {
        std::fprintf(stderr, "sniff: %s%s: %s\n", proxy::proxy_event_name(event.kind),
                     event.flow_id ? (" (flow #" + std::to_string(event.flow_id) + ")").c_str()
                                   : "",
                     event.detail.c_str());
    };
    return {};
}

void print_proxy_summary(const proxy::ProxyStats& stats, const ProxySetup& setup) {
    std::fprintf(stderr,
                 "sniff: proxy: %" PRIu64 " connections, %" PRIu64
                 " upstream failures; c2s %" PRIu64 " B in %" PRIu64 " reads, %" PRIu64
                 " writes; s2c %" PRIu64 " B in %" PRIu64 " reads, %" PRIu64 " writes",
                 stats.connections, stats.upstream_failures, stats.bytes[0], stats.chunks_in[0],
                 stats.chunks_out[0], stats.bytes[1], stats.chunks_in[1], stats.chunks_out[1]);
    const auto& rechunk = setup.options.rechunk;
    if (rechunk[0].mode != proxy::RechunkMode::none || rechunk[1].mode != proxy::RechunkMode::none)
        std::fprintf(stderr, "; rechunk c2s %s, s2c %s, seed %" PRIu64,
                     rechunk[0].to_string().c_str(), rechunk[1].to_string().c_str(), stats.seed);
    if (stats.udp_dropped[0] + stats.udp_dropped[1] > 0) // never silently incomplete
        std::fprintf(stderr, "; UDP datagrams dropped c2s %" PRIu64 ", s2c %" PRIu64,
                     stats.udp_dropped[0], stats.udp_dropped[1]);
    std::fputc('\n', stderr);
}

// --serve: the command server listens where the first proxy spec forwards to.
// Its framing follows --framing when that names one the server speaks (struct, json-header,
// ascii-len, none), so `--serve --framing struct` shows a consistent conversation.
std::unique_ptr<commands::Server> start_target_server(const proxy::ProxySpec& spec,
                                                      const Options& options, std::string& error) {
    commands::ServeOptions serve;
    serve.listen = spec.target_host + ":" + std::to_string(spec.target_port);
    for (const auto& framing : options.framings)
        if (const auto known = commands::parse_framing(framing))
            serve.framing = *known;
    auto server = std::make_unique<commands::Server>(serve);
    if (!server->start(error))
        return nullptr;
    return server;
}

} // namespace

int run_proxy(const Options& options) {
    ProxySetup setup;
    if (auto error = parse_setup(options, setup); !error.empty()) {
        std::fprintf(stderr, "sniff: %s\n", error.c_str());
        return 2;
    }
    OutputSet outputs;
    if (auto failure = outputs.build(options)) {
        std::fprintf(stderr, "sniff: %s\n", failure->message.c_str());
        return failure->exit_code;
    }
    // On a terminal the inspector replaces the text views (app/tui_proxy.hpp).
    auto tui = make_proxy_tui(options);
    if (tui)
        setup.options.on_event = tui->event_handler();
    reassembly::SinkFanout sinks;
    sinks.add(tui ? tui->sink() : outputs.sink());
    capture::PcapWriter pcap;
    std::unique_ptr<proxy::PcapRecorder> recorder;
    if (!options.write_file.empty()) {
        if (!pcap.open(options.write_file, {})) {
            std::fprintf(stderr, "sniff: %s: %s\n", options.write_file.c_str(),
                         pcap.error().c_str());
            return 1;
        }
        recorder = std::make_unique<proxy::PcapRecorder>(pcap);
        sinks.add(*recorder);
    }
    std::unique_ptr<commands::Server> target;
    if (options.serve_with_proxy) {
        std::string error;
        target = start_target_server(setup.specs.front(), options, error);
        if (!target) {
            std::fprintf(stderr, "sniff: --serve: %s\n", error.c_str());
            return 1;
        }
    }

    asio::io_context io;
    proxy::Proxy proxy(io, setup.specs, setup.options, sinks);
    std::string error;
    if (!proxy.start(error)) {
        std::fprintf(stderr, "sniff: %s\n", error.c_str());
        return 1;
    }
    const auto endpoints = proxy.listen_endpoints();
    for (std::size_t i = 0; i < endpoints.size(); ++i)
        std::fprintf(stderr, "sniff: %s proxy on %s -> %s:%u\n",
                     model::protocol_name(setup.specs[i].protocol),
                     endpoints[i].to_string().c_str(), setup.specs[i].target_host.c_str(),
                     setup.specs[i].target_port);

    asio::signal_set signals(io, SIGINT, SIGTERM);
    asio::steady_timer duration(io);
    asio::steady_timer grace(io);
    // After stop(), sessions unwind on the loop and close their flows: wait until none is
    // active, at most two seconds.
    int grace_ticks = 40;
    std::function<void()> wait_for_sessions = [&] {
        if (proxy.stats().active == 0 || grace_ticks-- == 0) {
            io.stop();
            return;
        }
        grace.expires_after(std::chrono::milliseconds(50));
        grace.async_wait([&](boost::system::error_code code) {
            if (!code)
                wait_for_sessions();
        });
    };
    auto shut_down = [&] {
        signals.cancel();
        duration.cancel();
        proxy.stop();
        wait_for_sessions();
    };
    signals.async_wait([&](boost::system::error_code code, int) {
        if (!code)
            shut_down();
    });
    // After the signal_set, so SIGINT/SIGTERM keep taking the clean path; q takes it too.
    if (tui && !tui->start(io, "proxy " + options.proxies.front(), shut_down, error)) {
        std::fprintf(stderr, "sniff: %s\n", error.c_str());
        return 1;
    }
    if (options.duration) {
        duration.expires_after(
            std::chrono::milliseconds(static_cast<std::int64_t>(*options.duration * 1000)));
        duration.async_wait([&](boost::system::error_code code) {
            if (!code)
                shut_down();
        });
    }
    io.run();

    if (tui)
        tui->finish(); // restores the terminal before anything is printed
    print_proxy_summary(proxy.stats(), setup);
    int status = 0;
    if (!tui && !outputs.finish("proxy", nlohmann::json::object(), error)) {
        std::fprintf(stderr, "sniff: %s\n", error.c_str());
        status = 1;
    }
    if (recorder && !pcap.close()) {
        std::fprintf(stderr, "sniff: %s: %s\n", options.write_file.c_str(), pcap.error().c_str());
        status = 1;
    }
    return status;
}

} // namespace sniff::app
