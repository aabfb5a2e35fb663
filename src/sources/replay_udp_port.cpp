// sniff replay --side server over UDP: the shared socket and its clients (replay_udp_port.hpp).
#include "sources/replay_udp_port.hpp"

#include "proxy/model_endpoint.hpp"

#include <algorithm>

namespace sniff::sources {

namespace asio = proxy::asio;
using proxy::k_use_tuple;
using proxy::to_model;
using proxy::udp;

namespace {

// Clients waiting for their flow, and datagrams held per client: a flood is dropped, not kept.
constexpr std::size_t k_max_waiting = 64;
constexpr std::size_t k_max_held = 1024;
// The largest UDP datagram whole.
constexpr std::size_t k_datagram_size = std::size_t{64} * 1024;

} // namespace

struct UdpServerPort::Client {
    explicit Client(asio::io_context& io, udp::endpoint from)
        : endpoint(std::move(from)), wake(io) {}
    udp::endpoint endpoint;
    std::deque<std::vector<std::byte>> held;
    asio::steady_timer wake; // cancelled when a datagram comes or the port closes
    bool closed = false;
};

// A flow's client on the shared socket.
class UdpServerLink final : public ReplayLink {
public:
    UdpServerLink(UdpServerPort& port, std::shared_ptr<UdpServerPort::Client> client)
        : m_port(port), m_client(std::move(client)) {}

    model::Protocol protocol() const override { return model::Protocol::udp; }
    asio::awaitable<std::string> connect(const asio::ip::address&, std::uint16_t,
                                         std::chrono::milliseconds) override {
        co_return "a served client connects to sniff, not the other way round";
    }
    model::Endpoint local() const override { return proxy::local_of(m_port.m_socket); }
    model::Endpoint remote() const override { return to_model(m_client->endpoint); }

    asio::awaitable<std::pair<boost::system::error_code, std::size_t>>
    read(std::span<std::byte> buffer) override {
        auto client = m_client; // the link may close while this waits
        for (;;) {
            if (!client->held.empty()) {
                const auto& datagram = client->held.front();
                const std::size_t size = std::min(buffer.size(), datagram.size());
                std::copy_n(datagram.begin(), size, buffer.begin());
                client->held.pop_front();
                co_return std::pair{boost::system::error_code{}, size};
            }
            if (client->closed)
                co_return std::pair{boost::system::error_code(asio::error::operation_aborted),
                                    std::size_t{0}};
            client->wake.expires_at(asio::steady_timer::time_point::max());
            co_await client->wake.async_wait(k_use_tuple);
        }
    }

    asio::awaitable<void> pace(proxy::WritePacer&, asio::steady_timer&) override { co_return; }

    asio::awaitable<boost::system::error_code> write(util::Bytes bytes) override {
        if (m_client->closed)
            co_return asio::error::operation_aborted;
        auto [error, sent] = co_await m_port.m_socket.async_send_to(
            asio::buffer(bytes.data(), bytes.size()), m_client->endpoint, k_use_tuple);
        co_return datagram_sent(error, sent, bytes.size());
    }

    void shutdown_send() override {}
    void set_no_delay() override {}
    void close() override {
        if (m_client->closed)
            return;
        m_client->closed = true;
        m_client->wake.cancel();
        m_port.forget(m_client->endpoint);
    }

private:
    UdpServerPort& m_port;
    std::shared_ptr<UdpServerPort::Client> m_client;
};

UdpServerPort::UdpServerPort(asio::io_context& io) : m_io(io), m_socket(io), m_arrival(io) {}

UdpServerPort::~UdpServerPort() {
    // Without throwing: the reader's receive ends (operation_aborted), the timers cancel theirs.
    boost::system::error_code ignored;
    m_socket.close(ignored);
}

std::string UdpServerPort::bind(const udp::endpoint& local) {
    boost::system::error_code error;
    m_socket.open(local.protocol(), error);
    if (!error)
        m_socket.bind(local, error);
    return error ? error.message() : std::string();
}

void UdpServerPort::start() {
    asio::co_spawn(m_socket.get_executor(), read_datagrams(),
                   [](const std::exception_ptr& failure) {
                       if (failure)
                           std::rethrow_exception(failure);
                   });
}

asio::awaitable<void> UdpServerPort::read_datagrams() {
    std::vector<std::byte> buffer(k_datagram_size);
    udp::endpoint from;
    for (;;) {
        auto [error, size] = co_await m_socket.async_receive_from(
            asio::buffer(buffer.data(), buffer.size()), from, k_use_tuple);
        if (error == asio::error::operation_aborted)
            co_return; // closed (the port may be gone: nothing of it is touched)
        if (error == asio::error::connection_refused)
            continue; // an ICMP error for an earlier datagram
        if (error || m_closed)
            break;
        auto found = m_clients.find(from);
        if (found == m_clients.end()) {
            if (m_waiting.size() >= k_max_waiting)
                continue;
            auto client = std::make_shared<Client>(m_io, from);
            found = m_clients.emplace(from, client).first;
            m_waiting.push_back(client);
            m_arrival.cancel();
        }
        Client& client = *found->second;
        if (client.held.size() < k_max_held)
            client.held.emplace_back(buffer.begin(),
                                     buffer.begin() + static_cast<std::ptrdiff_t>(size));
        client.wake.cancel();
    }
    close();
}

asio::awaitable<std::unique_ptr<ReplayLink>> UdpServerPort::next_client() {
    for (;;) {
        if (m_closed)
            co_return nullptr;
        if (!m_waiting.empty()) {
            auto client = m_waiting.front();
            m_waiting.pop_front();
            co_return std::make_unique<UdpServerLink>(*this, std::move(client));
        }
        m_arrival.expires_at(asio::steady_timer::time_point::max());
        co_await m_arrival.async_wait(k_use_tuple);
    }
}

void UdpServerPort::forget(const udp::endpoint& endpoint) {
    m_clients.erase(endpoint);
}

void UdpServerPort::close() {
    if (m_closed)
        return;
    m_closed = true;
    boost::system::error_code ignored;
    m_socket.close(ignored);
    m_arrival.cancel();
    for (auto& [endpoint, client] : m_clients) {
        client->closed = true;
        client->wake.cancel();
    }
}

} // namespace sniff::sources
