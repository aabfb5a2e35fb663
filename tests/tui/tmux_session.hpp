#pragma once
// A detached tmux session running one command: keys go in with send-keys and the screen comes
// back with capture-pane. Every wait is bounded and the session is killed on destruction. Each
// session has its own tmux server (-L): on a shared one, a test whose session was the last makes
// the server exit while another test's new-session is connecting to it, which then fails. Its
// socket is a file of the test's own (-S), removed with the session.

#include "support/process.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <unistd.h>

namespace sniff::test {

class TmuxSession {
public:
    TmuxSession(const std::string& name, const std::string& command)
        : m_name(name), m_socket(std::filesystem::temp_directory_path() / ("tmux-" + name)) {
        tmux("kill-server 2>/dev/null");
        m_started =
            tmux("new-session -d -s " + m_name + " -x 160 -y 50 \"" + command + "\"").exit_code ==
            0;
    }
    ~TmuxSession() {
        tmux("kill-server 2>/dev/null");
        std::error_code ignored;
        std::filesystem::remove(m_socket, ignored);
    }
    TmuxSession(const TmuxSession&) = delete;
    TmuxSession& operator=(const TmuxSession&) = delete;

    // `tmux ARGUMENTS` on this session's server.
    CommandResult tmux(const std::string& arguments) {
        return run_command("tmux -S '" + m_socket.string() + "' " + arguments);
    }
    bool started() const { return m_started; }
    void keys(const std::string& keys) { tmux("send-keys -t " + m_name + " " + keys); }
    // Literal text (-l: no key-name lookup).
    void text(const std::string& text) { tmux("send-keys -t " + m_name + " -l '" + text + "'"); }
    std::string pane() { return tmux("capture-pane -p -t " + m_name).out; }
    // Polls the pane until it shows needle (for at most `limit`); returns the last pane seen.
    bool wait_for(const std::string& needle, std::string* last = nullptr,
                  std::chrono::seconds limit = std::chrono::seconds(10)) {
        const auto deadline = std::chrono::steady_clock::now() + limit;
        std::string seen;
        while (std::chrono::steady_clock::now() < deadline) {
            seen = pane();
            if (seen.find(needle) != std::string::npos)
                break;
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        if (last != nullptr)
            *last = seen;
        if (seen.find(needle) == std::string::npos)
            UNSCOPED_INFO("pane never showed '" << needle << "':\n" << seen);
        return seen.find(needle) != std::string::npos;
    }
    // The process the pane runs: tmux's shell may exec the command or run it as its child.
    std::string pid() {
        const auto first_line = [](const std::string& text) {
            return text.substr(0, text.find('\n'));
        };
        const std::string shell =
            first_line(tmux("list-panes -t " + m_name + " -F '#{pane_pid}'").out);
        const std::string child = first_line(run_command("pgrep -P " + shell).out);
        return child.empty() ? shell : child;
    }
    bool alive() { return tmux("has-session -t " + m_name + " 2>/dev/null").exit_code == 0; }
    bool wait_gone() {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (std::chrono::steady_clock::now() < deadline && alive())
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        return !alive();
    }

private:
    std::string m_name;
    std::filesystem::path m_socket;
    bool m_started = false;
};

inline std::string session_name(const std::string& what) {
    return "sniff-" + what + "-" + std::to_string(::getpid());
}

} // namespace sniff::test
