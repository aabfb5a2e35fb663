#include "proxy/write_pacer.hpp"

#include <algorithm>
#include <linux/sockios.h>
#include <sys/ioctl.h>

namespace sniff::proxy {

namespace {

// Polling steps while the reader catches up: a loopback reader that is awake takes a few tens
// of microseconds, a descheduled one milliseconds; the step grows so a slow reader costs few
// queries.
constexpr auto k_first_step = std::chrono::microseconds(20);
constexpr auto k_largest_step = std::chrono::microseconds(1000);

// Bytes in our send queue not yet acknowledged by the peer; 0 when the ioctl fails.
int unsent_bytes(tcp::socket& socket) {
    int queued = 0;
    if (::ioctl(socket.native_handle(), SIOCOUTQ, &queued) != 0)
        return 0;
    return queued;
}

} // namespace

WritePacer::WritePacer(PeerProbe& probe, std::optional<int> delay_ms, bool paced,
                       PaceCounters counters)
    : m_probe(probe), m_delay_ms(delay_ms), m_paced(paced), m_counters(counters) {}

asio::awaitable<void> WritePacer::before_write(tcp::socket& socket, asio::steady_timer& timer) {
    if (m_written == 0)
        co_return; // nothing written before: nothing to merge with
    const std::optional<int>& delay = m_delay_ms;
    if (!delay) {
        if (m_paced)
            co_await wait_for_reader(socket, timer);
        co_return;
    }
    if (*delay > 0)
        co_await pause(timer, std::chrono::milliseconds(*delay));
    if (!m_paced)
        co_return;
    // An explicit delay is not checked against the reader, only reported on.
    if (!peer_caught_up(socket))
        ++(m_peer == Peer::local ? m_counters.merged : m_counters.unseen);
}

bool WritePacer::peer_caught_up(tcp::socket& socket) {
    if (m_peer == Peer::remote)
        return false;
    const auto queue = m_probe.query(socket.native_handle());
    if (!queue) {
        // A local peer that cannot be found any more has closed: the write will tell.
        const bool was_local = m_peer == Peer::local;
        m_peer = was_local ? Peer::local : Peer::remote;
        return was_local;
    }
    m_peer = Peer::local;
    return queue->consumed() >= m_written;
}

asio::awaitable<void> WritePacer::wait_for_reader(tcp::socket& socket, asio::steady_timer& timer) {
    const auto deadline = std::chrono::steady_clock::now() + k_pace_limit;
    auto step = std::chrono::microseconds(0);
    for (;;) {
        if (peer_caught_up(socket))
            co_return;
        if (m_peer == Peer::remote && unsent_bytes(socket) == 0) {
            co_await pause(timer, k_remote_settle);
            ++m_counters.unseen;
            co_return;
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            ++(m_peer == Peer::local ? m_counters.merged : m_counters.unseen);
            co_return;
        }
        step = step.count() == 0 ? k_first_step : std::min(step * 2, k_largest_step);
        co_await pause(timer, step);
    }
}

asio::awaitable<void> WritePacer::pause(asio::steady_timer& timer,
                                        std::chrono::microseconds how_long) {
    timer.expires_after(how_long);
    co_await timer.async_wait(k_use_tuple);
}

} // namespace sniff::proxy
