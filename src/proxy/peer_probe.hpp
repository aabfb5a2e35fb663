#pragma once
// What the reader at the far end of one of our TCP connections has taken out of its socket, when
// that reader runs on this host (loopback, a local address): the kernel's socket diagnostics
// (NETLINK_SOCK_DIAG, what `ss` uses) look up the peer's socket by its four-tuple and report how
// many bytes it has received and how many of them still wait unread in its receive queue.
//
// Re-chunking paces its writes with this: the next chunk is written only once the peer has read
// every byte written before, so each chunk reaches a reader waiting in recv() as its own read,
// however busy the machine. For a peer on another host the lookup fails and the caller falls
// back to its send queue (SIOCOUTQ) and a settle time.
//
// One netlink socket per probe, opened on first use; queries are synchronous (answered by the
// kernel during the call, a few microseconds). One thread only.

#include <cstdint>
#include <optional>

namespace sniff::proxy {

struct PeerQueue {
    std::uint64_t received = 0; // payload bytes the peer's socket received since it connected
    std::uint64_t unread = 0;   // of which still in its receive queue (not yet recv()'d)
    // Bytes the reader has taken out of the socket.
    std::uint64_t consumed() const { return received >= unread ? received - unread : 0; }
};

class PeerProbe {
public:
    PeerProbe() = default;
    ~PeerProbe();
    PeerProbe(const PeerProbe&) = delete;
    PeerProbe& operator=(const PeerProbe&) = delete;

    // The peer of our connected TCP socket fd (the socket whose local address is fd's remote
    // one and the reverse). nullopt when the peer is not on this host, the connection is gone,
    // or socket diagnostics are not available.
    std::optional<PeerQueue> query(int fd);

private:
    bool open();
    int m_netlink = -1;
    bool m_unavailable = false; // the netlink socket could not be opened: do not retry
    std::uint32_t m_sequence = 0;
};

} // namespace sniff::proxy
