#pragma once
// Internal to the server: one TCP client's conversation (read request, run, answer), shared
// counters and a thread-safe log.

#include "commands/server.hpp"

#include <atomic>
#include <mutex>
#include <ostream>
#include <string>

namespace sniff::commands {

struct ServerCounters {
    std::atomic<std::uint64_t> connections{0};
    std::atomic<std::uint64_t> answers{0};
    std::atomic<std::uint64_t> malformed{0};
    std::atomic<std::uint64_t> uploads_ok{0};
    std::atomic<std::uint64_t> uploads_failed{0};
    std::atomic<std::uint64_t> udp_cut{0};
};

class Logger {
public:
    explicit Logger(std::ostream* out) : m_out(out) {}
    void line(const std::string& text) {
        if (m_out == nullptr)
            return;
        const std::lock_guard lock(m_mutex);
        *m_out << "[serve] " << text << '\n' << std::flush;
    }

private:
    std::ostream* m_out;
    std::mutex m_mutex;
};

struct SessionContext {
    const ServeOptions& options;
    ServerCounters& counters;
    Logger& log;
    std::string peer; // "127.0.0.1:5555", for log lines
};

// Runs the server side of one TCP connection until the client leaves, misbehaves, idles out or
// the socket is shut down by Server::stop. Does not close fd (the server owns it).
void serve_session(int fd, const SessionContext& context);

// Runs one command line as the options say (shell or built-ins).
CommandResult execute_command(const std::string& line, const ServeOptions& options);

} // namespace sniff::commands
