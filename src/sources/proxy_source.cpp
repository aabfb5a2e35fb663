#include "sources/proxy_source.hpp"

#include "commands/framing.hpp"
#include "commands/server.hpp"
#include "sources/asio.hpp"
#include "sources/framing_cut_planner.hpp"
#include "util/escape.hpp"
#include "util/plural.hpp"

#include <cinttypes>
#include <cstdio>
#include <nlohmann/json.hpp>

namespace sniff::sources {

namespace {

// adversarial re-chunking cuts where the framing's messages begin and end: the framing of flows
// to the first target's port. Returns a usage error text or empty.
std::string plan_adversarial_cuts(const pipeline::Options& options,
                                  const dissect::FramingSelector& framings,
                                  const proxy::ProxySpec& first,
                                  proxy::ProxyOptions& proxy_options) {
    const auto& rechunk = proxy_options.rechunk;
    const bool adversarial = rechunk[0].mode == proxy::RechunkMode::adversarial ||
                             rechunk[1].mode == proxy::RechunkMode::adversarial;
    if (!adversarial || options.framings.empty())
        return {};
    model::Flow probe;
    probe.server.port = first.target_port;
    proxy_options.cut_planner = framing_cut_planner(framings.spec_for(probe));
    return {};
}

// --serve: the command server listens where the first proxy spec forwards to.
// Its framing follows --framing when that names one the server speaks (struct, json-header,
// ascii-len, none), so `--serve --framing struct` shows a consistent conversation.
std::unique_ptr<commands::Server> start_target_server(const proxy::ProxySpec& spec,
                                                      const pipeline::Options& options,
                                                      std::string& error) {
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

// Parses --proxy and --rechunk; returns a usage error text or empty.
std::string parse_setup(const pipeline::Options& options, const dissect::FramingSelector& framings,
                        std::vector<proxy::ProxySpec>& specs, proxy::ProxyOptions& proxy_options) {
    std::string error;
    for (const auto& text : options.proxies) {
        proxy::ProxySpec spec;
        if (!proxy::parse_proxy_spec(text, spec, error))
            return "--proxy: " + error;
        specs.push_back(spec);
    }
    for (const auto& text : options.rechunk)
        if (!proxy::parse_rechunk(text, proxy_options.rechunk, error))
            return "--rechunk: " + error;
    return specs.empty() ? std::string()
                         : plan_adversarial_cuts(options, framings, specs.front(), proxy_options);
}

} // namespace

ProxySource::ProxySource(const pipeline::Options& options) : m_options_given(options) {}
ProxySource::~ProxySource() = default;

std::string ProxySource::configure(const dissect::FramingSelector& framings) {
    const auto& options = m_options_given;
    if (const auto error = parse_setup(options, framings, m_specs, m_options); !error.empty())
        return error;
    m_options.seed = options.seed.value_or(0);
    if (options.delay_ms) // unset: re-chunked writes are paced to reach the peer's reads apart
        m_options.delay_ms = static_cast<int>(*options.delay_ms);
    if (options.proxy_buffer)
        m_options.buffer_size = static_cast<std::size_t>(*options.proxy_buffer);
    m_options.on_event = [this](const proxy::ProxyEvent& event) { report(event); };
    return {};
}

// "upstream-refused (flow #3): ..." with the run-wide flow number, as a line on standard error
// or the inspector's status line.
void ProxySource::report(const proxy::ProxyEvent& event) const {
    std::string text = proxy::proxy_event_name(event.kind);
    const std::uint64_t flow_id =
        m_context && event.flow_id ? m_context->run_flow_id(event.flow_id) : event.flow_id;
    if (flow_id != 0)
        text += " (flow #" + std::to_string(flow_id) + ")";
    text += ": " + event.detail;
    const bool bad = event.kind == proxy::ProxyEventKind::upstream_refused ||
                     event.kind == proxy::ProxyEventKind::upstream_timeout ||
                     event.kind == proxy::ProxyEventKind::accept_paused ||
                     event.kind == proxy::ProxyEventKind::udp_sessions_full;
    if (m_context)
        m_context->event(text, bad);
    else
        std::fprintf(stderr, "sniff: %s\n", util::escape_text(text, 200).c_str());
}

int ProxySource::open(const SourceSetup& setup) {
    std::string error = configure(setup.framings);
    if (!error.empty()) {
        std::fprintf(stderr, "sniff: %s\n", error.c_str());
        return 2;
    }
    if (m_options_given.serve_with_proxy) {
        m_target = start_target_server(m_specs.front(), m_options_given, error);
        if (!m_target) {
            std::fprintf(stderr, "sniff: --serve: %s\n", error.c_str());
            return 1;
        }
    }
    m_proxy = std::make_unique<proxy::Proxy>(setup.io, m_specs, m_options, m_sinks);
    if (!m_proxy->start(error)) {
        std::fprintf(stderr, "sniff: %s\n", error.c_str());
        return 1;
    }
    const auto endpoints = m_proxy->listen_endpoints();
    for (std::size_t i = 0; i < endpoints.size(); ++i)
        std::fprintf(stderr, "sniff: %s proxy on %s -> %s:%u\n",
                     model::protocol_name(m_specs[i].protocol), endpoints[i].to_string().c_str(),
                     m_specs[i].target_host.c_str(), m_specs[i].target_port);
    std::fflush(stderr);
    return 0;
}

// -w records the proxy when it runs alone; beside a live capture -w is the capture's and the
// proxy records into --proxy-pcap (the option table refuses the ambiguous mixes).
int ProxySource::open_files() {
    const auto& options = m_options_given;
    const std::string& path = !options.interface_name.empty() || !options.proxy_pcap.empty()
                                  ? options.proxy_pcap
                                  : options.write_file;
    if (path.empty())
        return 0;
    if (!m_pcap.open(path, {})) {
        std::fprintf(stderr, "sniff: %s: %s\n", path.c_str(), m_pcap.error().c_str());
        return 1;
    }
    m_recording_path = path;
    m_recorder = std::make_unique<proxy::PcapRecorder>(m_pcap);
    m_sinks.add(*m_recorder); // before the loop runs: no event has been reported yet
    return 0;
}

void ProxySource::start(SourceContext& context) {
    m_context = &context;
    m_sinks.add(context.sink);
}

void ProxySource::stop() {
    if (m_proxy)
        m_proxy->stop();
}

bool ProxySource::draining() const {
    return m_proxy && m_proxy->stats().active > 0;
}

bool ProxySource::finish() {
    if (m_recorder && !m_pcap.close()) {
        std::fprintf(stderr, "sniff: %s: %s\n", m_recording_path.c_str(), m_pcap.error().c_str());
        return false;
    }
    return true;
}

void ProxySource::print_summary() const {
    if (!m_proxy)
        return;
    const auto stats = m_proxy->stats();
    using util::counted;
    std::fprintf(
        stderr, "sniff: proxy: %s, %s; c2s %" PRIu64 " B in %s, %s; s2c %" PRIu64 " B in %s, %s",
        counted(stats.connections, "connection").c_str(),
        counted(stats.upstream_failures, "upstream failure").c_str(), stats.bytes[0],
        counted(stats.chunks_in[0], "read").c_str(), counted(stats.chunks_out[0], "write").c_str(),
        stats.bytes[1], counted(stats.chunks_in[1], "read").c_str(),
        counted(stats.chunks_out[1], "write").c_str());
    const auto& rechunk = m_options.rechunk;
    if (rechunk[0].mode != proxy::RechunkMode::none || rechunk[1].mode != proxy::RechunkMode::none)
        std::fprintf(stderr,
                     "; rechunk c2s %s, s2c %s, seed %" PRIu64 "; writes the peer may have read "
                     "together (pacing not held): c2s %" PRIu64 ", s2c %" PRIu64,
                     rechunk[0].to_string().c_str(), rechunk[1].to_string().c_str(), stats.seed,
                     stats.writes_merged[0], stats.writes_merged[1]);
    if (stats.udp_dropped[0] + stats.udp_dropped[1] > 0) // never silently incomplete
        std::fprintf(stderr, "; UDP datagrams dropped c2s %" PRIu64 ", s2c %" PRIu64,
                     stats.udp_dropped[0], stats.udp_dropped[1]);
    std::fputc('\n', stderr);
}

void ProxySource::add_end_fields(nlohmann::json& end) const {
    const auto stats = m_proxy ? m_proxy->stats() : proxy::ProxyStats{};
    end["proxy"] = nlohmann::json{{"connections", stats.connections},
                                  {"upstream_failures", stats.upstream_failures},
                                  {"c2s_bytes", stats.bytes[0]},
                                  {"c2s_reads", stats.chunks_in[0]},
                                  {"c2s_writes", stats.chunks_out[0]},
                                  {"c2s_writes_merged", stats.writes_merged[0]},
                                  {"c2s_writes_unseen", stats.writes_unseen[0]},
                                  {"s2c_bytes", stats.bytes[1]},
                                  {"s2c_reads", stats.chunks_in[1]},
                                  {"s2c_writes", stats.chunks_out[1]},
                                  {"s2c_writes_merged", stats.writes_merged[1]},
                                  {"s2c_writes_unseen", stats.writes_unseen[1]},
                                  {"udp_dropped", stats.udp_dropped[0] + stats.udp_dropped[1]}};
}

std::string ProxySource::title() const {
    std::string text;
    for (const auto& spec : m_options_given.proxies)
        text += (text.empty() ? "" : ", ") + spec;
    return "proxy " + text;
}

} // namespace sniff::sources
