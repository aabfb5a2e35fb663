#pragma once
// Internal to src/proxy: the Asio side of Proxy. Not included by other modules.

#include "proxy/asio_coroutines.hpp"
#include "proxy/buffer_pool.hpp"
#include "proxy/model_endpoint.hpp"
#include "proxy/peer_probe.hpp"
#include "proxy/proxy.hpp"

#include <map>
#include <unordered_map>

namespace sniff::proxy {

model::Timestamp now_ns();

// A live TCP connection or UDP session, so stop() can close it.
class Session {
public:
    virtual ~Session() = default;
    virtual void close() = 0; // from stop(): close sockets; the session reports its own end
};

class UdpSession;

struct Listener {
    ProxySpec spec;
    tcp::endpoint tcp_target;
    udp::endpoint udp_target;
    std::unique_ptr<tcp::acceptor> acceptor;
    std::unique_ptr<udp::socket> udp_socket;
    std::vector<std::byte> udp_buffer; // one datagram from a client, reused
    std::map<udp::endpoint, std::shared_ptr<UdpSession>> udp_sessions;
    // New clients are being turned away (session limit or no socket): said once until a new
    // session opens again.
    bool udp_refusing = false;
};

class Proxy::Impl : public std::enable_shared_from_this<Proxy::Impl> {
public:
    Impl(asio::io_context& io, std::vector<ProxySpec> specs, ProxyOptions options,
         reassembly::StreamSink& sink);

    bool start(std::string& error);
    void stop();

    // A new flow with the next id, counted, timed now, not reported yet: its session fills in
    // the proxy's legs (known once the upstream socket exists), then calls announce_flow.
    model::Flow new_flow(model::Protocol protocol, const model::Endpoint& client,
                         const model::Endpoint& server);
    // Reports the flow with on_flow_open; its frames are numbered from here.
    void announce_flow(model::Flow& flow);
    // Reports one recv() result to the sink and counts it.
    void record(model::Flow& flow, model::Direction direction, util::Bytes bytes) {
        count_read(direction, bytes.size());
        report_segment(flow, direction, bytes);
    }
    // A recv() result, counted only: a re-chunked direction reports its writes instead.
    void count_read(model::Direction direction, std::size_t size);
    // Reports bytes to the sink as the direction's next segment, timed now.
    void report_segment(model::Flow& flow, model::Direction direction, util::Bytes bytes);
    void close_flow(const model::Flow& flow, reassembly::CloseReason reason);
    // Memory released to the system so far (for tests): trims done when the proxy went quiet.
    std::uint64_t memory_trims() const { return m_memory_trims; }
    void report(ProxyEventKind kind, std::uint64_t flow_id, std::string detail);

    void add_session(std::uint64_t id, Session& session) { m_sessions[id] = &session; }
    void remove_session(std::uint64_t id) { m_sessions.erase(id); }

    asio::io_context& io() { return m_io; }
    const ProxyOptions& options() const { return m_options; }
    BufferPool& buffers() { return m_buffers; }
    PeerProbe& peer_probe() { return m_peer_probe; }
    ProxyStats& stats() { return m_stats; }
    bool stopped() const { return m_stopped; }
    const std::vector<Listener>& listeners() const { return m_listeners; }
    std::vector<Listener>& listeners() { return m_listeners; }

private:
    bool bind(Listener& listener, std::string& error);
    asio::awaitable<void> accept_loop(Listener& listener);
    asio::awaitable<void> udp_loop(Listener& listener);
    // Every k_tick: tells the sink time passes (a recording flushes) and returns memory once a
    // burst of connections is over.
    asio::awaitable<void> clock_loop();
    void return_memory_when_quiet();

    asio::io_context& m_io;
    std::vector<ProxySpec> m_specs;
    ProxyOptions m_options;
    BufferPool m_buffers;   // read buffers of every TCP connection, options().buffer_size each
    PeerProbe m_peer_probe; // shared by every paced connection direction
    reassembly::StreamSink& m_sink;
    ProxyStats m_stats;
    std::vector<Listener> m_listeners;
    std::unordered_map<std::uint64_t, Session*> m_sessions;
    asio::steady_timer m_clock;
    std::uint64_t m_closed_since_trim = 0; // connections ended since memory was last returned
    std::uint64_t m_opened_since_tick = 0;
    std::uint64_t m_memory_trims = 0;
    std::uint64_t m_next_flow_id = 1;
    std::uint64_t m_next_frame = 1;
    bool m_started = false;
    bool m_stopped = false;
};

// Runs one accepted connection to its end (tcp_session.cpp).
// peer: the client's address as accept() returned it.
void spawn_tcp_session(std::shared_ptr<Proxy::Impl> impl, const Listener& listener,
                       tcp::socket client, const tcp::endpoint& peer);
// Datagrams the kernel dropped because a socket's receive queue was full (SO_MEMINFO).
std::uint64_t udp_queue_drops(udp::socket& socket);
// Adds the drops counted so far on a UDP listener's socket and its sessions' sockets.
void add_udp_queue_drops(Listener& listener, ProxyStats& stats);
// Passes one client datagram to its session, creating the session first (udp_session.cpp).
void udp_from_client(std::shared_ptr<Proxy::Impl> impl, Listener& listener,
                     const udp::endpoint& client, util::Bytes datagram);

} // namespace sniff::proxy
