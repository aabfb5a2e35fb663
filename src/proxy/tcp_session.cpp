// One accepted TCP connection: connect upstream (raced with a timer), then two pumps joined with
// &&. Each pump reads into a buffer from the proxy's pool and writes it out fully before reading
// again, which is the backpressure: a slow reader stalls the opposite socket's reads, not memory.
// Reads and writes are tried at once on the non-blocking sockets and only wait on the event loop
// when the socket is not ready: no trip through the loop per chunk. A pump waits by reading into
// a small buffer of its own, so a waiting connection holds no pool buffer, and a small message
// (a request, a reply) is read, recorded and forwarded from there without one.
#include "proxy/proxy_impl.hpp"
#include "proxy/write_pacer.hpp"

#include <array>
#include <cstring>
#include <optional>
#include <span>
#include <utility>

namespace sniff::proxy {

using model::Direction;
using namespace asio::experimental::awaitable_operators;

namespace {

// Closes with SO_LINGER 0, which sends RST instead of FIN.
void reset_socket(tcp::socket& socket) {
    boost::system::error_code ignored;
    if (!socket.is_open())
        return;
    socket.set_option(asio::socket_base::linger(true, 0), ignored);
    socket.close(ignored);
}

void set_nodelay(tcp::socket& socket) {
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
}

// What one pump reads into, and what its last read told it.
struct ReadState {
    // Reads after a wait land here first: big enough for most requests and replies, small
    // enough that a thousand idle connections stay cheap.
    static constexpr std::size_t k_wake_size = 4096;
    std::array<std::byte, k_wake_size> wake{};
    BufferPool::Lease buffer;           // held only while bytes are being moved
    bool drained = true;                // the last read left the socket empty, as far as we know
    boost::system::error_code deferred; // met after bytes that were returned first
};

class TcpSession final : public Session {
public:
    TcpSession(std::shared_ptr<Proxy::Impl> impl, const Listener& listener, tcp::socket client,
               const tcp::endpoint& peer)
        : m_impl(std::move(impl)), m_target(listener.tcp_target), m_peer(peer),
          m_client(std::move(client)), m_upstream(m_impl->io()) {}

    asio::awaitable<void> run();
    void close() override;

private:
    asio::awaitable<bool> connect_upstream();
    asio::awaitable<void> pump(Direction direction);
    asio::awaitable<std::span<std::byte>> read_chunk(Direction direction, ReadState& state,
                                                     boost::system::error_code& error);
    asio::awaitable<std::size_t> wait_and_read(tcp::socket& socket, ReadState& state,
                                               std::size_t capacity,
                                               boost::system::error_code& error);
    asio::awaitable<boost::system::error_code> write_chunk(Direction direction, util::Bytes bytes);
    asio::awaitable<std::span<std::byte>> coalesce(Direction direction, ReadState& state,
                                                   std::span<std::byte> chunk, bool& eof,
                                                   boost::system::error_code& error,
                                                   asio::steady_timer& timer);
    void fail(Direction sender);
    void received(Direction direction, util::Bytes bytes);
    tcp::socket& from(Direction d) { return d == Direction::c2s ? m_client : m_upstream; }
    tcp::socket& to(Direction d) { return d == Direction::c2s ? m_upstream : m_client; }

    std::shared_ptr<Proxy::Impl> m_impl;
    tcp::endpoint m_target;
    tcp::endpoint m_peer; // the client, as accepted
    tcp::socket m_client;
    tcp::socket m_upstream;
    model::Flow m_flow;
    std::optional<std::pair<ProxyEventKind, std::string>> m_connect_failure;
    bool m_stopping = false; // stop() closed us
    bool m_reset = false;    // one side reset or failed: both were reset
};

asio::awaitable<void> TcpSession::run() {
    boost::system::error_code ec;
    m_flow = m_impl->new_flow(model::Protocol::tcp, to_model(m_peer.address(), m_peer.port()),
                              to_model(m_target.address(), m_target.port()));
    m_impl->add_session(m_flow.id, *this);
    const auto listener = m_client.local_endpoint(ec); // where this client connected
    if (!ec)
        m_flow.legs.listener = to_model(listener.address(), listener.port());
    const bool connected = co_await connect_upstream();
    // The flow is reported once its upstream leg exists (or failed), so every view and the
    // flow's open event can name both legs.
    if (connected) {
        const auto local = m_upstream.local_endpoint(ec);
        if (!ec)
            m_flow.legs.upstream_local = to_model(local.address(), local.port());
    }
    m_impl->announce_flow(m_flow);
    if (m_connect_failure)
        m_impl->report(m_connect_failure->first, m_flow.id, m_connect_failure->second);
    if (connected) {
        set_nodelay(m_client);
        set_nodelay(m_upstream);
        m_client.non_blocking(true, ec);
        m_upstream.non_blocking(true, ec);
        co_await (pump(Direction::c2s) && pump(Direction::s2c));
    }
    m_client.close(ec);
    m_upstream.close(ec);
    m_impl->remove_session(m_flow.id);
    m_flow.last_seen = now_ns(); // the close is seen now, however long after the last data
    const auto reason = m_stopping ? reassembly::CloseReason::end_of_input
                        : m_reset  ? reassembly::CloseReason::rst
                                   : reassembly::CloseReason::fin;
    m_impl->close_flow(m_flow, reason);
}

asio::awaitable<bool> TcpSession::connect_upstream() {
    const int timeout_ms = m_impl->options().connect_timeout_ms;
    asio::steady_timer timer(m_impl->io());
    timer.expires_after(std::chrono::milliseconds(timeout_ms));
    const std::string target =
        m_target.address().to_string() + ":" + std::to_string(m_target.port());
    std::string timeout_detail = "no answer within " + std::to_string(timeout_ms) + " ms";
    boost::system::error_code error;
    for (;;) {
        auto result = co_await (m_upstream.async_connect(m_target, k_use_tuple) ||
                                timer.async_wait(k_use_tuple));
        if (m_stopping)
            co_return false;
        if (result.index() == 1)
            break;
        error = std::get<0>(std::get<0>(result));
        if (!error)
            co_return true;
        // No descriptor for the upstream socket is our shortage, not the target's answer:
        // wait for a connection to end (as the accept loop does) until the connect timeout,
        // rather than reset a client that the target would have served.
        if (error != asio::error::no_descriptors &&
            error != std::errc::too_many_files_open_in_system)
            break;
        timeout_detail = "no free descriptor within " + std::to_string(timeout_ms) + " ms";
        asio::steady_timer pause(m_impl->io());
        pause.expires_after(std::chrono::milliseconds(100));
        auto waited = co_await (pause.async_wait(k_use_tuple) || timer.async_wait(k_use_tuple));
        if (m_stopping)
            co_return false;
        if (waited.index() == 1) {
            error.clear();
            break;
        }
    }
    // Reported by run() once the flow is announced.
    if (!error)
        m_connect_failure.emplace(ProxyEventKind::upstream_timeout,
                                  "connect " + target + ": " + timeout_detail);
    else
        m_connect_failure.emplace(ProxyEventKind::upstream_refused,
                                  "connect " + target + ": " + error.message());
    // The client sees what it would have seen connecting directly: a reset.
    m_reset = true;
    m_flow.of(Direction::s2c).rst = true;
    reset_socket(m_client);
    co_return false;
}

// A read or write failed (reset, broken pipe...): the direction whose sender misbehaved is
// marked and both sides are reset, which also ends the other pump.
void TcpSession::fail(Direction sender) {
    if (m_stopping || m_reset)
        return; // our own close() or abort caused this error
    m_reset = true;
    m_flow.of(sender).rst = true;
    reset_socket(m_client);
    reset_socket(m_upstream);
}

asio::awaitable<void> TcpSession::pump(Direction direction) {
    const auto d = static_cast<std::size_t>(direction);
    const ProxyOptions& options = m_impl->options();
    const RechunkSpec& spec = options.rechunk[d];
    const bool rechunked = spec.mode != RechunkMode::none;
    std::unique_ptr<CutPlanner> planner;
    if (spec.mode == RechunkMode::adversarial && options.cut_planner)
        planner = options.cut_planner(direction);
    Rechunker rechunker(spec, direction_seed(options.seed, m_flow.id, direction),
                        std::move(planner));
    auto& stats = m_impl->stats();
    WritePacer pacer(m_impl->peer_probe(), options.delay_ms, rechunked,
                     PaceCounters{stats.writes_merged[d], stats.writes_unseen[d]});
    std::vector<std::size_t> sizes;
    asio::steady_timer timer(m_impl->io());
    ReadState state;
    for (;;) {
        boost::system::error_code ec;
        std::span<std::byte> chunk = co_await read_chunk(direction, state, ec);
        bool eof = ec == asio::error::eof;
        if (ec && !eof) {
            fail(direction);
            co_return;
        }
        if (!chunk.empty())
            received(direction, chunk);
        if (!eof && spec.mode == RechunkMode::coalesce)
            chunk = co_await coalesce(direction, state, chunk, eof, ec, timer);
        rechunker.plan(chunk, sizes);
        std::size_t offset = 0;
        for (const std::size_t size : sizes) {
            co_await pacer.before_write(to(direction), timer);
            const auto piece = chunk.subspan(offset, size);
            if (co_await write_chunk(direction, piece)) {
                fail(model::opposite(direction)); // the receiver went away
                co_return;
            }
            pacer.wrote(size);
            // What the peer's recv() can get: a re-chunked direction shows its writes.
            if (rechunked)
                m_impl->report_segment(m_flow, direction, piece);
            offset += size;
            ++m_impl->stats().chunks_out[d];
        }
        if (ec && !eof) { // a read during coalescing failed after some bytes were held
            fail(direction);
            co_return;
        }
        if (eof) {
            // Half-close: pass the FIN on and let the other direction keep flowing.
            m_flow.of(direction).fin = true;
            boost::system::error_code ignored;
            to(direction).shutdown(tcp::socket::shutdown_send, ignored);
            co_return;
        }
        // A read that filled the buffer likely left more: read again at once, but first let the
        // loop run the others (a sender that keeps the socket full would starve them).
        state.drained = chunk.size() < m_impl->buffers().buffer_size();
        if (!state.drained)
            co_await asio::post(m_impl->io(), k_use_tuple);
    }
}

// Counts a recv() result; a direction forwarded as read also reports it as its segment.
void TcpSession::received(Direction direction, util::Bytes bytes) {
    if (m_impl->options().rechunk[static_cast<std::size_t>(direction)].mode == RechunkMode::none)
        m_impl->record(m_flow, direction, bytes);
    else
        m_impl->count_read(direction, bytes.size());
}

// One read: what the socket holds now, else (after a read that drained it) the next bytes it
// gets. Returns the bytes read, in state.wake or state.buffer; error is eof at the end of the
// stream. An error met after bytes is deferred to the next call, so the bytes go out first.
asio::awaitable<std::span<std::byte>> TcpSession::read_chunk(Direction direction, ReadState& state,
                                                             boost::system::error_code& error) {
    tcp::socket& socket = from(direction);
    BufferPool& pool = m_impl->buffers();
    if (state.deferred) {
        error = std::exchange(state.deferred, {});
        co_return std::span<std::byte>{};
    }
    if (!state.drained) {
        if (!state.buffer)
            state.buffer = pool.take();
        const std::size_t size =
            socket.read_some(asio::buffer(state.buffer.data(), pool.buffer_size()), error);
        if (error != asio::error::would_block && error != asio::error::try_again)
            co_return std::span(state.buffer.data(), size);
        error.clear();
    }
    state.buffer.reset();
    const std::size_t capacity = std::min(ReadState::k_wake_size, pool.buffer_size());
    const std::size_t waked = co_await wait_and_read(socket, state, capacity, error);
    // A short read drained the socket; with a read size no larger than the wake buffer, a full
    // one is already a whole read.
    if (error || waked < capacity || capacity == pool.buffer_size())
        co_return std::span(state.wake.data(), waked);
    // The wake buffer filled: the rest goes after it into a full buffer, as one chunk, which is
    // what one read with the full buffer would have returned.
    state.buffer = pool.take();
    std::memcpy(state.buffer.data(), state.wake.data(), waked);
    const std::size_t more = socket.read_some(
        asio::buffer(state.buffer.data() + waked, pool.buffer_size() - waked), state.deferred);
    if (state.deferred == asio::error::would_block || state.deferred == asio::error::try_again)
        state.deferred.clear();
    co_return std::span(state.buffer.data(), waked + more);
}

// Waits for bytes by reading up to capacity of them into the wake buffer. Asio tries the read
// at once before it waits, so after a read that drained the socket this costs one recv() that
// finds nothing (async_wait would cost an epoll_ctl instead), but no pool buffer.
asio::awaitable<std::size_t> TcpSession::wait_and_read(tcp::socket& socket, ReadState& state,
                                                       std::size_t capacity,
                                                       boost::system::error_code& error) {
    auto [read_error, size] =
        co_await socket.async_read_some(asio::buffer(state.wake.data(), capacity), k_use_tuple);
    error = read_error;
    co_return size;
}

// Writes all of bytes: at once when the socket takes them, the rest through the event loop.
asio::awaitable<boost::system::error_code> TcpSession::write_chunk(Direction direction,
                                                                   util::Bytes bytes) {
    tcp::socket& socket = to(direction);
    boost::system::error_code error;
    const std::size_t written = socket.write_some(asio::buffer(bytes.data(), bytes.size()), error);
    if (error == asio::error::would_block || error == asio::error::try_again)
        error.clear();
    if (error || written == bytes.size())
        co_return error;
    auto [write_error, rest] = co_await asio::async_write(
        socket, asio::buffer(bytes.data() + written, bytes.size() - written), k_use_tuple);
    co_return write_error;
}

// Keeps reading after a first read (chunk) until coalesce_ms have passed or coalesce_bytes are
// held; returns all that is held, in state.buffer. Readiness is awaited (not a read raced with the
// timer), so a read never loses bytes to a cancellation; the reads themselves are non-blocking.
asio::awaitable<std::span<std::byte>> TcpSession::coalesce(Direction direction, ReadState& state,
                                                           std::span<std::byte> chunk, bool& eof,
                                                           boost::system::error_code& error,
                                                           asio::steady_timer& timer) {
    const ProxyOptions& options = m_impl->options();
    const RechunkSpec& spec = options.rechunk[static_cast<std::size_t>(direction)];
    const std::size_t capacity = m_impl->buffers().buffer_size();
    const std::size_t limit =
        spec.coalesce_bytes > 0 ? std::min(spec.coalesce_bytes, capacity) : capacity;
    if (!state.buffer) {
        state.buffer = m_impl->buffers().take();
        std::memcpy(state.buffer.data(), chunk.data(), chunk.size());
    }
    std::byte* buffer = state.buffer.data();
    std::size_t filled = chunk.size();
    tcp::socket& socket = from(direction);
    timer.expires_after(std::chrono::milliseconds(spec.coalesce_ms));
    while (filled < limit && !error) {
        const std::size_t size =
            socket.read_some(asio::buffer(buffer + filled, limit - filled), error);
        if (error == asio::error::would_block || error == asio::error::try_again) {
            error.clear();
            auto ready = co_await (socket.async_wait(tcp::socket::wait_read, k_use_tuple) ||
                                   timer.async_wait(k_use_tuple));
            if (ready.index() == 1)
                break; // time is up: send what we hold
            error = std::get<0>(std::get<0>(ready));
            continue;
        }
        if (error == asio::error::eof) {
            error.clear();
            eof = true;
            break;
        }
        if (error)
            break;
        received(direction, util::Bytes(buffer + filled, size));
        filled += size;
    }
    co_return std::span(buffer, filled);
}

void TcpSession::close() {
    m_stopping = true;
    boost::system::error_code ignored;
    m_client.close(ignored);
    m_upstream.close(ignored);
}

} // namespace

void spawn_tcp_session(std::shared_ptr<Proxy::Impl> impl, const Listener& listener,
                       tcp::socket client, const tcp::endpoint& peer) {
    auto session = std::make_shared<TcpSession>(impl, listener, std::move(client), peer);
    // The completion handler owns the session until run() has returned.
    asio::co_spawn(impl->io(), session->run(), [session](std::exception_ptr failure) {
        if (failure)
            std::rethrow_exception(failure);
    });
}

} // namespace sniff::proxy
