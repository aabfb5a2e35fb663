// 10,000 connections opened and closed, in every way a connection can end: afterwards the proxy
// holds no descriptor, no session and no memory that it did not hold before.
#include "proxy_faults/faults.hpp"

#include <catch2/catch.hpp>
#include <functional>
#include <mutex>
#include <sys/socket.h>
#include <unistd.h>

using namespace sniff;
using namespace sniff::proxy;
using namespace sniff::proxy::faults;

namespace {

constexpr std::size_t k_echo_size = 200;
constexpr std::size_t k_goodbye = 10;

// 'E': echo everything until EOF; 'Q': say goodbye and close first; else: read until the end.
void serve(int fd) {
    char tag = 0;
    if (recv(fd, &tag, 1, 0) != 1)
        return;
    if (tag == 'E') {
        std::vector<char> bytes(k_echo_size + 1);
        std::size_t got = 0;
        for (ssize_t n = 1; n > 0 && got < bytes.size(); got += static_cast<std::size_t>(n))
            n = recv(fd, bytes.data() + got, bytes.size() - got, 0);
        test::send_all(fd, bytes.data(), std::min(got, k_echo_size));
    } else if (tag == 'Q') {
        test::send_all(fd, "goodbye!!\n", k_goodbye);
    } else {
        int error = 0;
        test::read_to_eof(fd, error);
    }
}

// One connection of kind index % 4; false (with why) when it did not behave.
bool one_connection(std::uint16_t port, std::uint64_t index, std::string& why) {
    const int fd = test::connect_tcp(port);
    if (fd < 0) {
        why = "connect failed";
        return false;
    }
    bool ok = true;
    int error = 0;
    switch (index % 4) {
    case 0: { // a round trip, the client closing first
        unsigned char bytes[k_echo_size + 1] = {'E'};
        pattern_fill(index, 0, bytes + 1, k_echo_size);
        ok = test::send_all(fd, bytes, sizeof bytes) && shutdown(fd, SHUT_WR) == 0 &&
             test::read_to_eof(fd, error) == pattern_hash(index, k_echo_size) && error == 0;
        why = "echo";
        break;
    }
    case 1: // gone at once, maybe before the proxy has connected upstream
        break;
    case 2: // sends, then resets
        ok = test::send_all(fd, "Xsome bytes", 11);
        test::reset_close(fd);
        why = "reset";
        return ok;
    default: { // the upstream closes first
        Fnv64 expected;
        expected.add("goodbye!!\n", k_goodbye);
        ok = test::send_all(fd, "Q", 1) && test::read_to_eof(fd, error) == expected && error == 0;
        why = "goodbye";
        break;
    }
    }
    close(fd);
    return ok;
}

// Runs connections [first, first + count) on `workers` threads; returns how many misbehaved.
// A client that resets moves on at once while its session may still be closing; `throttle`
// holds the next connection back while too many are open, so the peak number of sessions (and
// the allocator pools it leaves behind) is the same in the warm-up and in the measured run.
std::size_t run_connections(std::uint16_t port, std::uint64_t first, std::uint64_t count,
                            int workers, std::string& first_failure,
                            const std::function<bool()>& throttle) {
    std::atomic<std::size_t> failures{0};
    std::mutex mutex;
    std::vector<std::thread> threads;
    for (int w = 0; w < workers; ++w)
        threads.emplace_back([&, w] {
            for (std::uint64_t i = first + static_cast<std::uint64_t>(w); i < first + count;
                 i += static_cast<std::uint64_t>(workers)) {
                std::string why;
                wait_until([&] { return !throttle(); }, 10000);
                if (!one_connection(port, i, why)) {
                    std::lock_guard lock(mutex);
                    if (failures++ == 0)
                        first_failure = "connection " + std::to_string(i) + ": " + why;
                }
            }
        });
    for (auto& thread : threads)
        thread.join();
    return failures.load();
}

} // namespace

TEST_CASE(
    "ten thousand connections opened and closed leave descriptors, sessions and memory at the "
    "baseline",
    "[proxy_faults]") {
    Upstream upstream(serve);
    LeanHarness harness({test::tcp_spec(upstream.port())}, ProxyOptions{});
    constexpr std::uint64_t k_warmup = 400;
    constexpr std::uint64_t k_count = 10000;
    constexpr int k_workers = 4;
    std::string failure;
    const auto throttle = [&] { return harness.stats().active > 32; };

    // A warm-up first, so allocator arenas and cached thread stacks are part of the baseline.
    REQUIRE(run_connections(harness.port(), 0, k_warmup, k_workers, failure, throttle) == 0);
    REQUIRE(wait_until([&] { return harness.stats().active == 0; }, 10000));
    std::size_t baseline_fds = 0;
    // Upstream handler threads close their sockets a moment after the clients are done.
    wait_until(
        [&] {
            const auto before = open_fds();
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
            baseline_fds = open_fds();
            return before == baseline_fds;
        },
        5000);
    const std::uint64_t baseline_rss = rss_kib();
    const std::uint64_t baseline_heap = heap_in_use();

    CHECK(run_connections(harness.port(), k_warmup, k_count, k_workers, failure, throttle) == 0);
    INFO("first failure: " << failure);
    CHECK(wait_until([&] { return harness.stats().active == 0; }, 20000));
    CHECK(wait_until([&] { return open_fds() <= baseline_fds; }, 20000));
    CHECK(open_fds() == baseline_fds);
    const auto stats = harness.stats();
    CHECK(stats.connections == k_warmup + k_count);
    CHECK(stats.upstream_failures == 0);
    const std::uint64_t rss = rss_kib();
    const std::uint64_t heap = heap_in_use();
    INFO("RSS " << baseline_rss << " KiB before, " << rss << " KiB after; heap in use "
                << baseline_heap << " B before, " << heap << " B after");
    // 25 bytes kept per connection would be 250 KB; freed memory the allocator keeps for new
    // threads and sessions only shows in RSS, so that bound is loose.
    CHECK(heap < baseline_heap + 256 * 1024);
    if (!k_asan)
        CHECK(rss < baseline_rss + 16 * 1024);
}
