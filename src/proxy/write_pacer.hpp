#pragma once
// Spaces the writes of one re-chunked connection direction so that each
// write reaches the peer as its own recv() result. Written back to back, the chunks would meet
// in the peer's receive queue and a reader's next recv() would return them together: the very
// split the user asked for would never be seen.
//
// Default pacing (ProxyOptions::delay_ms unset), before each write after the first:
//  - a peer on this host: wait until its socket has received every byte written before and its
//    reader has taken them all out (socket diagnostics, PeerProbe). Exact, whatever the load.
//  - a peer elsewhere: wait until our send queue is empty (SIOCOUTQ: the peer's kernel has
//    acknowledged everything), then k_remote_settle for its reader to wake and read.
// Either wait ends after k_pace_limit, so a peer that does not read (it is busy writing, or waits
// for more than one message) slows the stream down but never stalls it; such a write is counted
// as merged. delay_ms set: a fixed pause instead (0 = back to back, the old behaviour).
//
// For every write of a re-chunked direction to a peer on this host it also counts whether the
// peer still held earlier bytes when the write left (ProxyStats::writes_merged): how the peer
// actually received the chunks, as far as it can be known.
//
// Used by the proxy's connections and by sniff replay's (sources/replay_session): both re-chunk.

#include "proxy/asio_coroutines.hpp"
#include "proxy/peer_probe.hpp"

#include <chrono>
#include <cstdint>
#include <optional>

namespace sniff::proxy {

inline constexpr auto k_pace_limit = std::chrono::milliseconds(200);
inline constexpr auto k_remote_settle = std::chrono::milliseconds(2);

// Where a pacer counts the writes that may have merged (ProxyStats::writes_merged/unseen).
struct PaceCounters {
    std::uint64_t& merged;
    std::uint64_t& unseen;
};

class WritePacer {
public:
    // paced: the direction is re-chunked (its writes are spaced and checked); otherwise only
    // an explicit delay_ms spaces them, as before. probe: shared by the pacers of one loop.
    WritePacer(PeerProbe& probe, std::optional<int> delay_ms, bool paced, PaceCounters counters);

    // Waits as the options say before writing to socket (nothing before the first write).
    asio::awaitable<void> before_write(tcp::socket& socket, asio::steady_timer& timer);
    // Counts a write of size bytes that has been handed to the socket.
    void wrote(std::size_t size) { m_written += size; }

private:
    enum class Peer : std::uint8_t { unknown, local, remote };
    // True once the peer has read every byte written so far; asks the kernel once.
    bool peer_caught_up(tcp::socket& socket);
    asio::awaitable<void> wait_for_reader(tcp::socket& socket, asio::steady_timer& timer);
    asio::awaitable<void> pause(asio::steady_timer& timer, std::chrono::microseconds how_long);

    PeerProbe& m_probe;
    std::optional<int> m_delay_ms;
    bool m_paced;
    PaceCounters m_counters;
    Peer m_peer = Peer::unknown;
    std::uint64_t m_written = 0; // bytes handed to the socket in this direction
};

} // namespace sniff::proxy
