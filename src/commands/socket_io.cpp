#include "commands/socket_io.hpp"

#include <cerrno>
#include <charconv>
#include <cstring>
#include <memory>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace sniff::commands {

Fd& Fd::operator=(Fd&& other) noexcept {
    if (this != &other)
        reset(other.release());
    return *this;
}

int Fd::release() {
    const int fd = m_fd;
    m_fd = -1;
    return fd;
}

void Fd::reset(int fd) {
    if (m_fd >= 0)
        ::close(m_fd);
    m_fd = fd;
}

std::string HostPort::to_string() const {
    const bool v6 = host.find(':') != std::string::npos;
    return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

bool parse_host_port(const std::string& text, HostPort& out, std::string& error) {
    const auto colon = text.rfind(':');
    if (colon == std::string::npos) {
        error = "expected HOST:PORT, got '" + text + "'";
        return false;
    }
    std::string host = text.substr(0, colon);
    const std::string port_text = text.substr(colon + 1);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    else if (host.find(':') != std::string::npos) {
        error = "IPv6 addresses need brackets: [::1]:PORT";
        return false;
    }
    unsigned port = 0;
    const auto [end, ec] =
        std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc{} || end != port_text.data() + port_text.size() || port > 65535) {
        error = "bad port '" + port_text + "'";
        return false;
    }
    out.host = host.empty() ? "127.0.0.1" : host;
    out.port = static_cast<std::uint16_t>(port);
    return true;
}

namespace {

struct AddrInfoDeleter {
    void operator()(addrinfo* info) const { freeaddrinfo(info); }
};
using AddrInfoPtr = std::unique_ptr<addrinfo, AddrInfoDeleter>;

AddrInfoPtr resolve(const std::string& host, std::uint16_t port, SocketKind kind, bool passive,
                    std::string& error) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = kind == SocketKind::tcp ? SOCK_STREAM : SOCK_DGRAM;
    hints.ai_flags = passive ? AI_PASSIVE : 0;
    addrinfo* result = nullptr;
    const std::string service = std::to_string(port);
    const int rc = getaddrinfo(host.c_str(), service.c_str(), &hints, &result);
    if (rc != 0) {
        error = "cannot resolve '" + host + "': " + gai_strerror(rc);
        return nullptr;
    }
    return AddrInfoPtr(result);
}

bool is_loopback_address(const sockaddr* address) {
    if (address->sa_family == AF_INET) {
        sockaddr_in v4{};
        std::memcpy(&v4, address, sizeof v4);
        return (ntohl(v4.sin_addr.s_addr) >> 24) == 127;
    }
    if (address->sa_family == AF_INET6) {
        sockaddr_in6 v6{};
        std::memcpy(&v6, address, sizeof v6);
        return IN6_IS_ADDR_LOOPBACK(&v6.sin6_addr);
    }
    return false;
}

std::uint16_t local_port(int fd) {
    sockaddr_storage storage{};
    socklen_t length = sizeof storage;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&storage), &length) != 0)
        return 0;
    if (storage.ss_family == AF_INET)
        return ntohs(reinterpret_cast<const sockaddr_in*>(&storage)->sin_port);
    return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage)->sin6_port);
}

std::string errno_text(const char* what) {
    return std::string(what) + ": " + std::strerror(errno);
}

} // namespace

bool is_loopback_host(const std::string& host) {
    std::string error;
    const auto info = resolve(host, 0, SocketKind::tcp, false, error);
    if (!info)
        return false;
    for (const addrinfo* it = info.get(); it != nullptr; it = it->ai_next)
        if (!is_loopback_address(it->ai_addr))
            return false;
    return true;
}

Fd open_server_socket(const HostPort& where, SocketKind kind, std::uint16_t& bound_port,
                      std::string& error) {
    const auto info = resolve(where.host, where.port, kind, true, error);
    if (!info)
        return Fd{};
    const addrinfo* first = info.get();
    Fd fd(::socket(first->ai_family, first->ai_socktype | SOCK_CLOEXEC, first->ai_protocol));
    if (!fd.valid()) {
        error = errno_text("socket");
        return Fd{};
    }
    const int one = 1;
    setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(fd.get(), first->ai_addr, first->ai_addrlen) != 0) {
        error = errno_text(("bind " + where.to_string()).c_str());
        return Fd{};
    }
    if (kind == SocketKind::tcp && ::listen(fd.get(), 128) != 0) {
        error = errno_text("listen");
        return Fd{};
    }
    bound_port = local_port(fd.get());
    return fd;
}

Fd open_client_socket(const HostPort& where, SocketKind kind, std::string& error) {
    const auto info = resolve(where.host, where.port, kind, false, error);
    if (!info)
        return Fd{};
    for (const addrinfo* it = info.get(); it != nullptr; it = it->ai_next) {
        Fd fd(::socket(it->ai_family, it->ai_socktype | SOCK_CLOEXEC, it->ai_protocol));
        if (fd.valid() && ::connect(fd.get(), it->ai_addr, it->ai_addrlen) == 0)
            return fd;
        error = errno_text(("connect " + where.to_string()).c_str());
    }
    return Fd{};
}

bool send_all(int fd, const void* data, std::size_t size) {
    const char* next = static_cast<const char*>(data);
    while (size > 0) {
        const ssize_t sent = ::send(fd, next, size, MSG_NOSIGNAL);
        if (sent < 0 && errno == EINTR)
            continue;
        if (sent <= 0)
            return false;
        next += sent;
        size -= static_cast<std::size_t>(sent);
    }
    return true;
}

int wait_readable(int fd, int timeout_ms) {
    pollfd entry{fd, POLLIN, 0};
    for (;;) {
        const int rc = ::poll(&entry, 1, timeout_ms);
        if (rc < 0 && errno == EINTR)
            continue;
        return rc < 0 ? -1 : (rc == 0 ? 0 : 1);
    }
}

RecvResult recv_some(int fd, char* buffer, std::size_t capacity, int timeout_ms) {
    const int ready = wait_readable(fd, timeout_ms);
    if (ready == 0)
        return {RecvStatus::timeout, 0};
    if (ready < 0)
        return {RecvStatus::error, 0};
    for (;;) {
        const ssize_t got = ::recv(fd, buffer, capacity, 0);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            return {RecvStatus::error, 0};
        if (got == 0 && capacity > 0)
            return {RecvStatus::closed, 0};
        return {RecvStatus::data, static_cast<std::size_t>(got)};
    }
}

} // namespace sniff::commands
