#pragma once
// The Asio of the proxy's and the replay's coroutines: sockets, timers, awaitables and the
// awaitable operators, with the names both use.

// GCC's optimiser reports "potential null pointer dereference" inside Asio's scheduler once
// inlined into our code; the paths it imagines are not reachable (Asio's own invariants).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#pragma GCC diagnostic pop

namespace sniff::proxy {

namespace asio = boost::asio;
using asio::ip::tcp;
using asio::ip::udp;
// Expected failures (EOF, reset, refused) come back as values; exceptions are bugs.
inline constexpr auto k_use_tuple = asio::as_tuple(asio::use_awaitable);

} // namespace sniff::proxy
