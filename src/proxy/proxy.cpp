#include "proxy/proxy_impl.hpp"
#include "util/enum_names.hpp"

#include <chrono>
#include <malloc.h>
#include <random>
#include <sys/resource.h>

namespace sniff::proxy {

using model::Direction;

namespace {

constexpr std::array<util::EnumName<ProxyEventKind>, 6> k_event_names{{
    {ProxyEventKind::upstream_refused, "upstream-refused"},
    {ProxyEventKind::upstream_timeout, "upstream-timeout"},
    {ProxyEventKind::accept_paused, "accept-paused"},
    {ProxyEventKind::accept_resumed, "accept-resumed"},
    {ProxyEventKind::udp_session_closed, "udp-session-closed"},
    {ProxyEventKind::udp_sessions_full, "udp-sessions-full"},
}};

} // namespace

const char* proxy_event_name(ProxyEventKind kind) {
    return util::name_of(k_event_names, kind);
}

model::Timestamp now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

namespace {

// Thousands of connections need two descriptors each: take all the kernel allows us.
void raise_fd_limit() {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
    }
}

// Time to wait before accepting again after EMFILE and friends: the condition only clears when a
// connection ends, so retrying at once would spin.
constexpr auto k_accept_backoff = std::chrono::milliseconds(100);

// How often the sink hears that time passes (a recording's flush: what a kill -9 can lose) and
// the proxy checks whether a burst of connections is over.
constexpr auto k_tick = std::chrono::milliseconds(250);

} // namespace

namespace {

ProxyOptions with_defaults(ProxyOptions options) {
    if (options.buffer_size == 0)
        options.buffer_size = ProxyOptions{}.buffer_size;
    return options;
}

// Free read buffers kept for the next reads: enough for both directions of a couple of busy
// connections; what a burst of many connections allocated beyond this is freed again.
constexpr std::size_t k_free_buffers_kept = 4;

} // namespace

Proxy::Impl::Impl(asio::io_context& io, std::vector<ProxySpec> specs, ProxyOptions options,
                  reassembly::StreamSink& sink)
    : m_io(io), m_specs(std::move(specs)), m_options(with_defaults(std::move(options))),
      m_buffers(m_options.buffer_size, k_free_buffers_kept), m_sink(sink), m_clock(io) {
    m_stats.seed = m_options.seed;
    while (m_stats.seed == 0)
        m_stats.seed = (std::uint64_t{std::random_device{}()} << 32) | std::random_device{}();
    m_options.seed = m_stats.seed;
}

bool Proxy::Impl::bind(Listener& listener, std::string& error) {
    const ProxySpec& spec = listener.spec;
    boost::system::error_code ec;
    const auto listen_ip = asio::ip::make_address(spec.listen_address, ec);
    if (ec) {
        error = "bad listen address \"" + spec.listen_address + "\"";
        return false;
    }
    const std::string port = std::to_string(spec.target_port);
    if (spec.protocol == model::Protocol::tcp) {
        tcp::resolver resolver(m_io);
        const auto results = resolver.resolve(spec.target_host, port, ec);
        if (ec || results.empty()) {
            error = "cannot resolve \"" + spec.target_host + "\": " + ec.message();
            return false;
        }
        listener.tcp_target = results.begin()->endpoint();
        auto acceptor = std::make_unique<tcp::acceptor>(m_io);
        const tcp::endpoint local(listen_ip, spec.listen_port);
        acceptor->open(local.protocol(), ec);
        if (!ec)
            acceptor->set_option(asio::socket_base::reuse_address(true), ec);
        if (!ec)
            acceptor->bind(local, ec);
        if (!ec)
            acceptor->listen(asio::socket_base::max_listen_connections, ec);
        listener.acceptor = std::move(acceptor);
    } else {
        udp::resolver resolver(m_io);
        const auto results = resolver.resolve(spec.target_host, port, ec);
        if (ec || results.empty()) {
            error = "cannot resolve \"" + spec.target_host + "\": " + ec.message();
            return false;
        }
        listener.udp_target = results.begin()->endpoint();
        const udp::endpoint local(listen_ip, spec.listen_port);
        auto socket = std::make_unique<udp::socket>(m_io);
        socket->open(local.protocol(), ec);
        if (!ec)
            socket->bind(local, ec);
        listener.udp_socket = std::move(socket);
        listener.udp_buffer.resize(65536);
    }
    if (ec) {
        error = "cannot listen on " + spec.listen_address + ":" + std::to_string(spec.listen_port) +
                ": " + ec.message();
        return false;
    }
    return true;
}

bool Proxy::Impl::start(std::string& error) {
    if (m_started) {
        error = "proxy already started";
        return false;
    }
    raise_fd_limit();
    m_listeners.clear();
    m_listeners.reserve(m_specs.size()); // coroutines keep references into this vector
    for (const auto& spec : m_specs) {
        m_listeners.push_back(Listener{});
        m_listeners.back().spec = spec;
        if (!bind(m_listeners.back(), error)) {
            error = spec.to_string() + ": " + error;
            m_listeners.clear();
            return false;
        }
    }
    m_started = true;
    auto self = shared_from_this();
    for (auto& listener : m_listeners) {
        auto loop = listener.acceptor ? accept_loop(listener) : udp_loop(listener);
        // The lambda keeps the Impl alive as long as the loop runs.
        asio::co_spawn(m_io, std::move(loop), [self](std::exception_ptr failure) {
            if (failure)
                std::rethrow_exception(failure);
        });
    }
    asio::co_spawn(m_io, clock_loop(), [self](std::exception_ptr failure) {
        if (failure)
            std::rethrow_exception(failure);
    });
    return true;
}

asio::awaitable<void> Proxy::Impl::clock_loop() {
    while (!m_stopped) {
        m_clock.expires_after(k_tick);
        co_await m_clock.async_wait(k_use_tuple);
        if (m_stopped)
            break;
        m_sink.on_tick(now_ns());
        return_memory_when_quiet();
    }
}

// After a burst, the memory its connections used (coroutine frames, read buffers, socket
// state) is free but stays in the process: glibc keeps freed heap pages, and 1 MiB buffers come
// from the heap once one has been freed (the mmap threshold grows). Once a tick passes without a
// new connection, the kept buffers are freed and malloc_trim gives the free pages back.
void Proxy::Impl::return_memory_when_quiet() {
    const bool quiet = m_opened_since_tick == 0;
    m_opened_since_tick = 0;
    if (!quiet || m_closed_since_trim == 0)
        return;
    m_closed_since_trim = 0;
    m_buffers.release_free();
    ::malloc_trim(0);
    ++m_memory_trims;
}

void Proxy::Impl::stop() {
    if (m_stopped)
        return;
    m_stopped = true;
    m_clock.cancel();
    boost::system::error_code ignored;
    for (auto& listener : m_listeners) {
        if (listener.acceptor)
            listener.acceptor->close(ignored);
        if (listener.udp_socket) {
            // The kernel's count dies with the socket; sessions keep theirs as they end.
            m_stats.udp_dropped[0] += udp_queue_drops(*listener.udp_socket);
            listener.udp_socket->close(ignored);
        }
    }
    // close() may end a session at once, which removes it from the map: iterate a copy.
    std::vector<Session*> sessions;
    sessions.reserve(m_sessions.size());
    for (auto& [id, session] : m_sessions)
        sessions.push_back(session);
    for (auto* session : sessions)
        session->close();
}

asio::awaitable<void> Proxy::Impl::accept_loop(Listener& listener) {
    bool paused = false;
    asio::steady_timer backoff(m_io);
    while (!m_stopped) {
        // The peer's address is taken now: a client that resets before its session runs has
        // no remote_endpoint() any more, and its flow would show 0.0.0.0:0.
        tcp::endpoint peer;
        auto [ec, socket] = co_await listener.acceptor->async_accept(peer, k_use_tuple);
        if (m_stopped)
            break;
        if (ec) {
            // EMFILE and the like: keep serving the open connections, say so once per episode.
            ++m_stats.accept_errors;
            if (!paused)
                report(ProxyEventKind::accept_paused, 0,
                       "accept on " + listener.spec.to_string() + ": " + ec.message());
            paused = true;
            backoff.expires_after(k_accept_backoff);
            co_await backoff.async_wait(k_use_tuple);
            continue;
        }
        if (paused) {
            paused = false;
            report(ProxyEventKind::accept_resumed, 0, "accepting on " + listener.spec.to_string());
        }
        spawn_tcp_session(shared_from_this(), listener, std::move(socket), peer);
    }
}

asio::awaitable<void> Proxy::Impl::udp_loop(Listener& listener) {
    while (!m_stopped) {
        udp::endpoint client;
        auto [ec, size] = co_await listener.udp_socket->async_receive_from(
            asio::buffer(listener.udp_buffer), client, k_use_tuple);
        if (m_stopped)
            break;
        if (ec)
            continue; // e.g. an ICMP error for an earlier send_to: not fatal to the listener
        udp_from_client(shared_from_this(), listener, client,
                        util::Bytes(listener.udp_buffer.data(), size));
    }
}

model::Flow Proxy::Impl::new_flow(model::Protocol protocol, const model::Endpoint& client,
                                  const model::Endpoint& server) {
    model::Flow flow;
    flow.id = m_next_flow_id++;
    flow.protocol = protocol;
    flow.client = client;
    flow.server = server;
    flow.first_seen = flow.last_seen = now_ns();
    flow.saw_syn = protocol == model::Protocol::tcp; // roles are known: the client connected
    ++m_stats.connections;
    ++m_stats.active;
    ++m_opened_since_tick;
    return flow;
}

void Proxy::Impl::announce_flow(model::Flow& flow) {
    flow.first_frame = m_next_frame;
    m_sink.on_flow_open(flow);
}

void Proxy::Impl::count_read(Direction direction, std::size_t size) {
    const auto d = static_cast<std::size_t>(direction);
    ++m_stats.chunks_in[d];
    m_stats.bytes[d] += size;
}

void Proxy::Impl::report_segment(model::Flow& flow, Direction direction, util::Bytes bytes) {
    const auto segment =
        model::count_chunk(flow.of(direction), m_next_frame++, now_ns(), bytes.size());
    flow.last_seen = segment.time;
    m_sink.on_data(flow, direction, segment, bytes);
}

void Proxy::Impl::close_flow(const model::Flow& flow, reassembly::CloseReason reason) {
    --m_stats.active;
    ++m_closed_since_trim;
    m_sink.on_flow_close(flow, reason);
}

void Proxy::Impl::report(ProxyEventKind kind, std::uint64_t flow_id, std::string detail) {
    if (kind == ProxyEventKind::upstream_refused || kind == ProxyEventKind::upstream_timeout)
        ++m_stats.upstream_failures;
    if (m_options.on_event)
        m_options.on_event(ProxyEvent{kind, flow_id, std::move(detail)});
}

Proxy::Proxy(asio::io_context& io, std::vector<ProxySpec> specs, ProxyOptions options,
             reassembly::StreamSink& sink)
    : m_impl(std::make_shared<Impl>(io, std::move(specs), std::move(options), sink)) {}

Proxy::~Proxy() {
    m_impl->stop();
}

bool Proxy::start(std::string& error) {
    return m_impl->start(error);
}
void Proxy::stop() {
    m_impl->stop();
}
ProxyStats Proxy::stats() const {
    ProxyStats stats = m_impl->stats();
    stats.buffer_bytes = m_impl->buffers().allocated() * m_impl->buffers().buffer_size();
    for (auto& listener : m_impl->listeners())
        add_udp_queue_drops(listener, stats);
    return stats;
}

std::vector<model::Endpoint> Proxy::listen_endpoints() const {
    std::vector<model::Endpoint> endpoints;
    boost::system::error_code ec;
    for (const auto& listener : m_impl->listeners()) {
        if (listener.acceptor) {
            const auto local = listener.acceptor->local_endpoint(ec);
            endpoints.push_back(to_model(local.address(), local.port()));
        } else if (listener.udp_socket) {
            const auto local = listener.udp_socket->local_endpoint(ec);
            endpoints.push_back(to_model(local.address(), local.port()));
        }
    }
    return endpoints;
}

} // namespace sniff::proxy
