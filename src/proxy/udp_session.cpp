// UDP: one upstream socket per client address (a session), closed after an idle timeout.
// Datagrams are forwarded whole and each one is one chunk; re-chunking does not apply, since
// splitting or merging datagrams would change the messages themselves.
#include "proxy/proxy_impl.hpp"

#include <linux/sock_diag.h>
#include <sys/socket.h>
#include <utility>

namespace sniff::proxy {

using model::Direction;

class UdpSession final : public Session, public std::enable_shared_from_this<UdpSession> {
public:
    UdpSession(std::shared_ptr<Proxy::Impl> impl, Listener& listener, udp::endpoint client)
        : m_impl(std::move(impl)), m_listener(listener), m_client(std::move(client)),
          m_upstream(m_impl->io()), m_idle(m_impl->io()) {}

    // Opens the upstream socket and starts the reader and the idle timer; false on failure.
    bool open(std::string& error);
    void from_client(util::Bytes datagram);
    void close() override { end(reassembly::CloseReason::end_of_input, "proxy stopped"); }
    std::uint64_t queue_drops() { return udp_queue_drops(m_upstream); }

private:
    asio::awaitable<void> read_upstream();
    asio::awaitable<void> expire();
    void end(reassembly::CloseReason reason, const std::string& why);

    std::shared_ptr<Proxy::Impl> m_impl;
    Listener& m_listener; // lives in the Impl, which we keep alive
    udp::endpoint m_client;
    udp::socket m_upstream;
    asio::steady_timer m_idle;
    model::Flow m_flow;
    std::vector<std::byte> m_buffer; // one datagram from upstream
    std::chrono::steady_clock::time_point m_last_activity = std::chrono::steady_clock::now();
    bool m_closed = false;
};

bool UdpSession::open(std::string& error) {
    boost::system::error_code ec;
    m_upstream.open(m_listener.udp_target.protocol(), ec);
    if (!ec)
        m_upstream.connect(m_listener.udp_target, ec); // only the target's replies come back
    if (ec) {
        error = ec.message();
        return false;
    }
    m_buffer.resize(65536);
    const auto& target = m_listener.udp_target;
    m_flow = m_impl->new_flow(model::Protocol::udp, to_model(m_client.address(), m_client.port()),
                              to_model(target.address(), target.port()));
    // The listening socket is shared by every client: its address is the one it was bound to.
    const auto listener = m_listener.udp_socket->local_endpoint(ec);
    const auto local = m_upstream.local_endpoint(ec);
    m_flow.legs.listener = to_model(listener.address(), listener.port());
    m_flow.legs.upstream_local = to_model(local.address(), local.port());
    m_impl->announce_flow(m_flow);
    m_impl->add_session(m_flow.id, *this);
    auto self = shared_from_this();
    auto rethrow = [self](std::exception_ptr failure) {
        if (failure)
            std::rethrow_exception(failure);
    };
    asio::co_spawn(m_impl->io(), read_upstream(), rethrow);
    asio::co_spawn(m_impl->io(), expire(), rethrow);
    return true;
}

void UdpSession::from_client(util::Bytes datagram) {
    m_last_activity = std::chrono::steady_clock::now();
    m_impl->record(m_flow, Direction::c2s, datagram);
    boost::system::error_code ec;
    // A full socket buffer drops the datagram, as a congested network would.
    m_upstream.send(asio::buffer(datagram.data(), datagram.size()), 0, ec);
    if (!ec)
        ++m_impl->stats().chunks_out[0];
    else
        ++m_impl->stats().udp_dropped[0];
}

asio::awaitable<void> UdpSession::read_upstream() {
    while (!m_closed) {
        auto [ec, size] = co_await m_upstream.async_receive(asio::buffer(m_buffer), k_use_tuple);
        if (m_closed)
            break;
        if (ec == asio::error::connection_refused)
            continue; // ICMP port unreachable for an earlier datagram: the target may come up
        if (ec) {
            end(reassembly::CloseReason::rst, "upstream: " + ec.message());
            break;
        }
        m_last_activity = std::chrono::steady_clock::now();
        const util::Bytes datagram(m_buffer.data(), size);
        m_impl->record(m_flow, Direction::s2c, datagram);
        boost::system::error_code send_ec;
        m_listener.udp_socket->send_to(asio::buffer(m_buffer.data(), size), m_client, 0, send_ec);
        if (!send_ec)
            ++m_impl->stats().chunks_out[1];
        else
            ++m_impl->stats().udp_dropped[1];
    }
}

asio::awaitable<void> UdpSession::expire() {
    const auto idle = std::chrono::milliseconds(m_impl->options().udp_idle_timeout_ms);
    while (!m_closed) {
        m_idle.expires_at(m_last_activity + idle);
        auto [ec] = co_await m_idle.async_wait(k_use_tuple);
        if (m_closed || ec)
            break;
        if (std::chrono::steady_clock::now() >= m_last_activity + idle) {
            end(reassembly::CloseReason::idle, "idle for " + std::to_string(idle.count()) + " ms");
            break;
        }
    }
}

void UdpSession::end(reassembly::CloseReason reason, const std::string& why) {
    if (m_closed)
        return;
    m_closed = true;
    auto self = shared_from_this(); // erasing from the map below may drop the last owner
    m_impl->stats().udp_dropped[1] += udp_queue_drops(m_upstream); // lost with the socket
    boost::system::error_code ignored;
    m_upstream.close(ignored);
    m_idle.cancel();
    m_listener.udp_sessions.erase(m_client);
    m_impl->remove_session(m_flow.id);
    m_impl->report(ProxyEventKind::udp_session_closed, m_flow.id,
                   m_flow.client.to_string() + ": " + why);
    m_impl->close_flow(m_flow, reason);
}

std::uint64_t udp_queue_drops(udp::socket& socket) {
    if (!socket.is_open())
        return 0;
    std::array<std::uint32_t, SK_MEMINFO_VARS> info{};
    socklen_t length = sizeof info;
    if (getsockopt(socket.native_handle(), SOL_SOCKET, SO_MEMINFO, info.data(), &length) != 0 ||
        length <= SK_MEMINFO_DROPS * sizeof(std::uint32_t))
        return 0;
    return info[SK_MEMINFO_DROPS];
}

void add_udp_queue_drops(Listener& listener, ProxyStats& stats) {
    if (listener.udp_socket)
        stats.udp_dropped[0] += udp_queue_drops(*listener.udp_socket);
    for (auto& [client, session] : listener.udp_sessions)
        stats.udp_dropped[1] += session->queue_drops();
}

namespace {

// A datagram from a client that gets no session: dropped and counted; the first one of a run of
// them is reported. The reason is only put into words then: at the limit a flood arrives here
// once per datagram.
template <typename Why>
void refuse_client(Proxy::Impl& impl, Listener& listener, ProxyEventKind kind, Why why) {
    ++impl.stats().udp_dropped[0];
    if (!std::exchange(listener.udp_refusing, true))
        impl.report(kind, 0, why() + ": datagrams from new clients are dropped");
}

} // namespace

void udp_from_client(std::shared_ptr<Proxy::Impl> impl, Listener& listener,
                     const udp::endpoint& client, util::Bytes datagram) {
    auto found = listener.udp_sessions.find(client);
    if (found == listener.udp_sessions.end()) {
        const std::size_t limit = impl->options().udp_max_sessions;
        if (listener.udp_sessions.size() >= limit) {
            refuse_client(*impl, listener, ProxyEventKind::udp_sessions_full, [&] {
                return std::to_string(limit) + " UDP sessions open on " + listener.spec.to_string();
            });
            return;
        }
        auto session = std::make_shared<UdpSession>(impl, listener, client);
        std::string error;
        if (!session->open(error)) {
            refuse_client(*impl, listener, ProxyEventKind::udp_session_closed,
                          [&] { return "cannot open upstream socket: " + error; });
            return;
        }
        listener.udp_refusing = false;
        found = listener.udp_sessions.emplace(client, std::move(session)).first;
    }
    found->second->from_client(datagram);
}

} // namespace sniff::proxy
