#pragma once
// Helpers for the proxy fault tests: a deterministic byte pattern whose any prefix can be hashed
// without storing it, process gauges from /proc, deadline-bounded peers and a threaded upstream.

#include "proxy/support.hpp"

#include <atomic>
#include <cerrno>
#include <functional>
#include <memory>
#include <string>
#include <sys/types.h>

namespace sniff::proxy::faults {

// AddressSanitizer quarantines freed memory (hundreds of MB) and allocates its own shadow, so RSS
// after many allocations says nothing about leaks there; LeakSanitizer checks those instead.
#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool k_asan = true;
#else
inline constexpr bool k_asan = false;
#endif

using test::Fnv64;

// Byte i of stream `seed` depends only on (seed, i), so sender and checker agree on any prefix.
void pattern_fill(std::uint64_t seed, std::uint64_t offset, unsigned char* out, std::size_t size);
Fnv64 pattern_hash(std::uint64_t seed, std::uint64_t length);

// VmRSS in KiB and the number of open descriptors of a process (0 = this one).
std::uint64_t rss_kib(pid_t pid = 0);
std::size_t open_fds(pid_t pid = 0);
// Bytes this process has allocated and not freed (glibc's mallinfo2): unlike RSS, it does not
// include freed memory the allocator keeps, so a leak shows at once. 0 when not available.
std::uint64_t heap_in_use();

// Polls predicate every 10 ms until it holds or timeout_ms pass.
bool wait_until(const std::function<bool()>& predicate, int timeout_ms);

// Sends `length` pattern bytes; `sent` counts progress. Returns 0 on success, else the errno of
// the failed send, or ETIMEDOUT when no byte could be sent for stall_ms. Shuts the sending side
// down on success if asked.
int send_pattern(int fd, std::uint64_t seed, std::uint64_t length, std::atomic<std::uint64_t>& sent,
                 int stall_ms, bool shutdown_after = true);

struct PeerResult {
    int send_error = -1; // send_pattern's result: 0 = all sent
    Fnv64 received;
    int error = 0; // errno of the read that ended the stream; 0 at a clean EOF
    // A reset is reported once per socket: to whichever of send() and recv() comes first.
    bool saw_reset() const { return error == ECONNRESET || send_error == ECONNRESET; }
};

// Sends pattern(seed, length) on a thread while reading to EOF on the caller's, so neither side
// of a connection can deadlock on full buffers.
PeerResult run_peer(int fd, std::uint64_t seed, std::uint64_t length, int stall_ms = 10000);

// A TCP server on 127.0.0.1 that runs handler(fd) on a thread per accepted connection and
// closes the descriptor after it. The destructor stops accepting and waits for the handlers.
class Upstream {
public:
    explicit Upstream(std::function<void(int fd)> handler);
    ~Upstream();
    Upstream(const Upstream&) = delete;
    Upstream& operator=(const Upstream&) = delete;
    std::uint16_t port() const { return m_port; }
    std::uint64_t accepted() const { return m_accepted.load(); }

private:
    void accept_loop();

    struct Shared {
        std::function<void(int)> handler;
        std::atomic<int> running{0};
    };
    std::shared_ptr<Shared> m_shared;
    int m_listener = -1;
    std::uint16_t m_port = 0;
    std::atomic<bool> m_stop{false};
    std::atomic<std::uint64_t> m_accepted{0};
    std::thread m_thread;
};

// Counts flows and bytes and keeps nothing per flow, so memory measured around it is the proxy's.
class CountingSink : public reassembly::StreamSink {
public:
    void on_flow_open(const model::Flow&) override { ++opened; }
    void on_data(const model::Flow&, model::Direction direction, const model::SegmentInfo&,
                 util::Bytes bytes) override {
        bytes_seen[static_cast<std::size_t>(direction)] += bytes.size();
    }
    void on_flow_close(const model::Flow&, reassembly::CloseReason) override { ++closed; }
    std::atomic<std::uint64_t> opened{0};
    std::atomic<std::uint64_t> closed{0};
    std::array<std::atomic<std::uint64_t>, 2> bytes_seen{};
};

// A Proxy on its own io_context thread feeding a CountingSink (test::Harness records every flow,
// which is memory that grows with the number of connections).
class LeanHarness {
public:
    LeanHarness(std::vector<ProxySpec> specs, ProxyOptions options);
    ~LeanHarness();
    LeanHarness(const LeanHarness&) = delete;
    LeanHarness& operator=(const LeanHarness&) = delete;
    std::uint16_t port() const { return m_port; }
    ProxyStats stats(); // read on the proxy's thread
    CountingSink sink;

private:
    boost::asio::io_context m_io;
    std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> m_work;
    std::unique_ptr<Proxy> m_proxy;
    std::uint16_t m_port = 0;
    std::thread m_thread;
};

// Samples this process's RSS until destroyed; peak() is the highest value seen.
class RssMonitor {
public:
    RssMonitor()
        : m_thread([this] {
              while (!m_stop) {
                  m_peak = std::max<std::uint64_t>(m_peak, rss_kib());
                  std::this_thread::sleep_for(std::chrono::milliseconds(20));
              }
          }) {}
    ~RssMonitor() {
        m_stop = true;
        m_thread.join();
    }
    std::uint64_t peak() const { return m_peak; }

private:
    std::atomic<bool> m_stop{false};
    std::atomic<std::uint64_t> m_peak{0};
    std::thread m_thread;
};

// Reads exactly `size` bytes (bounded by the socket's receive timeout); false on EOF or error.
bool recv_exact(int fd, void* data, std::size_t size);

} // namespace sniff::proxy::faults
