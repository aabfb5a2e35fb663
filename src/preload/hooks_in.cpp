// The reading calls: read, readv, recv, recvfrom, recvmsg, recvmmsg and the fortified __read_chk,
// __recv_chk, __recvfrom_chk. Each one calls the real function and returns its result and errno
// unchanged; on a socket sniff reports, the result and the bytes it returned go to sniff.
//
// Datagram sockets: the real call is made with MSG_TRUNC added, which makes the kernel return the
// datagram's real length; the program still gets min(length, buffer) as it would have without
// the flag (unless it asked for MSG_TRUNC itself), and sniff learns what the buffer cut off.
// read() and readv() on a datagram socket become recvfrom()/recvmsg() with the same effect.

#include "preload/real_calls.hpp"
#include "preload/reporter.hpp"
#include "preload/socket_table.hpp"

#include <cerrno>
#include <sys/socket.h>

namespace sniff::preload {

namespace {

namespace wire = exec::wire;

std::size_t iov_total(const iovec* iov, std::size_t count) {
    std::size_t total = 0;
    for (std::size_t i = 0; iov != nullptr && i < count; ++i)
        total += iov[i].iov_len;
    return total;
}

struct ReadOutcome {
    ssize_t result = 0;         // what the program gets
    int error = 0;              // errno when result < 0
    std::uint64_t datagram = 0; // real datagram length, 0 for streams
    const std::uint8_t* peer = nullptr;
};

void report_read(const SocketInfo& socket, wire::Call call, const iovec* iov, int count,
                 std::uint64_t asked, int flags, const ReadOutcome& outcome) {
    CallReport report;
    report.call = call;
    report.dir = wire::Dir::in;
    report.asked = asked;
    report.result = outcome.result < 0 ? -static_cast<std::int64_t>(outcome.error)
                                       : static_cast<std::int64_t>(outcome.result);
    report.datagram = outcome.datagram;
    report.peer = outcome.peer;
    if (flags & MSG_PEEK)
        report.flags |= wire::flag_peek;
    std::size_t bytes = outcome.result > 0 ? static_cast<std::size_t>(outcome.result) : 0;
    if (bytes > asked)
        bytes = static_cast<std::size_t>(asked); // the program asked for MSG_TRUNC
    if (outcome.datagram > bytes)
        report.flags |= wire::flag_truncated;
    report_call(socket, report, iov, count, bytes);
}

// The clamp the kernel does without MSG_TRUNC.
ssize_t clamp_datagram(ssize_t got, std::size_t room, int program_flags) {
    if (got >= 0 && !(program_flags & MSG_TRUNC) && static_cast<std::size_t>(got) > room)
        return static_cast<ssize_t>(room);
    return got;
}

ssize_t datagram_recvfrom(const SocketInfo& socket, wire::Call call, int fd, void* buffer,
                          std::size_t length, int flags, sockaddr* address,
                          socklen_t* address_length) {
    sockaddr_storage own{};
    socklen_t own_length = sizeof own;
    sockaddr* from = address != nullptr ? address : reinterpret_cast<sockaddr*>(&own);
    socklen_t* from_length = address != nullptr ? address_length : &own_length;
    const socklen_t room = from_length != nullptr ? *from_length : 0;
    const ssize_t got = real().recvfrom(fd, buffer, length, flags | MSG_TRUNC, from, from_length);
    ReadOutcome outcome;
    outcome.error = errno;
    outcome.result = clamp_datagram(got, length, flags);
    outcome.datagram = got > 0 ? static_cast<std::uint64_t>(got) : 0;
    std::uint8_t peer[wire::k_address_size];
    if (got >= 0 && from_length != nullptr &&
        encode_address(from, *from_length < room ? *from_length : room, peer))
        outcome.peer = peer;
    const iovec piece{buffer, length};
    report_read(socket, call, &piece, 1, length, flags, outcome);
    errno = outcome.error;
    return outcome.result;
}

ssize_t datagram_recvmsg(const SocketInfo& socket, wire::Call call, int fd, msghdr* message,
                         int flags) {
    const socklen_t room = message->msg_namelen;
    const ssize_t got = real().recvmsg(fd, message, flags | MSG_TRUNC);
    const std::size_t asked = iov_total(message->msg_iov, message->msg_iovlen);
    ReadOutcome outcome;
    outcome.error = errno;
    outcome.result = clamp_datagram(got, asked, flags);
    outcome.datagram = got > 0 ? static_cast<std::uint64_t>(got) : 0;
    std::uint8_t peer[wire::k_address_size];
    if (got >= 0 && message->msg_name != nullptr &&
        encode_address(message->msg_name, message->msg_namelen < room ? message->msg_namelen : room,
                       peer))
        outcome.peer = peer;
    report_read(socket, call, message->msg_iov, static_cast<int>(message->msg_iovlen), asked, flags,
                outcome);
    errno = outcome.error;
    return outcome.result;
}

// A stream read through `real_call`, reported with the buffer it filled.
template <typename RealCall>
ssize_t stream_read(const SocketInfo& socket, wire::Call call, void* buffer, std::size_t length,
                    int flags, RealCall real_call) {
    ReadOutcome outcome;
    outcome.result = real_call();
    outcome.error = errno;
    const iovec piece{buffer, length};
    report_read(socket, call, &piece, 1, length, flags, outcome);
    errno = outcome.error;
    return outcome.result;
}

ssize_t any_recv(wire::Call call, int fd, void* buffer, std::size_t length, int flags,
                 sockaddr* address, socklen_t* address_length) {
    SocketInfo socket;
    if (!reporting() || !lookup_socket(fd, socket))
        return real().recvfrom(fd, buffer, length, flags, address, address_length);
    if (socket.datagram())
        return datagram_recvfrom(socket, call, fd, buffer, length, flags, address, address_length);
    return stream_read(socket, call, buffer, length, flags, [&] {
        return real().recvfrom(fd, buffer, length, flags, address, address_length);
    });
}

} // namespace

} // namespace sniff::preload

using namespace sniff::preload;
namespace wire = sniff::exec::wire;

extern "C" {

__attribute__((visibility("default"))) ssize_t read(int fd, void* buffer, size_t length) {
    SocketInfo socket;
    if (!reporting() || !lookup_socket(fd, socket))
        return real().read(fd, buffer, length);
    if (socket.datagram())
        return datagram_recvfrom(socket, wire::Call::read, fd, buffer, length, 0, nullptr, nullptr);
    return stream_read(socket, wire::Call::read, buffer, length, 0,
                       [&] { return real().read(fd, buffer, length); });
}

__attribute__((visibility("default"))) ssize_t __read_chk(int fd, void* buffer, size_t length,
                                                          size_t buffer_length) {
    SocketInfo socket;
    if (length > buffer_length || !reporting() || !lookup_socket(fd, socket))
        return real().read_chk(fd, buffer, length, buffer_length);
    if (socket.datagram())
        return datagram_recvfrom(socket, wire::Call::read_chk, fd, buffer, length, 0, nullptr,
                                 nullptr);
    return stream_read(socket, wire::Call::read_chk, buffer, length, 0,
                       [&] { return real().read_chk(fd, buffer, length, buffer_length); });
}

__attribute__((visibility("default"))) ssize_t readv(int fd, const iovec* iov, int count) {
    SocketInfo socket;
    if (!reporting() || !lookup_socket(fd, socket) || count < 0)
        return real().readv(fd, iov, count);
    if (socket.datagram()) {
        msghdr message{};
        message.msg_iov = const_cast<iovec*>(iov);
        message.msg_iovlen = static_cast<std::size_t>(count);
        return datagram_recvmsg(socket, wire::Call::readv, fd, &message, 0);
    }
    ReadOutcome outcome;
    outcome.result = real().readv(fd, iov, count);
    outcome.error = errno;
    report_read(socket, wire::Call::readv, iov, count,
                iov_total(iov, static_cast<std::size_t>(count)), 0, outcome);
    errno = outcome.error;
    return outcome.result;
}

__attribute__((visibility("default"))) ssize_t recv(int fd, void* buffer, size_t length,
                                                    int flags) {
    return any_recv(wire::Call::recv, fd, buffer, length, flags, nullptr, nullptr);
}

__attribute__((visibility("default"))) ssize_t __recv_chk(int fd, void* buffer, size_t length,
                                                          size_t buffer_length, int flags) {
    if (length > buffer_length)
        return real().recv_chk(fd, buffer, length, buffer_length, flags);
    return any_recv(wire::Call::recv_chk, fd, buffer, length, flags, nullptr, nullptr);
}

__attribute__((visibility("default"))) ssize_t recvfrom(int fd, void* buffer, size_t length,
                                                        int flags, sockaddr* address,
                                                        socklen_t* address_length) {
    return any_recv(wire::Call::recvfrom, fd, buffer, length, flags, address, address_length);
}

__attribute__((visibility("default"))) ssize_t __recvfrom_chk(int fd, void* buffer, size_t length,
                                                              size_t buffer_length, int flags,
                                                              sockaddr* address,
                                                              socklen_t* address_length) {
    if (length > buffer_length)
        return real().recvfrom_chk(fd, buffer, length, buffer_length, flags, address,
                                   address_length);
    return any_recv(wire::Call::recvfrom_chk, fd, buffer, length, flags, address, address_length);
}

__attribute__((visibility("default"))) ssize_t recvmsg(int fd, msghdr* message, int flags) {
    SocketInfo socket;
    if (message == nullptr || !reporting() || !lookup_socket(fd, socket))
        return real().recvmsg(fd, message, flags);
    if (socket.datagram())
        return datagram_recvmsg(socket, wire::Call::recvmsg, fd, message, flags);
    ReadOutcome outcome;
    outcome.result = real().recvmsg(fd, message, flags);
    outcome.error = errno;
    report_read(socket, wire::Call::recvmsg, message->msg_iov,
                static_cast<int>(message->msg_iovlen),
                iov_total(message->msg_iov, message->msg_iovlen), flags, outcome);
    errno = outcome.error;
    return outcome.result;
}

__attribute__((visibility("default"))) int recvmmsg(int fd, mmsghdr* messages, unsigned count,
                                                    int flags, timespec* timeout) {
    SocketInfo socket;
    if (messages == nullptr || !reporting() || !lookup_socket(fd, socket))
        return real().recvmmsg(fd, messages, count, flags, timeout);
    const int extra = socket.datagram() ? MSG_TRUNC : 0;
    const int got = real().recvmmsg(fd, messages, count, flags | extra, timeout);
    const int error = errno;
    if (got < 0) {
        ReadOutcome outcome{-1, error, 0, nullptr};
        report_read(socket, wire::Call::recvmmsg, nullptr, 0, 0, flags, outcome);
    }
    for (int i = 0; i < got; ++i) {
        msghdr& message = messages[i].msg_hdr;
        const std::size_t asked = iov_total(message.msg_iov, message.msg_iovlen);
        ReadOutcome outcome;
        outcome.result = static_cast<ssize_t>(messages[i].msg_len);
        if (extra != 0) {
            outcome.datagram = messages[i].msg_len;
            outcome.result = clamp_datagram(outcome.result, asked, flags);
            messages[i].msg_len = static_cast<unsigned>(outcome.result);
        }
        std::uint8_t peer[wire::k_address_size];
        if (message.msg_name != nullptr &&
            encode_address(message.msg_name, message.msg_namelen, peer))
            outcome.peer = peer;
        report_read(socket, wire::Call::recvmmsg, message.msg_iov,
                    static_cast<int>(message.msg_iovlen), asked, flags, outcome);
    }
    errno = error;
    return got;
}

} // extern "C"
