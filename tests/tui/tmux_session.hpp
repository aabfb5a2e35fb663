#pragma once
// A detached tmux session running one command: keys go in with send-keys and the screen comes
// back with capture-pane. Every wait is bounded and the session is killed on destruction.

#include "support/process.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <thread>
#include <unistd.h>

namespace sniff::test {

class TmuxSession {
public:
    TmuxSession(const std::string& name, const std::string& command) : m_name(name) {
        run_command("tmux kill-session -t " + m_name + " 2>/dev/null");
        m_started =
            run_command("tmux new-session -d -s " + m_name + " -x 160 -y 50 \"" + command + "\"")
                .exit_code == 0;
    }
    ~TmuxSession() { run_command("tmux kill-session -t " + m_name + " 2>/dev/null"); }
    TmuxSession(const TmuxSession&) = delete;
    TmuxSession& operator=(const TmuxSession&) = delete;

    bool started() const { return m_started; }
    void keys(const std::string& keys) { run_command("tmux send-keys -t " + m_name + " " + keys); }
    // Literal text (-l: no key-name lookup).
    void text(const std::string& text) {
        run_command("tmux send-keys -t " + m_name + " -l '" + text + "'");
    }
    std::string pane() { return run_command("tmux capture-pane -p -t " + m_name).out; }
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
            first_line(run_command("tmux list-panes -t " + m_name + " -F '#{pane_pid}'").out);
        const std::string child = first_line(run_command("pgrep -P " + shell).out);
        return child.empty() ? shell : child;
    }
    bool alive() {
        return run_command("tmux has-session -t " + m_name + " 2>/dev/null").exit_code == 0;
    }
    bool wait_gone() {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (std::chrono::steady_clock::now() < deadline && alive())
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        return !alive();
    }

private:
    std::string m_name;
    bool m_started = false;
};

inline std::string session_name(const std::string& what) {
    return "sniff-" + what + "-" + std::to_string(::getpid());
}

} // namespace sniff::test
