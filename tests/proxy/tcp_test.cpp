// TCP through the proxy over real loopback sockets.
#include "proxy/support.hpp"

#include <catch2/catch.hpp>
// Asio's scheduler trips GCC's -Wnull-dereference once inlined (see src/proxy/proxy_impl.hpp).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#pragma GCC diagnostic pop
#include <cerrno>
#include <random>
#include <set>
#include <sys/socket.h>
#include <unistd.h>

using namespace sniff;
using namespace sniff::proxy;
using namespace sniff::proxy::test;
namespace asio = boost::asio;
using asio::ip::tcp;
using namespace asio::experimental::awaitable_operators;

namespace {

constexpr auto k_tuple = asio::as_tuple(asio::use_awaitable);

struct PeerResult {
    Fnv64 sent;
    Fnv64 received;
    std::uint16_t client_port = 0; // clients only
    bool clean = false;            // read to EOF without error
};

// Sends a random amount in random pieces, after a random pause, then half-closes.
asio::awaitable<void> send_random(tcp::socket& socket, std::uint64_t seed, Fnv64& sent) {
    std::mt19937_64 random(seed);
    std::size_t left = random() % 3 == 0 ? random() % 64 : random() % 120000;
    asio::steady_timer pause(socket.get_executor());
    pause.expires_after(std::chrono::microseconds(random() % 3000));
    co_await pause.async_wait(k_tuple);
    std::vector<unsigned char> piece;
    while (left > 0) {
        piece.resize(std::min<std::size_t>(left, 1 + random() % 20000));
        for (auto& byte : piece)
            byte = static_cast<unsigned char>(random());
        auto [ec, n] = co_await asio::async_write(socket, asio::buffer(piece), k_tuple);
        if (ec)
            co_return;
        sent.add(piece.data(), n);
        left -= piece.size();
    }
    boost::system::error_code ignored;
    socket.shutdown(tcp::socket::shutdown_send, ignored);
}

asio::awaitable<void> read_all(tcp::socket& socket, PeerResult& result) {
    std::vector<unsigned char> buffer(65536);
    for (;;) {
        auto [ec, n] = co_await socket.async_read_some(asio::buffer(buffer), k_tuple);
        result.received.add(buffer.data(), n);
        if (ec) {
            result.clean = ec == asio::error::eof;
            co_return;
        }
    }
}

asio::awaitable<void> serve(tcp::acceptor& acceptor, std::vector<PeerResult>& results,
                            std::size_t count) {
    for (std::size_t i = 0; i < count; ++i) {
        auto [ec, socket] = co_await acceptor.async_accept(k_tuple);
        if (ec)
            co_return;
        asio::co_spawn(
            acceptor.get_executor(),
            [&results, i, s = std::move(socket)]() mutable -> asio::awaitable<void> {
                PeerResult result;
                co_await (send_random(s, 1000 + i, result.sent) && read_all(s, result));
                results.push_back(result);
            },
            asio::detached);
    }
}

asio::awaitable<void> client(std::uint16_t port, std::uint64_t seed,
                             std::vector<PeerResult>& results) {
    tcp::socket socket(co_await asio::this_coro::executor);
    auto [ec] = co_await socket.async_connect({asio::ip::make_address("127.0.0.1"), port}, k_tuple);
    PeerResult result;
    if (!ec) {
        result.client_port = socket.local_endpoint().port();
        co_await (send_random(socket, seed, result.sent) && read_all(socket, result));
    }
    results.push_back(result);
}

} // namespace

TEST_CASE("proxy forwards 200 concurrent connections exactly, with half-closes", "[proxy]") {
    constexpr std::size_t k_connections = 200;
    asio::io_context peers;
    tcp::acceptor acceptor(peers, {asio::ip::make_address("127.0.0.1"), 0});
    Harness harness({tcp_spec(acceptor.local_endpoint().port())}, ProxyOptions{});

    std::vector<PeerResult> servers, clients;
    asio::co_spawn(peers, serve(acceptor, servers, k_connections), asio::detached);
    for (std::size_t i = 0; i < k_connections; ++i)
        asio::co_spawn(peers, client(harness.port(), i, clients), asio::detached);
    peers.run_for(std::chrono::seconds(30));
    REQUIRE(clients.size() == k_connections);
    REQUIRE(servers.size() == k_connections);
    REQUIRE(harness.sink.wait_closed(k_connections));

    // Each client's view must match one server's view, mirrored.
    std::multiset<std::pair<std::uint64_t, std::uint64_t>> client_pairs, server_pairs;
    std::uint64_t c2s_bytes = 0, s2c_bytes = 0;
    for (const auto& result : clients) {
        CHECK(result.clean);
        client_pairs.insert({result.sent.value, result.received.value});
        c2s_bytes += result.sent.size;
        s2c_bytes += result.received.size;
        // What the sink saw, chunk by chunk, concatenates to what each side sent.
        const auto recorded = harness.sink.by_client_port(result.client_port);
        CHECK(recorded.hash[0] == result.sent);
        CHECK(recorded.hash[1] == result.received);
        CHECK(recorded.offsets_ok);
        CHECK(recorded.closed == reassembly::CloseReason::fin);
        CHECK(recorded.flow.of(model::Direction::c2s).fin);
    }
    for (const auto& result : servers) {
        CHECK(result.clean);
        server_pairs.insert({result.received.value, result.sent.value});
    }
    CHECK(client_pairs == server_pairs);
    const auto stats = harness.stats();
    CHECK(stats.connections == k_connections);
    CHECK(stats.active == 0);
    CHECK(stats.bytes[0] == c2s_bytes);
    CHECK(stats.bytes[1] == s2c_bytes);
    CHECK(stats.chunks_out[0] == stats.chunks_in[0]); // no rechunking: one write per read
}

TEST_CASE("a reset on either side resets the other", "[proxy]") {
    std::uint16_t upstream_port = 0;
    const int listener = listen_tcp(upstream_port);
    REQUIRE(listener >= 0);
    Harness harness({tcp_spec(upstream_port)}, ProxyOptions{});
    const bool client_resets = GENERATE(true, false);

    const int client = connect_tcp(harness.port());
    REQUIRE(client >= 0);
    const int server = accept_tcp(listener);
    REQUIRE(server >= 0);
    REQUIRE(send_all(client, "ping", 4));
    char buffer[16];
    REQUIRE(recv(server, buffer, sizeof buffer, 0) == 4);
    reset_close(client_resets ? client : server);
    const int survivor = client_resets ? server : client;
    const ssize_t got = recv(survivor, buffer, sizeof buffer, 0);
    const int error = errno;
    CHECK(got < 0);
    CHECK(error == ECONNRESET);
    close(survivor);
    close(listener);
    REQUIRE(harness.sink.wait_closed(1));
    const auto flow = harness.sink.flows().begin()->second;
    CHECK(flow.closed == reassembly::CloseReason::rst);
    CHECK(flow.flow.of(client_resets ? model::Direction::c2s : model::Direction::s2c).rst);
}

TEST_CASE("an upstream that refuses resets the client and is reported", "[proxy]") {
    std::uint16_t closed_port = 0;
    close(listen_tcp(closed_port)); // nothing listens there any more
    Harness harness({tcp_spec(closed_port)}, ProxyOptions{});
    const int client = connect_tcp(harness.port());
    REQUIRE(client >= 0);
    char buffer[4];
    const ssize_t got = recv(client, buffer, sizeof buffer, 0);
    CHECK(got <= 0); // EOF or reset, never a hang (recv times out after 5 s)
    if (got < 0)
        CHECK(errno == ECONNRESET);
    close(client);
    REQUIRE(harness.sink.wait_closed(1));
    CHECK(harness.sink.flows().begin()->second.closed == reassembly::CloseReason::rst);
    const auto events = harness.events();
    REQUIRE(events.size() == 1);
    CHECK(events[0].kind == ProxyEventKind::upstream_refused);
    CHECK(events[0].detail.find(std::to_string(closed_port)) != std::string::npos);
    CHECK(harness.stats().upstream_failures == 1);
}

TEST_CASE("a reader that stops reading stops the proxy from reading the sender", "[proxy]") {
    std::uint16_t upstream_port = 0;
    const int listener = listen_tcp(upstream_port);
    Harness harness({tcp_spec(upstream_port)}, ProxyOptions{});
    const int client = connect_tcp(harness.port());
    const int server = accept_tcp(listener); // never reads
    REQUIRE((client >= 0 && server >= 0));
    // If the proxy buffered without bound, sending would never block.
    std::vector<char> block(1 << 20, 'x');
    std::size_t sent = 0;
    bool blocked = false;
    while (sent < (512u << 20)) {
        const ssize_t n = send(client, block.data(), block.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            // Give the proxy time to drain what it can, then try once more.
            usleep(100000);
            if (send(client, block.data(), block.size(), MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
                blocked = true;
                break;
            }
            continue;
        }
        REQUIRE(n > 0);
        sent += static_cast<std::size_t>(n);
    }
    CHECK(blocked);
    const auto stats = harness.stats();
    CHECK(stats.bytes[0] < sent); // the rest waits in kernel buffers, not in the proxy
    reset_close(client);
    reset_close(server);
    close(listener);
}

TEST_CASE("connections waiting for data hold no read buffer", "[proxy]") {
    std::uint16_t upstream_port = 0;
    const int listener = listen_tcp(upstream_port);
    ProxyOptions options;
    options.buffer_size = 256 * 1024;
    Harness harness({tcp_spec(upstream_port)}, options);
    constexpr int k_connections = 40;
    std::vector<std::pair<int, int>> pairs;
    for (int i = 0; i < k_connections; ++i) {
        const int client = connect_tcp(harness.port());
        const int server = accept_tcp(listener);
        REQUIRE((client >= 0 && server >= 0));
        pairs.emplace_back(client, server);
        // One byte each way, so both pumps of every connection have read and written: a small
        // read needs no pool buffer at all.
        char byte = 'a';
        REQUIRE(send_all(client, &byte, 1));
        REQUIRE(recv(server, &byte, 1, MSG_WAITALL) == 1);
        REQUIRE(send_all(server, &byte, 1));
        REQUIRE(recv(client, &byte, 1, MSG_WAITALL) == 1);
    }
    CHECK(harness.stats().buffer_bytes == 0);
    // Then a message bigger than a small read each way, which takes buffers from the pool.
    const std::vector<char> message(100'000, 'm');
    std::vector<char> received(message.size());
    for (auto [client, server] : pairs) {
        REQUIRE(send_all(client, message.data(), message.size()));
        REQUIRE(recv(server, received.data(), received.size(), MSG_WAITALL) ==
                static_cast<ssize_t>(received.size()));
        REQUIRE(send_all(server, message.data(), message.size()));
        REQUIRE(recv(client, received.data(), received.size(), MSG_WAITALL) ==
                static_cast<ssize_t>(received.size()));
    }
    const auto stats = harness.stats();
    CHECK(stats.active == k_connections);
    // Fixed buffers per direction would be 80 of them; the pool keeps a few for reuse.
    CHECK(stats.buffer_bytes > 0);
    CHECK(stats.buffer_bytes <= 4 * options.buffer_size);
    for (auto [client, server] : pairs) {
        close(client);
        close(server);
    }
    close(listener);
}

TEST_CASE("stop closes open connections and reports their end", "[proxy]") {
    std::uint16_t upstream_port = 0;
    const int listener = listen_tcp(upstream_port);
    Harness harness({tcp_spec(upstream_port)}, ProxyOptions{});
    const int client = connect_tcp(harness.port());
    const int server = accept_tcp(listener);
    REQUIRE((client >= 0 && server >= 0));
    harness.stop();
    char buffer[4];
    CHECK(recv(client, buffer, sizeof buffer, 0) <= 0);
    CHECK(recv(server, buffer, sizeof buffer, 0) <= 0);
    const auto flows = harness.sink.flows();
    REQUIRE(flows.size() == 1);
    CHECK(flows.begin()->second.closed == reassembly::CloseReason::end_of_input);
    close(client);
    close(server);
    close(listener);
}
