#pragma once
// sniff replay --side server over UDP: one socket bound to --listen serves every UDP flow. The
// Nth client to send a datagram there is the client of the Nth UDP flow: its datagrams go to that
// flow's link (a read of the link is one datagram), and the flow answers it with send_to. A
// client whose flow is not taken yet (a TCP flow before it awaits its connection) has its
// datagrams kept (bounded) until it is; datagrams of a flow that ended are a new client. Nobody is
// refused (the socket is never connected to one client, which would answer the others with ICMP).

#include "sources/replay_link.hpp"

#include <deque>
#include <map>
#include <memory>

namespace sniff::sources {

class UdpServerPort {
public:
    explicit UdpServerPort(proxy::asio::io_context& io);
    ~UdpServerPort();
    UdpServerPort(const UdpServerPort&) = delete;
    UdpServerPort& operator=(const UdpServerPort&) = delete;

    // Binds the socket; the failure in words, empty on success.
    std::string bind(const proxy::udp::endpoint& local);
    // Starts reading datagrams (on the loop of the constructor).
    void start();
    // The next client that is no flow's yet, as the link of its flow; null once closed.
    proxy::asio::awaitable<std::unique_ptr<ReplayLink>> next_client();
    // Stops reading; every link's next read ends.
    void close();

    struct Client; // one client's datagrams, shared with its link

private:
    friend class UdpServerLink;
    proxy::asio::awaitable<void> read_datagrams();
    void forget(const proxy::udp::endpoint& endpoint);

    proxy::asio::io_context& m_io;
    proxy::udp::socket m_socket;
    proxy::asio::steady_timer m_arrival; // cancelled when a new client is waiting
    std::map<proxy::udp::endpoint, std::shared_ptr<Client>> m_clients;
    std::deque<std::shared_ptr<Client>> m_waiting; // new clients, in order of their first datagram
    bool m_closed = false;
};

} // namespace sniff::sources
