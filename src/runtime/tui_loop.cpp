#include "runtime/tui_loop.hpp"

#include "sources/asio.hpp"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference" // inside Asio's headers, as event_loop.hpp
#include <boost/asio/posix/stream_descriptor.hpp>
#pragma GCC diagnostic pop

#include <chrono>
#include <cstdio>
#include <exception>
#include <unistd.h>

namespace sniff::runtime {

namespace asio = boost::asio;

struct TuiLoop::Impl {
    Impl(asio::io_context& io, store::FlowStore& store) : session(store), input(io), timer(io) {}

    tui::Session session;
    asio::posix::stream_descriptor input;
    asio::steady_timer timer;
    std::function<void()> on_quit;
    bool running = false;

    void wait_for_keys() {
        input.async_wait(asio::posix::stream_descriptor::wait_read,
                         [this](boost::system::error_code code) {
                             if (code || !running)
                                 return;
                             if (!guarded([this] { return session.handle_input(); })) {
                                 quit();
                                 return;
                             }
                             // A key answers at once; only data-driven redraws wait for the timer.
                             guarded([this] {
                                 session.tick();
                                 return true;
                             });
                             if (running)
                                 wait_for_keys();
                         });
    }

    void schedule_frame() {
        timer.expires_after(std::chrono::milliseconds(1000 / k_frames_per_second));
        timer.async_wait([this](boost::system::error_code code) {
            if (code || !running)
                return;
            // A resize reaches ncurses as a key without making the fd readable: read here too.
            if (!guarded([this] { return session.handle_input(); })) {
                quit();
                return;
            }
            // tick() paints only when the store's version moved or a key asked for it.
            if (guarded([this] {
                    session.tick();
                    return true;
                }))
                schedule_frame();
        });
    }

    // Runs a step of the inspector; a failure restores the terminal, reports and quits, so an
    // exception never leaves the terminal in curses mode.
    template <typename Step> bool guarded(Step step) {
        try {
            return step();
        } catch (const std::exception& error) {
            stop();
            std::fprintf(stderr, "sniff: inspector failed: %s\n", error.what());
            if (on_quit)
                on_quit();
            return false;
        }
    }

    void quit() {
        stop();
        if (on_quit)
            on_quit();
    }

    void stop() {
        if (!running)
            return;
        running = false;
        boost::system::error_code ignored;
        input.cancel(ignored);
        // The descriptor is a dup of standard input: closing it leaves the terminal open.
        input.close(ignored);
        timer.cancel();
        session.stop();
    }
};

TuiLoop::TuiLoop(asio::io_context& io, store::FlowStore& store)
    : m_impl(std::make_unique<Impl>(io, store)) {}

TuiLoop::~TuiLoop() {
    stop();
}

bool TuiLoop::start(std::function<void()> on_quit, std::string& error) {
    auto& impl = *m_impl;
    if (impl.running)
        return true;
    if (!impl.session.start(error, false))
        return false;
    const int fd = ::dup(impl.session.input_fd());
    if (fd < 0) {
        impl.session.stop();
        error = "cannot watch the terminal's input";
        return false;
    }
    boost::system::error_code code;
    impl.input.assign(fd, code);
    if (code) {
        ::close(fd);
        impl.session.stop();
        error = "cannot watch the terminal's input: " + code.message();
        return false;
    }
    impl.on_quit = std::move(on_quit);
    impl.running = true;
    impl.session.tick();
    impl.wait_for_keys();
    impl.schedule_frame();
    return true;
}

void TuiLoop::stop() {
    m_impl->stop();
}

bool TuiLoop::running() const {
    return m_impl->running;
}

tui::Session& TuiLoop::session() {
    return m_impl->session;
}

} // namespace sniff::runtime
