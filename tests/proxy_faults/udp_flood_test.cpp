// 100,000 datagrams blasted through the UDP proxy at an upstream that reads slowly: memory stays
// flat, every datagram that arrives is whole, and every datagram is accounted for — received by
// the proxy or counted as dropped on its socket, forwarded or counted, delivered or dropped at
// the upstream's own full queue.
#include "proxy_faults/faults.hpp"

#include <catch2/catch.hpp>
#include <cstring>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace sniff;
using namespace sniff::proxy;
using namespace sniff::proxy::faults;

namespace {

constexpr std::uint64_t k_datagrams = 100000;
constexpr std::size_t k_header = 8; // the datagram's index, little-endian

std::size_t datagram_size(std::uint64_t index) {
    return k_header + (index * 7919) % 1400;
}

std::uint64_t socket_drops(int fd) {
    std::array<std::uint32_t, SK_MEMINFO_VARS> info{};
    socklen_t length = sizeof info;
    if (getsockopt(fd, SOL_SOCKET, SO_MEMINFO, info.data(), &length) != 0)
        return 0;
    return info[SK_MEMINFO_DROPS];
}

// Reads slowly (a pause every 20 datagrams) and checks each datagram is whole.
struct SlowReader {
    int fd = -1;
    std::atomic<bool> stop{false};
    std::atomic<std::uint64_t> whole{0};
    std::atomic<std::uint64_t> broken{0};
    std::atomic<bool> final_seen{false};

    void run() {
        std::vector<unsigned char> buffer(65536), expected(65536);
        while (!stop) {
            const ssize_t got = recv(fd, buffer.data(), buffer.size(), 0);
            if (got < 0)
                continue; // the 100 ms receive timeout: look at stop again
            const auto size = static_cast<std::size_t>(got);
            if (size == 5 && std::memcmp(buffer.data(), "final", 5) == 0) {
                final_seen = true;
                continue;
            }
            std::uint64_t index = 0;
            for (std::size_t i = 0; i < k_header && i < size; ++i)
                index |= std::uint64_t{buffer[i]} << (8 * i);
            pattern_fill(index, 0, expected.data(), size - std::min(size, k_header));
            const bool ok =
                size >= k_header && index < k_datagrams && size == datagram_size(index) &&
                std::memcmp(buffer.data() + k_header, expected.data(), size - k_header) == 0;
            ++(ok ? whole : broken);
            if ((whole + broken) % 20 == 0)
                std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
    }
};

} // namespace

TEST_CASE("a UDP flood keeps memory flat, delivers whole datagrams and counts every drop",
          "[proxy_faults]") {
    std::uint16_t upstream_port = 0;
    SlowReader reader;
    reader.fd = test::bind_udp(upstream_port);
    REQUIRE(reader.fd >= 0);
    const int small = 64 * 1024;
    setsockopt(reader.fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    const timeval poll_interval{0, 100000};
    setsockopt(reader.fd, SOL_SOCKET, SO_RCVTIMEO, &poll_interval, sizeof poll_interval);
    std::thread reading([&] { reader.run(); });

    LeanHarness harness({test::udp_spec(upstream_port)}, ProxyOptions{});
    const std::uint64_t baseline = rss_kib();
    RssMonitor monitor;
    std::uint16_t client_port = 0;
    const int client = test::bind_udp(client_port);
    REQUIRE(client >= 0);
    sockaddr_in proxy{};
    proxy.sin_family = AF_INET;
    proxy.sin_port = htons(harness.port());
    proxy.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

    std::uint64_t sent = 0;
    std::vector<unsigned char> datagram(65536);
    for (std::uint64_t index = 0; index < k_datagrams; ++index) {
        const std::size_t size = datagram_size(index);
        for (std::size_t i = 0; i < k_header; ++i)
            datagram[i] = static_cast<unsigned char>(index >> (8 * i));
        pattern_fill(index, 0, datagram.data() + k_header, size - k_header);
        if (sendto(client, datagram.data(), size, 0, reinterpret_cast<sockaddr*>(&proxy),
                   sizeof proxy) == static_cast<ssize_t>(size))
            ++sent;
    }
    // The proxy is done when its counts stop moving; the reader when its count does.
    const auto settled = [](const std::function<std::uint64_t()>& count) {
        std::uint64_t last = ~std::uint64_t{0};
        return wait_until(
            [&] {
                const auto now = count();
                std::this_thread::sleep_for(std::chrono::milliseconds(300));
                const bool still = now == last && now == count();
                last = now;
                return still;
            },
            30000);
    };
    CHECK(settled([&] { return harness.stats().chunks_in[0]; }));
    CHECK(settled([&] { return reader.whole + reader.broken; }));
    const auto stats = harness.stats();
    const std::uint64_t upstream_drops = socket_drops(reader.fd);
    INFO("sent " << sent << ", proxy read " << stats.chunks_in[0] << " and dropped "
                 << stats.udp_dropped[0] << ", forwarded " << stats.chunks_out[0]
                 << ", upstream got " << reader.whole << " whole, " << reader.broken
                 << " broken, its queue dropped " << upstream_drops << "; RSS " << baseline
                 << " -> peak " << monitor.peak() << " KiB");
    CHECK(sent == k_datagrams);
    CHECK(reader.broken == 0);
    CHECK(stats.chunks_in[0] + stats.udp_dropped[0] == sent);
    CHECK(stats.chunks_out[0] + stats.udp_dropped[0] == sent);
    CHECK(reader.whole + upstream_drops == stats.chunks_out[0]);
    CHECK(upstream_drops > 0); // the reader really was too slow: this was a flood
    CHECK(monitor.peak() < baseline + 20 * 1024);

    // Still alive and forwarding.
    CHECK(wait_until(
        [&] {
            sendto(client, "final", 5, 0, reinterpret_cast<sockaddr*>(&proxy), sizeof proxy);
            return wait_until([&] { return reader.final_seen.load(); }, 200);
        },
        5000));
    reader.stop = true;
    reading.join();
    close(client);
    close(reader.fd);
}
