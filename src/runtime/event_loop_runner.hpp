#pragma once
// How the live run's one thread drives its io_context: asleep in epoll_wait between events, or
// (--busy-poll) polling for a while after each event before it sleeps. On a virtual machine a
// core that goes idle is handed back to the host, and waking it takes tens of microseconds,
// which is most of a loopback round trip; a loop that keeps polling while traffic flows keeps its
// core awake. It costs CPU only while events keep coming: after busy_poll without one it sleeps.

#include "sources/asio.hpp"

#include <chrono>

namespace sniff::runtime {

// Runs io until it has no more work or is stopped; busy_poll 0 is io.run().
void run_event_loop(boost::asio::io_context& io, std::chrono::microseconds busy_poll);

} // namespace sniff::runtime
