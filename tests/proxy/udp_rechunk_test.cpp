// UDP sessions and re-chunking, observed from the receiving socket's recv() sizes.
#include "proxy/support.hpp"

#include <arpa/inet.h>
#include <atomic>
#include <catch2/catch.hpp>
#include <netinet/in.h>
#include <numeric>
#include <sys/socket.h>
#include <unistd.h>

using namespace sniff;
using namespace sniff::proxy;
using namespace sniff::proxy::test;

namespace {

// Echoes every datagram back to its sender until stopped.
class UdpEcho {
public:
    UdpEcho() : m_fd(bind_udp(m_port)) {
        timeval timeout{0, 50000};
        setsockopt(m_fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
        m_thread = std::thread([this] {
            std::vector<char> buffer(65536);
            while (!m_stop) {
                sockaddr_in from{};
                socklen_t length = sizeof from;
                const ssize_t got = recvfrom(m_fd, buffer.data(), buffer.size(), 0,
                                             reinterpret_cast<sockaddr*>(&from), &length);
                if (got >= 0)
                    sendto(m_fd, buffer.data(), static_cast<std::size_t>(got), 0,
                           reinterpret_cast<sockaddr*>(&from), length);
            }
        });
    }
    ~UdpEcho() {
        m_stop = true;
        m_thread.join();
        close(m_fd);
    }
    std::uint16_t port() const { return m_port; }

private:
    std::uint16_t m_port = 0;
    int m_fd;
    std::atomic<bool> m_stop{false};
    std::thread m_thread;
};

// Sends a datagram to the proxy and returns the size of the reply (-1 on timeout).
ssize_t round_trip(int fd, std::uint16_t port, const std::vector<char>& datagram,
                   std::vector<char>& reply) {
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(port);
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sendto(fd, datagram.data(), datagram.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
    reply.assign(65536, 0);
    const ssize_t got = recv(fd, reply.data(), reply.size(), 0);
    reply.resize(got > 0 ? static_cast<std::size_t>(got) : 0);
    return got;
}

} // namespace

TEST_CASE("udp datagrams round-trip whole and sessions expire when idle", "[proxy]") {
    UdpEcho echo;
    ProxyOptions options;
    options.udp_idle_timeout_ms = 150;
    Harness harness({udp_spec(echo.port())}, options);
    std::uint16_t any = 0;
    const int client = bind_udp(any);
    std::vector<char> reply;
    for (const std::size_t size : {std::size_t{1}, std::size_t{1400}, std::size_t{65507}}) {
        std::vector<char> datagram(size);
        for (std::size_t i = 0; i < size; ++i)
            datagram[i] = static_cast<char>(i * 7 + size);
        INFO(size);
        CHECK(round_trip(client, harness.port(), datagram, reply) == static_cast<ssize_t>(size));
        CHECK(reply == datagram);
    }
    REQUIRE(harness.sink.wait_closed(1, 3000));
    auto flows = harness.sink.flows();
    REQUIRE(flows.size() == 1);
    const auto& first = flows.begin()->second;
    CHECK(first.closed == reassembly::CloseReason::idle);
    CHECK(first.flow.protocol == model::Protocol::udp);
    CHECK(first.chunk_sizes[0] == std::vector<std::uint32_t>{1, 1400, 65507});
    CHECK(first.chunk_sizes[1] == std::vector<std::uint32_t>{1, 1400, 65507});
    CHECK(first.flow.client.port == local_port(client));

    // The same client after expiry gets a new session.
    CHECK(round_trip(client, harness.port(), {'a', 'b'}, reply) == 2);
    REQUIRE(harness.sink.wait_closed(2, 3000));
    flows = harness.sink.flows();
    CHECK(flows.size() == 2);
    const auto events = harness.events();
    CHECK(std::count_if(events.begin(), events.end(), [](const ProxyEvent& event) {
              return event.kind == ProxyEventKind::udp_session_closed;
          }) == 2);
    close(client);
}

TEST_CASE("udp sessions stop at their limit, new clients are dropped and counted, then served "
          "again once sessions expire",
          "[proxy]") {
    UdpEcho echo;
    ProxyOptions options;
    options.udp_idle_timeout_ms = 1500; // longer than the waits for replies that never come
    options.udp_max_sessions = 3;
    Harness harness({udp_spec(echo.port())}, options);
    std::vector<int> clients;
    for (int i = 0; i < 5; ++i) {
        std::uint16_t any = 0;
        clients.push_back(bind_udp(any));
        REQUIRE(clients.back() >= 0);
    }
    std::vector<char> reply;
    for (int i = 0; i < 3; ++i)
        CHECK(round_trip(clients[i], harness.port(), {'s', char('0' + i)}, reply) == 2);
    // Two more clients while three sessions are open: no session, no reply, two drops.
    for (int i = 3; i < 5; ++i) {
        const timeval short_wait{0, 200'000};
        setsockopt(clients[i], SOL_SOCKET, SO_RCVTIMEO, &short_wait, sizeof short_wait);
        CHECK(round_trip(clients[i], harness.port(), {'x'}, reply) < 0);
    }
    // The open sessions keep working.
    CHECK(round_trip(clients[0], harness.port(), {'a', 'g', 'a', 'i', 'n'}, reply) == 5);
    auto stats = harness.stats();
    CHECK(stats.udp_dropped[0] == 2);
    CHECK(stats.connections == 3);
    const auto full_events = [&harness] {
        const auto events = harness.events();
        return std::count_if(events.begin(), events.end(), [](const ProxyEvent& event) {
            return event.kind == ProxyEventKind::udp_sessions_full;
        });
    };
    CHECK(full_events() == 1); // said once, not per datagram

    // Once they expire, a turned-away client gets a session.
    REQUIRE(harness.sink.wait_closed(3, 5000));
    const timeval long_wait{5, 0};
    setsockopt(clients[4], SOL_SOCKET, SO_RCVTIMEO, &long_wait, sizeof long_wait);
    CHECK(round_trip(clients[4], harness.port(), {'l', 'a', 't', 'e'}, reply) == 4);
    stats = harness.stats();
    CHECK(stats.connections == 4);
    CHECK(stats.udp_dropped[0] == 2);
    for (const int fd : clients)
        close(fd);
}

namespace {

// Sends payload through a TCP proxy with the given c2s rechunking (NODELAY on every sender) and
// returns the upstream's recv() sizes.
std::vector<std::size_t> receive_through(const std::string& rechunk,
                                         const std::vector<std::string>& pieces, int delay_ms,
                                         ProxyStats& stats) {
    std::uint16_t upstream_port = 0;
    const int listener = listen_tcp(upstream_port);
    ProxyOptions options;
    std::string error;
    REQUIRE(parse_rechunk("c2s=" + rechunk, options.rechunk, error));
    options.delay_ms = delay_ms;
    Harness harness({tcp_spec(upstream_port)}, options);
    const int client = connect_tcp(harness.port());
    const int server = accept_tcp(listener);
    REQUIRE((client >= 0 && server >= 0));
    std::string all;
    for (const auto& piece : pieces) {
        REQUIRE(send_all(client, piece.data(), piece.size()));
        all += piece;
    }
    shutdown(client, SHUT_WR);
    std::vector<std::size_t> sizes;
    int read_error = 0;
    const Fnv64 got = read_to_eof(server, read_error, &sizes);
    Fnv64 expected;
    expected.add(all.data(), all.size());
    CHECK(read_error == 0);
    CHECK(got == expected); // re-chunking never changes the bytes
    stats = harness.stats();
    close(client);
    close(server);
    close(listener);
    return sizes;
}

} // namespace

// The receiver sees the proxy's write sizes only if it reads each write before the next one
// lands: writes are spaced by k_spacing_ms, and the bound is asserted on 90% of the reads, since a
// loaded machine can still deschedule the reader past one spacing now and then.
constexpr int k_spacing_ms = 20;

bool mostly_within(const std::vector<std::size_t>& sizes, std::size_t bound) {
    const auto within = std::count_if(sizes.begin(), sizes.end(),
                                      [bound](std::size_t size) { return size <= bound; });
    return static_cast<std::size_t>(within) * 10 >= sizes.size() * 9;
}

TEST_CASE("rechunk modes shape the writes the receiver sees", "[proxy]") {
    ProxyStats stats;
    SECTION("1: one byte per recv") {
        const auto sizes = receive_through("1", {std::string(20, 'a')}, k_spacing_ms, stats);
        CHECK(mostly_within(sizes, 1));
        CHECK(stats.chunks_out[0] == 20);
    }
    SECTION("fixed:3: no recv above 3 bytes") {
        const auto sizes = receive_through("fixed:3", {std::string(60, 'b')}, k_spacing_ms, stats);
        CHECK(mostly_within(sizes, 3));
        CHECK(sizes.size() >= 18);
        CHECK(stats.chunks_out[0] >= 20);
    }
    SECTION("random:2-5: recv sizes within the bound") {
        const auto sizes =
            receive_through("random:2-5", {std::string(100, 'c')}, k_spacing_ms, stats);
        CHECK(mostly_within(sizes, 5));
        CHECK(sizes.size() >= 18);
        CHECK(stats.chunks_out[0] >= 20);
        CHECK(stats.seed != 0);
    }
    SECTION("coalesce: many small writes arrive as few") {
        const std::vector<std::string> pieces(50, std::string(10, 'd'));
        const auto sizes = receive_through("coalesce:200", pieces, 0, stats);
        CHECK(sizes.size() < 10);
        CHECK(stats.chunks_out[0] < 10);
        CHECK(stats.bytes[0] == 500);
    }
    SECTION("adversarial: first and last byte of a read go alone") {
        const auto sizes =
            receive_through("adversarial", {std::string(100, 'e')}, k_spacing_ms, stats);
        REQUIRE_FALSE(sizes.empty());
        CHECK(sizes.front() == 1);
        CHECK(stats.chunks_out[0] >= 4);
        if (stats.chunks_in[0] == 1) // the usual case: the 100 bytes came in one read
            CHECK(sizes == std::vector<std::size_t>{1, 49, 49, 1});
    }
}
