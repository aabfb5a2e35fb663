#pragma once
// Live-capture test support: a sniff process run in the background (so traffic can be made while
// it captures, and it can be stopped with a signal), a framed TCP exchange whose exact bytes are
// known, and JSON Lines parsing of sniff's output.

#include "support/process.hpp"

#include <arpa/inet.h>
#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <fcntl.h>
#include <netinet/in.h>
#include <nlohmann/json.hpp>
#include <optional>
#include <spawn.h>
#include <string>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

extern char** environ;

namespace sniff::test::live {

// Live capture needs root (or the capabilities); CI runs as root. Elsewhere the tests say why
// they did nothing instead of failing.
inline bool can_capture() {
    return ::geteuid() == 0;
}

#define LIVE_REQUIRE_ROOT()                                                                        \
    do {                                                                                           \
        if (!::sniff::test::live::can_capture()) {                                                 \
            WARN("not root: live capture test skipped (CI runs it as root)");                      \
            return;                                                                                \
        }                                                                                          \
    } while (false)

inline std::string sniff_bin() {
    return SNIFF_BIN;
}

// A shell command run with `exec` (so the pid is the command's own), standard output and error
// in files of dir. Killed on destruction if still running.
class Background {
public:
    Background(const std::string& command, const std::filesystem::path& dir,
               const std::string& name = "sniff")
        : m_out(dir / (name + ".out")), m_err(dir / (name + ".err")) {
        const std::string full =
            "exec " + command + " >'" + m_out.string() + "' 2>'" + m_err.string() + "'";
        const char* argv[] = {"/bin/sh", "-c", full.c_str(), nullptr};
        if (::posix_spawn(&m_pid, "/bin/sh", nullptr, nullptr, const_cast<char**>(argv), environ) !=
            0)
            m_pid = -1;
    }
    ~Background() {
        if (m_pid > 0 && !m_exit_code) {
            ::kill(m_pid, SIGKILL);
            ::waitpid(m_pid, nullptr, 0);
        }
    }
    Background(const Background&) = delete;
    Background& operator=(const Background&) = delete;

    // True once standard error contains text (sniff's "listening on" line means the capture
    // is active), false after the timeout or when the process ended first.
    bool wait_for_err(const std::string& text, std::chrono::milliseconds timeout) {
        return wait_for(m_err, text, timeout);
    }
    // The same on standard output (sniff serve says there where it listens).
    bool wait_for_out(const std::string& text, std::chrono::milliseconds timeout) {
        return wait_for(m_out, text, timeout);
    }

    void signal(int number) const {
        if (m_pid > 0)
            ::kill(m_pid, number);
    }
    pid_t pid() const { return m_pid; }

    // Exit code (128 + signal when killed by one); -1 when it did not end within the timeout.
    int wait(std::chrono::milliseconds timeout) {
        const auto end = std::chrono::steady_clock::now() + timeout;
        while (!poll_exit()) {
            if (std::chrono::steady_clock::now() >= end)
                return -1;
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        return *m_exit_code;
    }

    std::string out() const { return read_file(m_out); }
    std::string err() const { return read_file(m_err); }

private:
    bool wait_for(const std::filesystem::path& file, const std::string& text,
                  std::chrono::milliseconds timeout) {
        const auto end = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < end) {
            if (read_file(file).find(text) != std::string::npos)
                return true;
            if (poll_exit())
                return read_file(file).find(text) != std::string::npos;
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        return false;
    }

    bool poll_exit() {
        if (m_exit_code)
            return true;
        if (m_pid <= 0) {
            m_exit_code = 127;
            return true;
        }
        int status = 0;
        if (::waitpid(m_pid, &status, WNOHANG) != m_pid)
            return false;
        m_exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        return true;
    }

    std::filesystem::path m_out;
    std::filesystem::path m_err;
    pid_t m_pid = -1;
    std::optional<int> m_exit_code;
};

inline std::vector<nlohmann::json> json_lines(const std::string& text) {
    std::vector<nlohmann::json> objects;
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line))
        if (!line.empty())
            objects.push_back(nlohmann::json::parse(line, nullptr, false));
    return objects;
}

inline std::vector<nlohmann::json> of_type(const std::vector<nlohmann::json>& objects,
                                           const std::string& type) {
    std::vector<nlohmann::json> found;
    for (const auto& object : objects)
        if (object.is_object() && object.value("type", "") == type)
            found.push_back(object);
    return found;
}

// One framed message of the struct framing: 4-byte little-endian signed length, then the body.
inline std::string frame(std::size_t body_size, std::uint32_t seed) {
    std::string bytes(4 + body_size, '\0');
    for (int i = 0; i < 4; ++i)
        bytes[i] = static_cast<char>((body_size >> (8 * i)) & 0xFF);
    std::uint32_t state = seed * 2654435761u + 1;
    for (std::size_t i = 0; i < body_size; ++i) {
        state = state * 1103515245u + 12345u; // varied bytes, so misplaced data shows
        bytes[4 + i] = static_cast<char>(state >> 24);
    }
    return bytes;
}

// What an exchange sent: the message lengths (header included) and the exact byte streams.
struct Exchange {
    std::vector<std::size_t> request_lengths;
    std::vector<std::size_t> reply_lengths;
    std::string client_bytes;
    std::string server_bytes;
};

// 20 requests, one of 100 KB, each answered by a reply of another size.
inline std::vector<std::size_t> standard_request_sizes() {
    std::vector<std::size_t> sizes;
    for (std::size_t i = 0; i < 20; ++i)
        sizes.push_back(i == 10 ? 100 * 1024 : (i * 37 + 5) % 1500 + 1);
    return sizes;
}

inline bool read_exact(int fd, char* data, std::size_t size) {
    while (size > 0) {
        const ssize_t got = ::recv(fd, data, size, 0);
        if (got <= 0)
            return false;
        data += got;
        size -= static_cast<std::size_t>(got);
    }
    return true;
}

inline bool send_all(int fd, const std::string& bytes) {
    std::size_t sent = 0;
    while (sent < bytes.size()) {
        const ssize_t put = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
        if (put <= 0)
            return false;
        sent += static_cast<std::size_t>(put);
    }
    return true;
}

// A loopback listener on a free port, made before sniff starts so the filter can name the port.
class FramedServer {
public:
    FramedServer() {
        m_fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t length = sizeof address;
        ::bind(m_fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
        ::listen(m_fd, 4);
        ::getsockname(m_fd, reinterpret_cast<sockaddr*>(&address), &length);
        m_port = ntohs(address.sin_port);
    }
    ~FramedServer() { ::close(m_fd); }
    FramedServer(const FramedServer&) = delete;
    FramedServer& operator=(const FramedServer&) = delete;

    std::uint16_t port() const { return m_port; }

    // Client sends each request and waits for its reply (reply i has (i*53+11)%700+1 body
    // bytes); both sides close. Returns what went over the wire.
    Exchange exchange(const std::vector<std::size_t>& request_sizes) {
        Exchange sent;
        std::thread server([&] { serve(request_sizes.size(), sent); });
        const bool ok = run_client(request_sizes, sent);
        if (!ok)
            ::shutdown(m_fd, SHUT_RDWR); // wakes a server still waiting in accept
        server.join();
        REQUIRE(ok);
        return sent;
    }

private:
    static std::size_t reply_size(std::size_t i) { return (i * 53 + 11) % 700 + 1; }

    bool run_client(const std::vector<std::size_t>& request_sizes, Exchange& sent) {
        const int client = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        address.sin_port = htons(m_port);
        bool ok = ::connect(client, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
        for (std::size_t i = 0; ok && i < request_sizes.size(); ++i) {
            const std::string request = frame(request_sizes[i], static_cast<std::uint32_t>(i));
            ok = send_all(client, request);
            sent.client_bytes += request;
            sent.request_lengths.push_back(request.size());
            std::string reply(4 + reply_size(i), '\0');
            ok = ok && read_exact(client, reply.data(), reply.size());
        }
        ::shutdown(client, SHUT_WR);
        char byte = 0;
        (void)::recv(client, &byte, 1, 0); // the server's FIN
        ::close(client);
        return ok;
    }

    void serve(std::size_t count, Exchange& sent) {
        const int connection = ::accept(m_fd, nullptr, nullptr);
        if (connection < 0)
            return;
        for (std::size_t i = 0; i < count; ++i) {
            char header[4];
            if (!read_exact(connection, header, 4))
                break;
            std::size_t body = 0;
            for (int b = 3; b >= 0; --b)
                body = body << 8 | static_cast<unsigned char>(header[b]);
            std::string rest(body, '\0');
            if (!read_exact(connection, rest.data(), body))
                break;
            const std::string reply = frame(reply_size(i), static_cast<std::uint32_t>(1000 + i));
            send_all(connection, reply);
            sent.server_bytes += reply;
            sent.reply_lengths.push_back(reply.size());
        }
        char byte = 0;
        (void)::recv(connection, &byte, 1, 0); // the client's FIN
        ::close(connection);
    }

    int m_fd = -1;
    std::uint16_t m_port = 0;
};

// Lengths of the messages of one direction ("c2s"/"s2c"), in stream order.
inline std::vector<std::size_t> message_lengths(const std::vector<nlohmann::json>& objects,
                                                const std::string& direction) {
    std::vector<std::size_t> lengths;
    for (const auto& message : of_type(objects, "message"))
        if (message.value("dir", "") == direction)
            lengths.push_back(message.value("length", std::size_t{0}));
    return lengths;
}

} // namespace sniff::test::live
