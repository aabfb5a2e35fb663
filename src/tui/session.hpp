#pragma once
// The inspector on a terminal: an input fd to watch, handle_input() when it is readable, tick()
// to redraw what changed. run() is a poll() loop over that pair; a live source can instead call
// them from its own event loop (watch input_fd(), call tick() on a throttling timer).

#include "store/flow_store.hpp"
#include "tui/inspector.hpp"
#include "tui/terminal.hpp"

#include <string>

namespace sniff::tui {

class Session {
public:
    explicit Session(store::FlowStore& store) : m_store(store), m_inspector(store) {}

    // own_signals: see Terminal::start (false when an event loop handles SIGINT/SIGTERM).
    bool start(std::string& error, bool own_signals = true) {
        return m_terminal.start(error, own_signals);
    }
    void stop() { m_terminal.stop(); }
    int input_fd() const { return m_terminal.input_fd(); }
    // Handles every waiting key; false once the user asked to quit.
    bool handle_input();
    // Redraws when a key, a resize or new data in the store changed the picture.
    void tick();
    // Blocks until quit; the terminal is restored on every way out. Returns the exit code.
    int run();

    Inspector& inspector() { return m_inspector; }

private:
    store::FlowStore& m_store;
    Inspector m_inspector;
    Terminal m_terminal;
    bool m_dirty = true;
    std::uint64_t m_drawn_version = ~0ull;
    std::uint64_t m_drawn_revision = ~0ull;
};

} // namespace sniff::tui
