#pragma once
// A blocking TCP client on 127.0.0.1 for tests that speak a protocol themselves (a NATS client, a
// RESP3 subscriber): send bytes, read until the answer holds what the test waits for.

#include <arpa/inet.h>
#include <chrono>
#include <netinet/in.h>
#include <poll.h>
#include <stdexcept>
#include <string>
#include <sys/socket.h>
#include <unistd.h>

namespace sniff::protocols {

class WireClient {
public:
    explicit WireClient(int port) : m_fd(::socket(AF_INET, SOCK_STREAM, 0)) {
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(static_cast<std::uint16_t>(port));
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (m_fd < 0 || ::connect(m_fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0)
            throw std::runtime_error("cannot connect to 127.0.0.1:" + std::to_string(port));
    }
    ~WireClient() {
        if (m_fd >= 0)
            ::close(m_fd);
    }
    WireClient(const WireClient&) = delete;
    WireClient& operator=(const WireClient&) = delete;

    void send(const std::string& bytes) {
        for (std::size_t at = 0; at < bytes.size();) {
            const auto sent = ::send(m_fd, bytes.data() + at, bytes.size() - at, MSG_NOSIGNAL);
            if (sent <= 0)
                throw std::runtime_error("send failed");
            at += static_cast<std::size_t>(sent);
        }
    }
    // Reads until everything received so far contains `text` `times` times (counted from the
    // start of the connection), or `timeout_ms` passes; returns whether it did.
    bool read_until(const std::string& text, int times = 1, int timeout_ms = 10000) {
        const auto deadline =
            std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
        while (count(text) < times) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                                  deadline - std::chrono::steady_clock::now())
                                  .count();
            pollfd entry{m_fd, POLLIN, 0};
            if (left <= 0 || ::poll(&entry, 1, static_cast<int>(left)) <= 0)
                return false;
            char buffer[65536];
            const auto got = ::recv(m_fd, buffer, sizeof buffer, 0);
            if (got <= 0)
                return false;
            m_received.append(buffer, static_cast<std::size_t>(got));
        }
        return true;
    }
    const std::string& received() const { return m_received; }

private:
    int count(const std::string& text) const {
        int found = 0;
        for (auto at = m_received.find(text); at != std::string::npos;
             at = m_received.find(text, at + text.size()))
            ++found;
        return found;
    }

    int m_fd;
    std::string m_received;
};

} // namespace sniff::protocols
