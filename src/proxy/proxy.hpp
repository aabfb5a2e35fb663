#pragma once
// The proxy engine: listens as told by ProxySpecs, opens one upstream connection per accepted
// client (one upstream socket per client address for UDP) and forwards the bytes unchanged and in
// order. Every recv() result is reported to a StreamSink as one chunk of its flow direction, so
// reassembly, dissectors and views treat the proxy like any other source.
//
// It runs on an io_context owned by the caller (the event loop the TUI and live capture share),
// which must be run by ONE thread: the engine has no locks. The sink, on_event and stats() are
// used on that thread (post() to it from elsewhere). Asio stays out of this header.
//
// Lifetime: start() binds; stop() closes listeners and connections. Sessions then finish on the
// io_context (each reports on_flow_close), so keep the sink alive until the io_context has run
// out of work (or has been stopped and will not run again).

#include "model/flow.hpp"
#include "proxy/proxy_spec.hpp"
#include "proxy/rechunk.hpp"
#include "reassembly/stream_sink.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace boost::asio {
class io_context;
}

namespace sniff::proxy {

// Things a user should be told that are not stream data.
enum class ProxyEventKind : std::uint8_t {
    upstream_refused,   // connect failed (refused, unreachable); the client was reset
    upstream_timeout,   // connect did not finish within connect_timeout_ms; the client was reset
    accept_paused,      // accept() failed (EMFILE, ENFILE, ENOBUFS...): existing connections go on
    accept_resumed,     // accepting again after accept_paused
    udp_session_closed, // a UDP session ended (idle timeout or error)
    udp_sessions_full,  // udp_max_sessions are open: datagrams from new clients are dropped
};
const char* proxy_event_name(ProxyEventKind kind);

struct ProxyEvent {
    ProxyEventKind kind = ProxyEventKind::upstream_refused;
    std::uint64_t flow_id = 0; // 0 when not tied to a flow
    std::string detail;        // "connect 127.0.0.1:8080: Connection refused"
};

struct ProxyOptions {
    // Largest read, and bytes held per direction of a connection while they are written out; a
    // slow reader stops the other side from being read, so memory never grows with the amount
    // of data. Buffers are shared: a connection waiting for data holds none (TCP). Large reads
    // mean few system calls and few recorded chunks per megabyte on bulk transfers.
    std::size_t buffer_size = 1024 * 1024;
    RechunkPair rechunk{};  // per direction; none = forward each read whole
    std::uint64_t seed = 0; // for random:A-B; 0 = pick one (ProxyStats::seed says which)
    // Pause between two writes of a direction. Unset: a re-chunked direction is paced so that
    // each write reaches the peer's recv() as its own read (see write_pacer.hpp), others are
    // not paused. Set: that many milliseconds between any two writes, 0 = back to back.
    std::optional<int> delay_ms;
    int connect_timeout_ms = 5000;   // upstream TCP connect
    int udp_idle_timeout_ms = 60000; // a UDP session without datagrams either way is closed
    // Sessions open at once per UDP listener, each a socket and a 64 KiB buffer: datagrams from
    // endless new source addresses (a scan, spoofed floods) cannot take every descriptor.
    std::size_t udp_max_sessions = 4096;
    // adversarial mode: one planner per connection direction; null = GenericCutPlanner.
    CutPlannerFactory cut_planner;
    std::function<void(const ProxyEvent&)> on_event; // called on the io_context's thread
};

struct ProxyStats {
    std::uint64_t connections = 0;             // TCP connections accepted + UDP sessions opened
    std::uint64_t active = 0;                  // still open
    std::uint64_t upstream_failures = 0;       // refused or timed out
    std::uint64_t accept_errors = 0;           // failed accept() calls (EMFILE...)
    std::array<std::uint64_t, 2> bytes{};      // forwarded, per model::Direction
    std::array<std::uint64_t, 2> chunks_in{};  // recv() results
    std::array<std::uint64_t, 2> chunks_out{}; // writes (datagrams for UDP)
    // How the peer received a re-chunked direction's writes, per direction. merged: written
    // while the peer (on this host) still held earlier bytes unread, so its next recv() could
    // return them together (pacing could not be held: a reader that does not read, or
    // --delay). unseen: the peer is on another host; its recv() sizes cannot be known.
    std::array<std::uint64_t, 2> writes_merged{};
    std::array<std::uint64_t, 2> writes_unseen{};
    // UDP datagrams lost inside the proxy, per direction: the receive queue of its socket
    // overflowed before it read them (the kernel's count) or forwarding them failed.
    std::array<std::uint64_t, 2> udp_dropped{};
    // TCP read buffers allocated now: in use by a connection moving bytes, or kept for reuse.
    // A connection waiting for data holds none.
    std::uint64_t buffer_bytes = 0;
    std::uint64_t seed = 0;
};

class Proxy {
public:
    Proxy(boost::asio::io_context& io, std::vector<ProxySpec> specs, ProxyOptions options,
          reassembly::StreamSink& sink);
    ~Proxy(); // calls stop()
    Proxy(const Proxy&) = delete;
    Proxy& operator=(const Proxy&) = delete;

    // Raises the soft fd limit to the hard one, resolves every target once and binds every
    // listener. On failure nothing is left listening and error says which spec failed and why.
    bool start(std::string& error);
    // Closes the listeners and every connection (in-flight bytes are dropped). Idempotent.
    void stop();

    ProxyStats stats() const;
    // The bound listening endpoints, in spec order (useful with listen_port 0).
    std::vector<model::Endpoint> listen_endpoints() const;

    class Impl;

private:
    std::shared_ptr<Impl> m_impl; // shared with the running coroutines, which may outlive stop()
};

} // namespace sniff::proxy
