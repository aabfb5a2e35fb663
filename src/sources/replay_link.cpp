// sniff replay's connections: TCP (a stream, paced re-chunked writes) and UDP to --to (a connected
// socket, one datagram per write and per read); served UDP clients are in replay_udp_port.cpp.
#include "sources/replay_link.hpp"

#include "proxy/model_endpoint.hpp"

namespace sniff::sources {

namespace asio = proxy::asio;
using proxy::k_use_tuple;
using proxy::tcp;
using proxy::udp;
using namespace asio::experimental::awaitable_operators;

namespace {

class TcpLink final : public ReplayLink {
public:
    explicit TcpLink(tcp::socket socket) : m_socket(std::move(socket)) {}

    model::Protocol protocol() const override { return model::Protocol::tcp; }

    asio::awaitable<std::string> connect(const asio::ip::address& address, std::uint16_t port,
                                         std::chrono::milliseconds timeout) override {
        const tcp::endpoint target(address, port);
        asio::steady_timer timer(m_socket.get_executor());
        timer.expires_after(timeout);
        auto result =
            co_await (m_socket.async_connect(target, k_use_tuple) || timer.async_wait(k_use_tuple));
        if (result.index() == 1)
            co_return "no answer within " +
                std::to_string(std::chrono::duration_cast<std::chrono::seconds>(timeout).count()) +
                " s";
        if (const auto error = std::get<0>(std::get<0>(result)))
            co_return error.message();
        co_return std::string();
    }

    model::Endpoint local() const override { return proxy::local_of(m_socket); }
    model::Endpoint remote() const override { return proxy::remote_of(m_socket); }

    asio::awaitable<std::pair<boost::system::error_code, std::size_t>>
    read(std::span<std::byte> buffer) override {
        auto [error, size] = co_await m_socket.async_read_some(
            asio::buffer(buffer.data(), buffer.size()), k_use_tuple);
        co_return std::pair{error, size};
    }

    asio::awaitable<void> pace(proxy::WritePacer& pacer, asio::steady_timer& timer) override {
        co_await pacer.before_write(m_socket, timer);
    }

    asio::awaitable<boost::system::error_code> write(util::Bytes bytes) override {
        auto [error, written] = co_await asio::async_write(
            m_socket, asio::buffer(bytes.data(), bytes.size()), k_use_tuple);
        (void)written;
        co_return error;
    }

    void shutdown_send() override {
        boost::system::error_code ignored;
        m_socket.shutdown(tcp::socket::shutdown_send, ignored);
    }
    void set_no_delay() override {
        boost::system::error_code ignored;
        m_socket.set_option(tcp::no_delay(true), ignored);
    }
    void close() override {
        boost::system::error_code ignored;
        m_socket.close(ignored);
    }

private:
    tcp::socket m_socket;
};

class UdpLink final : public ReplayLink {
public:
    explicit UdpLink(udp::socket socket) : m_socket(std::move(socket)) {}

    model::Protocol protocol() const override { return model::Protocol::udp; }

    asio::awaitable<std::string> connect(const asio::ip::address& address, std::uint16_t port,
                                         std::chrono::milliseconds) override {
        const udp::endpoint target(address, port);
        boost::system::error_code error;
        m_socket.open(target.protocol(), error);
        // Connected: only the target's datagrams come back, and its ICMP errors are reported.
        if (!error)
            m_socket.connect(target, error);
        co_return error ? error.message() : std::string();
    }

    model::Endpoint local() const override { return proxy::local_of(m_socket); }
    model::Endpoint remote() const override { return proxy::remote_of(m_socket); }

    asio::awaitable<std::pair<boost::system::error_code, std::size_t>>
    read(std::span<std::byte> buffer) override {
        auto [error, size] = co_await m_socket.async_receive(
            asio::buffer(buffer.data(), buffer.size()), k_use_tuple);
        co_return std::pair{error, size};
    }

    asio::awaitable<void> pace(proxy::WritePacer&, asio::steady_timer&) override { co_return; }

    asio::awaitable<boost::system::error_code> write(util::Bytes bytes) override {
        auto [error, sent] =
            co_await m_socket.async_send(asio::buffer(bytes.data(), bytes.size()), k_use_tuple);
        co_return datagram_sent(error, sent, bytes.size());
    }

    void shutdown_send() override {}
    void set_no_delay() override {}
    void close() override {
        boost::system::error_code ignored;
        m_socket.close(ignored);
    }

private:
    udp::socket m_socket;
};

} // namespace

std::unique_ptr<ReplayLink> make_link(asio::io_context& io, model::Protocol protocol) {
    if (protocol == model::Protocol::udp)
        return std::make_unique<UdpLink>(udp::socket(io));
    return std::make_unique<TcpLink>(tcp::socket(io));
}

std::unique_ptr<ReplayLink> tcp_link(tcp::socket socket) {
    return std::make_unique<TcpLink>(std::move(socket));
}

} // namespace sniff::sources
