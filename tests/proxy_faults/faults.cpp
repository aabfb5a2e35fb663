#include "proxy_faults/faults.hpp"

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <malloc.h>
#include <poll.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace sniff::proxy::faults {

namespace {

// splitmix64: a fixed, well-mixed function of its input.
std::uint64_t mix(std::uint64_t x) {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

std::string proc_path(pid_t pid, const char* leaf) {
    return (pid == 0 ? std::string("/proc/self/") : "/proc/" + std::to_string(pid) + "/") + leaf;
}

} // namespace

void pattern_fill(std::uint64_t seed, std::uint64_t offset, unsigned char* out, std::size_t size) {
    const std::uint64_t key = mix(seed);
    for (std::size_t i = 0; i < size; ++i) {
        const std::uint64_t at = offset + i;
        out[i] = static_cast<unsigned char>(mix(key ^ (at >> 3)) >> ((at & 7) * 8));
    }
}

Fnv64 pattern_hash(std::uint64_t seed, std::uint64_t length) {
    Fnv64 hash;
    std::vector<unsigned char> block(64 * 1024);
    for (std::uint64_t offset = 0; offset < length; offset += block.size()) {
        const auto size =
            static_cast<std::size_t>(std::min<std::uint64_t>(block.size(), length - offset));
        pattern_fill(seed, offset, block.data(), size);
        hash.add(block.data(), size);
    }
    return hash;
}

std::uint64_t rss_kib(pid_t pid) {
    std::ifstream status(proc_path(pid, "status"));
    std::string line;
    while (std::getline(status, line))
        if (line.rfind("VmRSS:", 0) == 0)
            return std::stoull(line.substr(6));
    return 0;
}

std::size_t open_fds(pid_t pid) {
    std::error_code ec;
    std::size_t count = 0;
    for (std::filesystem::directory_iterator it(proc_path(pid, "fd"), ec), end; !ec && it != end;
         it.increment(ec))
        ++count;
    return count;
}

std::uint64_t heap_in_use() {
    const auto info = mallinfo2();
    return info.uordblks + info.hblkhd;
}

bool wait_until(const std::function<bool()>& predicate, int timeout_ms) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
        if (predicate())
            return true;
        if (std::chrono::steady_clock::now() >= deadline)
            return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

int send_pattern(int fd, std::uint64_t seed, std::uint64_t length, std::atomic<std::uint64_t>& sent,
                 int stall_ms, bool shutdown_after) {
    std::vector<unsigned char> block(64 * 1024);
    std::uint64_t offset = 0;
    while (offset < length) {
        const auto size =
            static_cast<std::size_t>(std::min<std::uint64_t>(block.size(), length - offset));
        pattern_fill(seed, offset, block.data(), size);
        std::size_t done = 0;
        while (done < size) {
            // poll first, so a peer that stops reading costs a bounded wait, not a hang.
            pollfd ready{fd, POLLOUT, 0};
            const int polled = poll(&ready, 1, stall_ms);
            if (polled == 0)
                return ETIMEDOUT;
            if (polled < 0 && errno != EINTR)
                return errno;
            const ssize_t n =
                send(fd, block.data() + done, size - done, MSG_NOSIGNAL | MSG_DONTWAIT);
            if (n < 0 && (errno == EAGAIN || errno == EINTR))
                continue;
            if (n < 0)
                return errno;
            if (n == 0)
                return EPIPE;
            done += static_cast<std::size_t>(n);
            sent += static_cast<std::uint64_t>(n);
        }
        offset += size;
    }
    if (shutdown_after)
        shutdown(fd, SHUT_WR);
    return 0;
}

PeerResult run_peer(int fd, std::uint64_t seed, std::uint64_t length, int stall_ms) {
    PeerResult result;
    std::atomic<std::uint64_t> sent{0};
    std::thread sender([&] { result.send_error = send_pattern(fd, seed, length, sent, stall_ms); });
    result.received = test::read_to_eof(fd, result.error);
    sender.join();
    return result;
}

Upstream::Upstream(std::function<void(int fd)> handler) : m_shared(std::make_shared<Shared>()) {
    m_shared->handler = std::move(handler);
    m_listener = test::listen_tcp(m_port);
    if (m_listener < 0)
        throw std::runtime_error("upstream: cannot listen");
    m_thread = std::thread([this] { accept_loop(); });
}

Upstream::~Upstream() {
    m_stop = true;
    m_thread.join();
    close(m_listener);
    // Handlers end by themselves: their sockets time out after 5 s at most.
    wait_until([&] { return m_shared->running.load() == 0; }, 30000);
}

void Upstream::accept_loop() {
    while (!m_stop) {
        pollfd ready{m_listener, POLLIN, 0};
        if (poll(&ready, 1, 50) <= 0)
            continue;
        const int fd = test::accept_tcp(m_listener);
        if (fd < 0)
            continue;
        ++m_accepted;
        ++m_shared->running;
        // Detached: 10,000 short connections must not pile up unjoined threads.
        std::thread([shared = m_shared, fd] {
            shared->handler(fd);
            close(fd);
            --shared->running;
        }).detach();
    }
}

LeanHarness::LeanHarness(std::vector<ProxySpec> specs, ProxyOptions options) {
    m_proxy = std::make_unique<Proxy>(m_io, std::move(specs), std::move(options), sink);
    std::string error;
    if (!m_proxy->start(error))
        throw std::runtime_error("proxy start: " + error);
    m_port = m_proxy->listen_endpoints().at(0).port;
    m_work.emplace(m_io.get_executor());
    m_thread = std::thread([this] { m_io.run(); });
}

LeanHarness::~LeanHarness() {
    boost::asio::post(m_io, [this] { m_proxy->stop(); });
    m_work.reset();
    m_thread.join();
}

ProxyStats LeanHarness::stats() {
    std::promise<ProxyStats> result;
    boost::asio::post(m_io, [&] { result.set_value(m_proxy->stats()); });
    return result.get_future().get();
}

bool recv_exact(int fd, void* data, std::size_t size) {
    auto* bytes = static_cast<char*>(data);
    while (size > 0) {
        const ssize_t got = recv(fd, bytes, size, 0);
        if (got <= 0)
            return false;
        bytes += got;
        size -= static_cast<std::size_t>(got);
    }
    return true;
}

} // namespace sniff::proxy::faults
