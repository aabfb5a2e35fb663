#pragma once
// Thin POSIX socket helpers for the command server and client: address parsing, listening,
// connecting, and send/recv loops with timeouts. Every call reports failure as a value; nothing
// throws and nothing raises SIGPIPE (sends use MSG_NOSIGNAL).

#include <cstddef>
#include <cstdint>
#include <string>

namespace sniff::commands {

// Owns one file descriptor; closes it on destruction.
class Fd {
public:
    Fd() = default;
    explicit Fd(int fd) : m_fd(fd) {}
    ~Fd() { reset(); }
    Fd(Fd&& other) noexcept : m_fd(other.release()) {}
    Fd& operator=(Fd&& other) noexcept;
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;

    [[nodiscard]] int get() const { return m_fd; }
    [[nodiscard]] bool valid() const { return m_fd >= 0; }
    int release();
    void reset(int fd = -1);

private:
    int m_fd = -1;
};

// "HOST:PORT", "[V6]:PORT" or ":PORT" (host defaults to 127.0.0.1). HOST may be a name.
struct HostPort {
    std::string host = "127.0.0.1";
    std::uint16_t port = 0;
    std::string to_string() const;
};
bool parse_host_port(const std::string& text, HostPort& out, std::string& error);

// True when every address HOST resolves to is loopback (127.0.0.0/8 or ::1). False for
// wildcard addresses (0.0.0.0, ::) and anything unresolvable.
bool is_loopback_host(const std::string& host);

enum class SocketKind { tcp, udp };

// Binds (and for TCP listens); bound_port receives the actual port (useful with port 0).
Fd open_server_socket(const HostPort& where, SocketKind kind, std::uint16_t& bound_port,
                      std::string& error);

// Connects a TCP socket, or a "connected" UDP socket (send/recv with one peer).
Fd open_client_socket(const HostPort& where, SocketKind kind, std::string& error);

// Sends every byte; false when the peer is gone or an error occurs.
bool send_all(int fd, const void* data, std::size_t size);
inline bool send_all(int fd, const std::string& data) {
    return send_all(fd, data.data(), data.size());
}

// Waits up to timeout_ms (negative: forever) for fd to be readable. 1 ready, 0 timeout, -1 error.
int wait_readable(int fd, int timeout_ms);

enum class RecvStatus { data, closed, timeout, error };
struct RecvResult {
    RecvStatus status = RecvStatus::error;
    std::size_t size = 0;
};
// One recv() of at most capacity bytes, after waiting up to timeout_ms for data.
RecvResult recv_some(int fd, char* buffer, std::size_t capacity, int timeout_ms);

} // namespace sniff::commands
