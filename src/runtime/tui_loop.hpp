#pragma once
// The inspector on a live source's event loop: the terminal's input fd is watched with an
// asynchronous wait and a steady timer redraws at most k_frames_per_second times a second, and
// only when the store changed (or a key asked for it). The source (proxy, live capture) feeds the
// FlowStore on the same io_context thread, so nothing is locked, and a fast stream only pays for
// the store's append: painting is rate-limited.
//
// Usage, on the thread that will run io:
//     TuiLoop tui(io, store);
//     if (!tui.start([&] { shut_down(); }, error)) ...;   // q calls shut_down on the loop
//     io.run();
//     tui.stop();                                          // restore before printing anything
//
// start() leaves SIGINT/SIGTERM to the caller's signal_set (Terminal's own handlers would end the
// process without the clean shutdown); the terminal is restored at exit in any case.

#include "store/flow_store.hpp"
#include "tui/session.hpp"

#include <functional>
#include <memory>
#include <string>

namespace boost::asio {
class io_context;
}

namespace sniff::runtime {

class TuiLoop {
public:
    static constexpr int k_frames_per_second = 20;

    TuiLoop(boost::asio::io_context& io, store::FlowStore& store);
    ~TuiLoop(); // calls stop()
    TuiLoop(const TuiLoop&) = delete;
    TuiLoop& operator=(const TuiLoop&) = delete;

    // Takes over the terminal and starts watching keys and redrawing. on_quit runs on the loop
    // once the user pressed q, after the terminal was restored. False (and error) when the
    // terminal cannot be used.
    bool start(std::function<void()> on_quit, std::string& error);
    // Stops watching and restores the terminal; idempotent. Call on the loop's thread, or after
    // the loop stopped running.
    void stop();
    bool running() const;

    tui::Session& session();

    struct Impl;

private:
    std::unique_ptr<Impl> m_impl;
};

} // namespace sniff::runtime
