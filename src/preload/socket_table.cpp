#include "preload/socket_table.hpp"

#include "preload/reporter.hpp"

#include <atomic>
#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

namespace sniff::preload {

namespace {

using exec::wire::Family;
using exec::wire::Role;
using exec::wire::SockType;

constexpr int k_slots = 65536;

struct Slot {
    std::atomic<std::uint32_t> sequence{0}; // odd while a writer fills `info`
    SocketInfo info;
};

Slot g_slots[k_slots];

// initial-exec: no allocation and no lock on first use, so the hooks stay async-signal-safe.
__thread int t_last_socket __attribute__((tls_model("initial-exec"))) = -1;

bool in_table(int fd) {
    return fd >= 0 && fd < k_slots;
}

bool read_slot(int fd, SocketInfo& out) {
    if (!in_table(fd))
        return false;
    Slot& slot = g_slots[fd];
    const std::uint32_t before = slot.sequence.load(std::memory_order_acquire);
    if (before & 1u)
        return false;
    std::memcpy(&out, &slot.info, sizeof out);
    std::atomic_thread_fence(std::memory_order_acquire);
    return slot.sequence.load(std::memory_order_relaxed) == before && out.inode != 0;
}

void write_slot(int fd, const SocketInfo& info) {
    if (!in_table(fd))
        return;
    Slot& slot = g_slots[fd];
    std::uint32_t seen = slot.sequence.load(std::memory_order_relaxed);
    // Another thread writing this slot: skip, the cache is only a shortcut.
    if ((seen & 1u) ||
        !slot.sequence.compare_exchange_strong(seen, seen + 1, std::memory_order_acquire))
        return;
    std::memcpy(&slot.info, &info, sizeof info);
    slot.sequence.store(seen + 2, std::memory_order_release);
}

int socket_option(int fd, int option) {
    int value = 0;
    socklen_t length = sizeof value;
    return ::getsockopt(fd, SOL_SOCKET, option, &value, &length) == 0 ? value : -1;
}

void identify(int fd, std::uint64_t inode, Role role, SocketInfo& out) {
    out = SocketInfo{};
    out.inode = inode;
    out.role = role;
    const int domain = socket_option(fd, SO_DOMAIN);
    const int type = socket_option(fd, SO_TYPE);
    out.type = type == SOCK_STREAM  ? SockType::stream
               : type == SOCK_DGRAM ? SockType::datagram
                                    : SockType::unknown;
    if (domain == AF_INET && out.type != SockType::unknown)
        out.family = Family::ipv4;
    else if (domain == AF_INET6 && out.type != SockType::unknown)
        out.family = Family::ipv6;
    else if (domain == AF_UNIX && out.type == SockType::stream)
        out.family = Family::unix_socket;
    if (!out.reported())
        return;
    sockaddr_storage address{};
    socklen_t length = sizeof address;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0)
        encode_address(&address, length, out.local);
    length = sizeof address;
    if (::getpeername(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0)
        out.peer_known = encode_address(&address, length, out.peer);
}

bool socket_inode(int fd, std::uint64_t& inode) {
    struct stat status {};
    if (::fstat(fd, &status) != 0 || !S_ISSOCK(status.st_mode))
        return false;
    inode = status.st_ino;
    return true;
}

void put_port(std::uint16_t port, std::uint8_t* out) {
    out[0] = static_cast<std::uint8_t>(port & 0xff);
    out[1] = static_cast<std::uint8_t>(port >> 8);
}

} // namespace

bool encode_address(const void* address, unsigned length, std::uint8_t* out) {
    sockaddr_storage copy{};
    std::memcpy(&copy, address, length < sizeof copy ? length : sizeof copy);
    std::memset(out, 0, exec::wire::k_address_size);
    if (copy.ss_family == AF_INET && length >= sizeof(sockaddr_in)) {
        const auto* in4 = reinterpret_cast<const sockaddr_in*>(&copy);
        put_port(ntohs(in4->sin_port), out);
        std::memcpy(out + 2, &in4->sin_addr, 4);
        return true;
    }
    if (copy.ss_family == AF_INET6 && length >= sizeof(sockaddr_in6)) {
        const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&copy);
        put_port(ntohs(in6->sin6_port), out);
        std::memcpy(out + 2, &in6->sin6_addr, 16);
        return true;
    }
    if (copy.ss_family == AF_UNIX) {
        const auto* un = reinterpret_cast<const sockaddr_un*>(&copy);
        const unsigned path_length =
            length > sizeof(sa_family_t) ? length - sizeof(sa_family_t) : 0;
        std::memcpy(out + 2, un->sun_path, path_length < 16 ? path_length : 16);
        return true;
    }
    return false;
}

bool lookup_socket(int fd, SocketInfo& out) {
    std::uint64_t inode = 0;
    if (is_report_fd(fd) || !socket_inode(fd, inode))
        return false;
    SocketInfo cached;
    const bool have = read_slot(fd, cached) && cached.inode == inode;
    // A stream socket identified before it was connected learns its peer later.
    if (have && (cached.peer_known || cached.type != SockType::stream || !cached.reported())) {
        out = cached;
    } else {
        identify(fd, inode, have ? cached.role : Role::unknown, out);
        write_slot(fd, out);
    }
    if (out.reported())
        t_last_socket = fd;
    return out.reported();
}

int last_socket_of_thread() {
    return t_last_socket;
}

void note_role(int fd, Role role) {
    std::uint64_t inode = 0;
    if (is_report_fd(fd) || !socket_inode(fd, inode))
        return;
    SocketInfo info;
    identify(fd, inode, role, info);
    write_slot(fd, info);
}

void copy_slot(int from, int to) {
    SocketInfo info;
    if (read_slot(from, info))
        write_slot(to, info);
    else
        forget_slot(to);
}

void forget_slot(int fd) {
    SocketInfo empty;
    write_slot(fd, empty);
}

bool cached_socket(int fd, SocketInfo& out) {
    return read_slot(fd, out) && out.reported();
}

} // namespace sniff::preload
