// A reader that never reads: the sender must block (backpressure) while the proxy's memory stays
// flat, and once the reader starts, every one of the 200 MB arrives intact.
#include "proxy_faults/faults.hpp"

#include <catch2/catch.hpp>
#include <sys/socket.h>
#include <unistd.h>

using namespace sniff;
using namespace sniff::proxy;
using namespace sniff::proxy::faults;

namespace {

constexpr std::uint64_t k_total = 200ULL << 20;
constexpr std::uint64_t k_seed = 11;
constexpr std::uint64_t k_rss_margin_kib = 20 * 1024;
// The kernel may buffer tens of MB per socket (tcp_rmem max is 32 MB here) but never 200 MB:
// a sender stalled below this bound was stopped by the proxy, not by running out of data.
constexpr std::uint64_t k_stall_bound = 120ULL << 20;

// The side that stays silent until told to read.
struct Reader {
    std::atomic<bool> go{false};
    std::atomic<bool> done{false};
    PeerResult result;

    void read(int fd) {
        wait_until([&] { return go.load(); }, 60000);
        result.received = test::read_to_eof(fd, result.error);
        done = true;
    }
};

// True once `sent` has not moved for quiet_ms; false if it keeps moving until timeout_ms.
bool wait_for_stall(const std::atomic<std::uint64_t>& sent, int quiet_ms, int timeout_ms) {
    std::uint64_t last = sent.load();
    auto since = std::chrono::steady_clock::now();
    return wait_until(
        [&] {
            const std::uint64_t now = sent.load();
            if (now != last) {
                last = now;
                since = std::chrono::steady_clock::now();
                return false;
            }
            return std::chrono::steady_clock::now() - since >= std::chrono::milliseconds(quiet_ms);
        },
        timeout_ms);
}

} // namespace

TEST_CASE("a reader that never reads stalls its sender with bounded memory, then gets every byte",
          "[proxy_faults]") {
    const bool upstream_reads = GENERATE(true, false);
    INFO((upstream_reads ? "the upstream" : "the client") << " is the silent reader");
    Reader reader;
    std::atomic<std::uint64_t> sent{0};
    std::atomic<int> send_error{-1};
    // The upstream either reads (after go) or sends 200 MB; the stall timeout outlasts the test's
    // observation of the stall.
    Upstream upstream([&](int fd) {
        if (upstream_reads)
            reader.read(fd);
        else
            send_error = send_pattern(fd, k_seed, k_total, sent, 30000);
    });
    LeanHarness harness({test::tcp_spec(upstream.port())}, ProxyOptions{});
    const std::uint64_t baseline = rss_kib();
    RssMonitor monitor;

    const int client = test::connect_tcp(harness.port());
    REQUIRE(client >= 0);
    std::thread client_side([&] {
        if (upstream_reads)
            send_error = send_pattern(client, k_seed, k_total, sent, 30000);
        else
            reader.read(client);
    });
    const bool stalled = wait_for_stall(sent, 1000, 20000);
    const std::uint64_t sent_at_stall = sent.load();
    const std::uint64_t peak_at_stall = monitor.peak();
    reader.go = true; // whatever happened, let the threads finish
    client_side.join();
    REQUIRE(wait_until([&] { return reader.done.load(); }, 60000));
    close(client);

    CHECK(stalled);
    CHECK(sent_at_stall < k_stall_bound);
    CHECK(peak_at_stall < baseline + k_rss_margin_kib);
    CHECK(send_error == 0);
    CHECK(reader.result.error == 0);
    CHECK(reader.result.received == pattern_hash(k_seed, k_total));
    CHECK(monitor.peak() < baseline + k_rss_margin_kib);
    INFO("baseline " << baseline << " KiB, peak " << monitor.peak() << " KiB, stalled after "
                     << sent_at_stall << " B");
    CHECK(harness.stats().bytes[upstream_reads ? 0 : 1] == k_total);
}
