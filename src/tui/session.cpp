#include "tui/session.hpp"

#include <cstdio>
#include <exception>
#include <poll.h>

namespace sniff::tui {

bool Session::handle_input() {
    for (;;) {
        const Key key = m_terminal.read_key();
        if (key.code == KeyCode::none)
            return true;
        const KeyResult result = m_inspector.handle_key(key);
        if (result == KeyResult::quit)
            return false;
        if (result == KeyResult::redraw || key.code == KeyCode::resize)
            m_dirty = true;
    }
}

void Session::tick() {
    if (!m_dirty && m_drawn_version == m_store.version() &&
        m_drawn_revision == m_inspector.revision())
        return;
    Screen screen(m_terminal.rows(), m_terminal.columns());
    m_inspector.render(screen);
    m_terminal.paint(screen);
    m_dirty = false;
    m_drawn_version = m_store.version();
    m_drawn_revision = m_inspector.revision();
}

int Session::run() {
    try {
        tick();
        for (;;) {
            pollfd watched{input_fd(), POLLIN, 0};
            // A timeout keeps tick() running so a store fed from elsewhere is redrawn.
            (void)::poll(&watched, 1, 250);
            if (!handle_input())
                break;
            tick();
        }
    } catch (const std::exception& error) {
        stop();
        std::fprintf(stderr, "sniff: inspector failed: %s\n", error.what());
        return 1;
    }
    stop();
    return 0;
}

} // namespace sniff::tui
