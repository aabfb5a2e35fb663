#pragma once
// Test helpers for the proxy: a recording sink, a harness that runs a Proxy on its own thread,
// blocking POSIX sockets with timeouts (so a broken proxy fails a test instead of hanging it).

#include "proxy/proxy.hpp"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#pragma GCC diagnostic pop
#include <condition_variable>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

namespace sniff::proxy::test {

// FNV-1a 64: fed in pieces it gives the same value as fed in one go, so chunked and whole
// streams compare directly.
struct Fnv64 {
    std::uint64_t value = 0xcbf29ce484222325ULL;
    std::uint64_t size = 0;
    void add(const void* data, std::size_t length) {
        const auto* bytes = static_cast<const unsigned char*>(data);
        for (std::size_t i = 0; i < length; ++i)
            value = (value ^ bytes[i]) * 0x100000001b3ULL;
        size += length;
    }
    bool operator==(const Fnv64&) const = default;
};

struct RecordedFlow {
    model::Flow flow;
    std::array<Fnv64, 2> hash;
    std::array<std::vector<std::uint32_t>, 2> chunk_sizes;
    std::array<std::uint64_t, 2> next_offset{};
    bool offsets_ok = true;
    std::optional<reassembly::CloseReason> closed;
};

class RecordingSink : public reassembly::StreamSink {
public:
    void on_flow_open(const model::Flow& flow) override;
    void on_data(const model::Flow& flow, model::Direction direction,
                 const model::SegmentInfo& segment, util::Bytes bytes) override;
    void on_flow_close(const model::Flow& flow, reassembly::CloseReason reason) override;

    // Waits until count flows have closed; false on timeout.
    bool wait_closed(std::size_t count, int timeout_ms = 5000);
    std::map<std::uint64_t, RecordedFlow> flows() const;
    RecordedFlow by_client_port(std::uint16_t port) const;

private:
    mutable std::mutex m_mutex;
    std::condition_variable m_changed;
    std::map<std::uint64_t, RecordedFlow> m_flows;
    std::size_t m_closed = 0;
};

// Runs one Proxy on its own io_context thread; stops it and drains the loop on destruction.
class Harness {
public:
    Harness(std::vector<ProxySpec> specs, ProxyOptions options,
            reassembly::StreamSink* extra_sink = nullptr);
    ~Harness() { stop(); }
    void stop();
    std::uint16_t port(std::size_t index = 0) const { return m_ports.at(index); }
    ProxyStats stats(); // read on the proxy's thread
    std::vector<ProxyEvent> events();
    RecordingSink sink;

private:
    reassembly::SinkFanout m_fanout;
    boost::asio::io_context m_io;
    std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> m_work;
    std::unique_ptr<Proxy> m_proxy;
    std::vector<std::uint16_t> m_ports;
    std::thread m_thread;
    std::mutex m_events_mutex;
    std::vector<ProxyEvent> m_events;
};

ProxySpec tcp_spec(std::uint16_t target_port);
ProxySpec udp_spec(std::uint16_t target_port);

// Blocking POSIX sockets with 5 s timeouts. Return -1 on failure.
int listen_tcp(std::uint16_t& port); // on 127.0.0.1, ephemeral port
int accept_tcp(int listener);
int connect_tcp(std::uint16_t port);
int bind_udp(std::uint16_t& port);
std::uint16_t local_port(int fd);
bool send_all(int fd, const void* data, std::size_t size);
void reset_close(int fd); // SO_LINGER 0 + close: sends RST
// Reads until EOF; returns the hash, sets error to errno on a failed read (0 at clean EOF).
Fnv64 read_to_eof(int fd, int& error, std::vector<std::size_t>* sizes = nullptr);

} // namespace sniff::proxy::test
