#include "runtime/event_loop_runner.hpp"

namespace sniff::runtime {

namespace {

// Runs ready handlers, polling without a timeout, until a poll has found nothing for busy_poll;
// returns false once io is stopped or out of work.
bool poll_while_busy(boost::asio::io_context& io, std::chrono::microseconds busy_poll) {
    using clock = std::chrono::steady_clock;
    auto last_event = clock::now();
    while (!io.stopped()) {
        if (io.poll() > 0)
            last_event = clock::now();
        else if (clock::now() - last_event >= busy_poll)
            return !io.stopped();
    }
    return false;
}

} // namespace

void run_event_loop(boost::asio::io_context& io, std::chrono::microseconds busy_poll) {
    if (busy_poll.count() <= 0) {
        io.run();
        return;
    }
    // Sleeps for one event at a time, then polls until the traffic pauses for busy_poll.
    while (poll_while_busy(io, busy_poll) && io.run_one() > 0) {
    }
}

} // namespace sniff::runtime
