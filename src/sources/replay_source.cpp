#include "sources/replay_source.hpp"

#include "capture/bpf_filter.hpp"
#include "capture/file_reader.hpp"
#include "capture/pcap_writer.hpp"
#include "pipeline/packet_pipeline.hpp"
#include "proxy/pcap_recorder.hpp"
#include "replay/conversation.hpp"
#include "replay/message_finder.hpp"
#include "replay/report.hpp"
#include "sources/replay_session.hpp"
#include "sources/replay_udp_port.hpp"
#include "util/escape.hpp"
#include "util/plural.hpp"

#include <cinttypes>
#include <cstdio>
#include <nlohmann/json.hpp>

namespace sniff::sources {

namespace asio = proxy::asio;
using proxy::k_use_tuple;
using proxy::tcp;
using proxy::udp;

class ReplaySource::Impl {
public:
    explicit Impl(const pipeline::Options& given) : options(given) {}

    int configure(asio::io_context& io);
    int load(const dissect::FramingSelector& framings);
    int check_udp_rechunk();
    int resolve(asio::io_context& io);
    int bind_udp();
    std::string chunking_of(const replay::Conversation& conversation) const;
    void start(SourceContext& context);
    void stop();

    asio::awaitable<void> client_worker();
    asio::awaitable<void> serve_flows();
    asio::awaitable<void> serve_flow(std::shared_ptr<ReplaySession> session,
                                     std::unique_ptr<ReplayLink> link);
    void spawn(asio::awaitable<void> work);
    // --side server: the next peer of a TCP flow; null and the failure when there is none.
    asio::awaitable<std::unique_ptr<ReplayLink>> accept_connection(std::string& failure);
    void worker_done();
    void compared(const replay::FlowOutcome& outcome, const replay::ComparedMessage& message);

    const pipeline::Options& options;
    std::unique_ptr<ReplayShared> shared;
    replay::FlowSelection selection;
    replay::Target target;
    std::string chunking = "original";
    std::vector<replay::Conversation> conversations;
    std::vector<replay::FlowOutcome> outcomes; // one per conversation, sized once: stable
    std::vector<bool> playable;
    tcp::endpoint target_endpoint;
    std::unique_ptr<tcp::acceptor> acceptor;
    // --side server with UDP flows; before `active`: the sessions' links use it to the end.
    std::unique_ptr<UdpServerPort> udp_port;
    asio::io_context* loop = nullptr;
    std::vector<std::shared_ptr<ReplaySession>> active;
    reassembly::SinkFanout sinks; // the recording, then the run's sink
    capture::PcapWriter pcap;
    std::unique_ptr<proxy::PcapRecorder> recorder;
    SourceContext* context = nullptr;
    std::size_t next = 0;
    std::size_t workers = 0;
    std::uint64_t flows_in_capture = 0;
    bool stopping = false;
    bool load_failed = false;
};

namespace {

int usage(const std::string& message) {
    std::fprintf(stderr, "sniff: %s\nTry 'sniff --help'.\n", message.c_str());
    return 2;
}

// "[ADDR:]PORT" for --listen; 127.0.0.1 when no address is given.
bool parse_listen(const std::string& text, replay::Target& out, std::string& error) {
    if (text.find(':') == std::string::npos)
        return replay::parse_target("127.0.0.1:" + text, out, error);
    return replay::parse_target(text, out, error);
}

} // namespace

int ReplaySource::Impl::configure(asio::io_context& io) {
    shared = std::make_unique<ReplayShared>(io);
    std::string error;
    for (const auto& flow : options.replay_flows)
        if (!replay::parse_flow(flow, selection, error))
            return usage(error);
    if (!replay::parse_side(options.replay_side, shared->side, error) ||
        !replay::parse_await(options.replay_await, shared->await, error) ||
        !replay::parse_timing(options.replay_timing, shared->timing, error))
        return usage(error);
    shared->timing.max_gap_ms = options.max_gap_ms;
    if (options.answer_timeout_ms)
        shared->answer_timeout = std::chrono::milliseconds(*options.answer_timeout_ms);
    if (options.max_gap_ms && shared->timing.mode == replay::TimingMode::none)
        return usage("--max-gap caps --timing original or scale:X: give one");
    if (shared->side == replay::Side::client
            ? !replay::parse_target(options.replay_to, target, error)
            : !parse_listen(options.replay_listen, target, error))
        return usage(error);
    for (const auto& text : options.ignore_bytes) {
        replay::IgnoredBytes range;
        if (!replay::parse_ignored_bytes(text, range, error))
            return usage(error);
        shared->ignored_bytes.push_back(range);
    }
    shared->ignored_messages = options.ignore_messages;
    for (const auto& text : options.ignore_fields) {
        replay::IgnoredField field;
        if (!replay::parse_ignored_field(text, field, error))
            return usage(error);
        shared->ignored_fields.push_back(field);
    }
    // --rechunk: original, or any of the proxy's modes (for the side sniff plays).
    const auto own = shared->side == replay::Side::client ? 0 : 1;
    for (const auto& text : options.rechunk) {
        if (text == "original") {
            shared->original_chunks = true;
            continue;
        }
        proxy::RechunkPair pair{};
        if (!proxy::parse_rechunk(text, pair, error))
            return usage("--rechunk: " + error);
        shared->original_chunks = false;
        shared->rechunk = pair[static_cast<std::size_t>(own)];
    }
    if (!shared->original_chunks && shared->rechunk.mode == proxy::RechunkMode::none)
        chunking = "none (each turn in one write)";
    else
        chunking = shared->original_chunks ? "original" : shared->rechunk.to_string();
    shared->seed = options.seed.value_or(1);
    if (options.delay_ms)
        shared->delay_ms = static_cast<int>(*options.delay_ms);
    return 0;
}

int ReplaySource::Impl::load(const dissect::FramingSelector& framings) {
    capture::CaptureError open_error;
    auto reader = capture::FileReader::open(options.replay_file, open_error);
    if (!reader) {
        std::fprintf(stderr, "sniff: %s: %s\n", options.replay_file.c_str(),
                     open_error.to_string().c_str());
        return 1;
    }
    replay::ConversationCollector collector(
        [this](const model::Flow& flow) { return selection.wants(flow.id); });
    pipeline::PacketPipeline packets(pipeline::reassembly_config(options), collector);
    if (!options.filter.empty()) {
        std::string error;
        auto filter = capture::BpfFilter::compile(options.filter, reader->first_link_type(),
                                                  reader->snap_length(), error);
        if (!filter) {
            std::fprintf(stderr, "sniff: bad filter '%s': %s\n", options.filter.c_str(),
                         error.c_str());
            return 2;
        }
        packets.set_filter(std::move(filter));
    }
    capture::RawPacket packet;
    while (reader->next(packet))
        packets.add(packet);
    packets.finish();
    if (reader->error()) {
        std::fprintf(stderr, "sniff: %s: damaged capture at %s; flows before it are replayed\n",
                     options.replay_file.c_str(), reader->error()->to_string().c_str());
        load_failed = true;
    }
    flows_in_capture = collector.flows_seen();
    conversations = collector.take();
    if (conversations.empty()) {
        std::fprintf(stderr, "sniff replay: %s: no flow to replay (%s in it%s)\n",
                     options.replay_file.c_str(), util::counted(flows_in_capture, "flow").c_str(),
                     options.filter.empty() ? "" : " pass the filter");
        return 1;
    }
    for (const auto id : selection.ids)
        if (std::none_of(conversations.begin(), conversations.end(),
                         [id](const auto& c) { return c.flow.id == id; })) {
            std::fprintf(stderr, "sniff replay: %s has no flow %" PRIu64 " (%s)\n",
                         options.replay_file.c_str(), id,
                         util::counted(flows_in_capture, "flow").c_str());
            return 1;
        }
    outcomes.resize(conversations.size());
    playable.assign(conversations.size(), true);
    const auto auto_spec = std::get<dissect::FramingSpec>(dissect::parse_spec("auto"));
    for (std::size_t i = 0; i < conversations.size(); ++i) {
        auto& conversation = conversations[i];
        auto& outcome = outcomes[i];
        outcome.captured_flow = conversation.flow.id;
        outcome.side = shared->side == replay::Side::client ? "client" : "server";
        outcome.chunking = chunking;
        outcome.peer = target.host + ":" + std::to_string(target.port);
        outcome.chunking = chunking_of(conversation);
        if (conversation.started_mid_connection()) {
            outcome.failure = "the capture began after this connection did (no SYN): its first "
                              "bytes may be the middle of a message, so it is not replayed";
            playable[i] = false;
            continue;
        }
        // Without --framing the turns come from auto's guess (raw if it finds nothing).
        dissect::FramingSpec spec = framings.spec_for(conversation.flow);
        if (spec.family == dissect::Family::raw && options.framings.empty())
            spec = auto_spec;
        replay::find_messages(conversation, spec);
    }
    return check_udp_rechunk();
}

// Datagrams are messages: cutting or merging them would change what the peer receives, so
// --rechunk (other than original) applies to TCP flows only; asked for UDP flows alone, it is a
// usage error, beside TCP flows a note on each UDP flow.
int ReplaySource::Impl::check_udp_rechunk() {
    const bool asked = std::any_of(options.rechunk.begin(), options.rechunk.end(),
                                   [](const std::string& text) { return text != "original"; });
    if (!asked)
        return 0;
    bool any_tcp = false;
    for (std::size_t i = 0; i < conversations.size(); ++i)
        any_tcp =
            any_tcp || (playable[i] && conversations[i].flow.protocol == model::Protocol::tcp);
    if (!any_tcp)
        return usage("--rechunk does not apply to UDP flows: each captured datagram is sent as one "
                     "datagram (cutting it would change the message); leave --rechunk out");
    for (std::size_t i = 0; i < conversations.size(); ++i)
        if (conversations[i].flow.protocol == model::Protocol::udp)
            outcomes[i].notes.push_back("--rechunk applies to TCP flows only: this UDP flow's "
                                        "datagrams were sent as captured");
    return 0;
}

std::string ReplaySource::Impl::chunking_of(const replay::Conversation& conversation) const {
    return conversation.flow.protocol == model::Protocol::udp ? "datagrams as captured" : chunking;
}

int ReplaySource::Impl::resolve(asio::io_context& io) {
    boost::system::error_code ec;
    loop = &io;
    if (shared->side == replay::Side::client) {
        tcp::resolver resolver(io);
        const auto results = resolver.resolve(target.host, std::to_string(target.port), ec);
        if (ec || results.empty()) {
            std::fprintf(stderr, "sniff replay: cannot resolve \"%s\": %s\n", target.host.c_str(),
                         ec.message().c_str());
            return 1;
        }
        target_endpoint = results.begin()->endpoint();
        return 0;
    }
    const auto address = asio::ip::make_address(target.host, ec);
    if (ec)
        return usage("--listen: bad address \"" + target.host + "\"");
    bool any_tcp = false;
    bool any_udp = false;
    for (std::size_t i = 0; i < conversations.size(); ++i) {
        const bool is_udp = conversations[i].flow.protocol == model::Protocol::udp;
        any_tcp = any_tcp || (playable[i] && !is_udp);
        any_udp = any_udp || (playable[i] && is_udp);
    }
    if (any_udp)
        if (const int status = bind_udp(); status != 0)
            return status;
    if (!any_tcp)
        return 0;
    acceptor = std::make_unique<tcp::acceptor>(io);
    const tcp::endpoint local(address, target.port);
    acceptor->open(local.protocol(), ec);
    if (!ec)
        acceptor->set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec)
        acceptor->bind(local, ec);
    if (!ec)
        acceptor->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
        std::fprintf(stderr, "sniff replay: cannot listen on %s:%u: %s\n", target.host.c_str(),
                     static_cast<unsigned>(target.port), ec.message().c_str());
        return 1;
    }
    return 0;
}

// --side server, UDP: one socket bound to --listen for every UDP flow (replay_udp_port).
int ReplaySource::Impl::bind_udp() {
    boost::system::error_code ec;
    const udp::endpoint local(asio::ip::make_address(target.host, ec), target.port);
    udp_port = std::make_unique<UdpServerPort>(*loop);
    const std::string error = ec ? ec.message() : udp_port->bind(local);
    if (!error.empty()) {
        std::fprintf(stderr, "sniff replay: cannot listen on UDP %s:%u: %s\n", target.host.c_str(),
                     static_cast<unsigned>(target.port), error.c_str());
        return 1;
    }
    return 0;
}

void ReplaySource::Impl::compared(const replay::FlowOutcome& outcome,
                                  const replay::ComparedMessage& message) {
    if (options.json) {
        const std::string line = replay::replay_event_json(outcome, message);
        std::fwrite(line.data(), 1, line.size(), stdout);
        std::fputc('\n', stdout);
        return;
    }
    const auto verdict = message.comparison.verdict;
    if (verdict != replay::Verdict::equal && verdict != replay::Verdict::ignored && context)
        context->status("replay of flow " + std::to_string(outcome.captured_flow) + ": message " +
                            std::to_string(message.comparison.index + 1) + " " +
                            replay::verdict_name(verdict),
                        true);
}

void ReplaySource::Impl::start(SourceContext& run_context) {
    context = &run_context;
    sinks.add(run_context.sink);
    shared->sink = &sinks;
    shared->run_flow_id = run_context.run_flow_id;
    shared->compared = [this](const replay::FlowOutcome& outcome,
                              const replay::ComparedMessage& message) {
        compared(outcome, message);
    };
    if (shared->side == replay::Side::server) {
        workers = 1;
        if (udp_port)
            udp_port->start();
        spawn(serve_flows());
        return;
    }
    workers = std::min<std::size_t>(options.concurrency.value_or(1), conversations.size());
    for (std::size_t i = 0; i < workers; ++i)
        spawn(client_worker());
}

void ReplaySource::Impl::spawn(asio::awaitable<void> work) {
    asio::co_spawn(shared->io, std::move(work), [](std::exception_ptr failure) {
        if (failure)
            std::rethrow_exception(failure);
    });
}

void ReplaySource::Impl::worker_done() {
    if (--workers == 0 && context)
        context->ended();
}

asio::awaitable<void> ReplaySource::Impl::client_worker() {
    while (!stopping && next < conversations.size()) {
        const std::size_t index = next++;
        if (!playable[index])
            continue;
        auto session =
            std::make_shared<ReplaySession>(*shared, conversations[index], outcomes[index]);
        outcomes[index].chunking = chunking_of(conversations[index]);
        active.push_back(session);
        co_await session->run_client(target_endpoint.address(), target_endpoint.port());
        std::erase(active, session);
    }
    worker_done();
}

// --side server: the Nth client that connects (or, for a UDP flow, sends a first datagram) gets
// the Nth flow, at once: a client that opens its connections side by side (a browser, a pool)
// has each served while the others play.
asio::awaitable<void> ReplaySource::Impl::serve_flows() {
    while (!stopping && next < conversations.size()) {
        const std::size_t index = next++;
        if (!playable[index])
            continue;
        std::unique_ptr<ReplayLink> link;
        std::string failure;
        if (conversations[index].flow.protocol == model::Protocol::udp) {
            link = co_await udp_port->next_client();
            failure = "the UDP socket on --listen closed";
        } else {
            link = co_await accept_connection(failure);
        }
        if (stopping)
            break;
        if (!link) {
            outcomes[index].failure = failure;
            break;
        }
        auto session =
            std::make_shared<ReplaySession>(*shared, conversations[index], outcomes[index]);
        outcomes[index].chunking = chunking_of(conversations[index]);
        active.push_back(session);
        ++workers;
        spawn(serve_flow(std::move(session), std::move(link)));
    }
    worker_done();
}

asio::awaitable<void> ReplaySource::Impl::serve_flow(std::shared_ptr<ReplaySession> session,
                                                     std::unique_ptr<ReplayLink> link) {
    co_await session->run_server(std::move(link));
    std::erase(active, session);
    worker_done();
}

asio::awaitable<std::unique_ptr<ReplayLink>>
ReplaySource::Impl::accept_connection(std::string& failure) {
    auto [error, socket] = co_await acceptor->async_accept(k_use_tuple);
    if (error) {
        failure = "accept: " + error.message();
        co_return nullptr;
    }
    co_return tcp_link(std::move(socket));
}

void ReplaySource::Impl::stop() {
    stopping = true;
    boost::system::error_code ignored;
    if (acceptor)
        acceptor->close(ignored);
    if (udp_port)
        udp_port->close();
    for (auto& session : active)
        session->close();
}

ReplaySource::ReplaySource(const pipeline::Options& options)
    : m_impl(std::make_unique<Impl>(options)) {}
ReplaySource::~ReplaySource() = default;

std::string ReplaySource::label() const {
    return "replay of " + m_impl->options.replay_file;
}

std::string ReplaySource::title() const {
    const auto& o = m_impl->options;
    return "replay " + o.replay_file +
           (o.replay_side == "server" ? " as server on " + o.replay_listen : " to " + o.replay_to);
}

int ReplaySource::open(const SourceSetup& setup) {
    if (const int status = m_impl->configure(setup.io); status != 0)
        return status;
    if (const int status = m_impl->load(setup.framings); status != 0)
        return status;
    return m_impl->resolve(setup.io);
}

int ReplaySource::open_files() {
    const auto& o = m_impl->options;
    if (o.write_file.empty())
        return 0;
    if (!m_impl->pcap.open(o.write_file, {})) {
        std::fprintf(stderr, "sniff: %s: %s\n", o.write_file.c_str(), m_impl->pcap.error().c_str());
        return 1;
    }
    m_impl->recorder = std::make_unique<proxy::PcapRecorder>(m_impl->pcap);
    m_impl->sinks.add(*m_impl->recorder);
    return 0;
}

void ReplaySource::announce() const {
    const auto& o = m_impl->options;
    if (o.quiet || o.json)
        return;
    std::size_t playable = 0;
    for (const bool can : m_impl->playable)
        playable += can ? 1 : 0;
    if (o.replay_side == "server")
        std::fprintf(stderr, "sniff: replaying the server of %s of %s on %s:%u\n",
                     util::counted(playable, "flow").c_str(), o.replay_file.c_str(),
                     m_impl->target.host.c_str(), static_cast<unsigned>(m_impl->target.port));
    else
        std::fprintf(stderr, "sniff: replaying %s of %s to %s\n",
                     util::counted(playable, "flow").c_str(), o.replay_file.c_str(),
                     o.replay_to.c_str());
}

void ReplaySource::start(SourceContext& context) {
    m_impl->start(context);
    if (m_impl->workers == 0)
        proxy::asio::post(context.io, context.ended);
}

void ReplaySource::stop() {
    m_impl->stop();
}

bool ReplaySource::draining() const {
    return !m_impl->active.empty();
}

bool ReplaySource::finish() {
    if (m_impl->options.json) {
        // Per flow, then the summary: notes and failures are data here, not only stderr text.
        for (const auto& outcome : m_impl->outcomes) {
            const std::string line = replay::replay_flow_json(outcome);
            std::fwrite(line.data(), 1, line.size(), stdout);
            std::fputc('\n', stdout);
        }
        const std::string line = replay::replay_summary_json(m_impl->outcomes);
        std::fwrite(line.data(), 1, line.size(), stdout);
        std::fputc('\n', stdout);
    }
    bool ok = !m_impl->load_failed;
    if (m_impl->recorder && !m_impl->pcap.close()) {
        std::fprintf(stderr, "sniff: %s: %s\n", m_impl->options.write_file.c_str(),
                     m_impl->pcap.error().c_str());
        ok = false;
    }
    return ok;
}

void ReplaySource::add_end_fields(nlohmann::json& end) const {
    end["replay"] = nlohmann::json::parse(replay::replay_summary_json(m_impl->outcomes));
    end["replay"].erase("type");
    end["replay"]["writes_merged"] = m_impl->shared ? m_impl->shared->writes_merged : 0;
}

void ReplaySource::print_summary() const {
    if (m_impl->options.json) {
        for (const auto& outcome : m_impl->outcomes) {
            for (const auto& note : outcome.notes)
                std::fprintf(stderr, "sniff: replay of flow %" PRIu64 ": %s\n",
                             outcome.captured_flow, note.c_str());
            if (!outcome.failure.empty())
                std::fprintf(stderr, "sniff: replay of flow %" PRIu64 " failed: %s\n",
                             outcome.captured_flow, outcome.failure.c_str());
        }
        std::fprintf(stderr, "sniff: %s\n", replay::summary_line(m_impl->outcomes).c_str());
        return;
    }
    std::fflush(stdout);
    replay::print_text_report(stdout, m_impl->outcomes);
    std::fflush(stdout);
    if (m_impl->shared && m_impl->shared->writes_merged > 0)
        std::fprintf(stderr,
                     "sniff: replay: %" PRIu64
                     " writes may have reached the peer together (it did not read in time)\n",
                     m_impl->shared->writes_merged);
}

std::optional<int> ReplaySource::exit_status() const {
    for (const auto& outcome : m_impl->outcomes)
        if (!outcome.failure.empty() || !outcome.tally.all_equal())
            return 1;
    return 0;
}

} // namespace sniff::sources
