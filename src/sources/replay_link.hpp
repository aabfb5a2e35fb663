#pragma once
// The connection one flow of sniff replay runs on, whatever the flow's transport: a TCP stream
// (connected to --to, or accepted on --listen), a UDP socket connected to --to, or a client of
// the UDP socket bound to --listen (replay_udp_port). The session (replay_session) plays the
// captured turns over it and does not care which: a read is a recv() chunk of the stream or one
// datagram, a write is a chunk of the stream or one datagram.
//
// UDP has no connection to fail, so "nothing listens" is learnt from the ICMP port unreachable an
// earlier datagram drew: the next read or write fails with connection_refused (the socket is
// connected, so the kernel reports it), which the session names as such.

#include "model/endpoint.hpp"
#include "model/flow.hpp"
#include "proxy/asio_coroutines.hpp"
#include "proxy/write_pacer.hpp"
#include "util/byte_reader.hpp"

#include <chrono>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace sniff::sources {

class ReplayLink {
public:
    virtual ~ReplayLink() = default;

    virtual model::Protocol protocol() const = 0;
    // Connects to the peer: TCP within `timeout`, UDP at once (nothing is sent). Returns the
    // failure in words, empty on success.
    virtual proxy::asio::awaitable<std::string> connect(const proxy::asio::ip::address& address,
                                                        std::uint16_t port,
                                                        std::chrono::milliseconds timeout) = 0;
    virtual model::Endpoint local() const = 0;
    virtual model::Endpoint remote() const = 0;
    // What the peer sends next: a recv() chunk (TCP) or one whole datagram (UDP, cut to the
    // buffer, which holds the largest one). An error ends the reading: eof, reset, refused.
    virtual proxy::asio::awaitable<std::pair<boost::system::error_code, std::size_t>>
    read(std::span<std::byte> buffer) = 0;
    // Waits before a write as the pacer says (TCP; UDP keeps its datagrams apart by itself).
    virtual proxy::asio::awaitable<void> pace(proxy::WritePacer& pacer,
                                              proxy::asio::steady_timer& timer) = 0;
    // Writes all of `bytes` (TCP) or sends them as one datagram (UDP).
    virtual proxy::asio::awaitable<boost::system::error_code> write(util::Bytes bytes) = 0;
    virtual void shutdown_send() = 0; // TCP: FIN; UDP: nothing to say
    virtual void set_no_delay() = 0;
    virtual void close() = 0;
};

// A datagram send's outcome: a datagram is never sent in part, so a short count is an error.
inline boost::system::error_code datagram_sent(boost::system::error_code error, std::size_t sent,
                                               std::size_t size) {
    if (!error && sent != size)
        error = proxy::asio::error::message_size;
    return error;
}

// An unconnected link of the protocol (connect() next).
std::unique_ptr<ReplayLink> make_link(proxy::asio::io_context& io, model::Protocol protocol);
// A connection accepted on --listen.
std::unique_ptr<ReplayLink> tcp_link(proxy::tcp::socket socket);

} // namespace sniff::sources
