// The writing calls: write, writev, send, sendto, sendmsg, sendmmsg, and sendfile/splice (reported
// as byte counts: their bytes never pass through the program's memory). Each calls the real
// function, returns its result and errno unchanged, and on a reported socket sends what the
// kernel took (the first `result` bytes of the buffers) to sniff.

#include "preload/real_calls.hpp"
#include "preload/reporter.hpp"
#include "preload/socket_table.hpp"

#include <cerrno>
#include <sys/sendfile.h>
#include <sys/socket.h>

namespace sniff::preload {

namespace {

namespace wire = exec::wire;

std::size_t iov_sum(const iovec* iov, std::size_t count) {
    std::size_t total = 0;
    for (std::size_t i = 0; iov != nullptr && i < count; ++i)
        total += iov[i].iov_len;
    return total;
}

void report_write(const SocketInfo& socket, wire::Call call, const iovec* iov, int count,
                  std::uint64_t asked, ssize_t result, int error,
                  const std::uint8_t* peer = nullptr, std::uint8_t flags = 0) {
    CallReport report;
    report.call = call;
    report.dir = wire::Dir::out;
    report.asked = asked;
    report.result = result < 0 ? -static_cast<std::int64_t>(error) : result;
    report.peer = peer;
    report.flags = flags;
    const std::size_t bytes =
        result > 0 && !(flags & wire::flag_no_bytes) ? static_cast<std::size_t>(result) : 0;
    report_call(socket, report, iov, count, bytes);
}

// Runs `real_call` and reports one buffer.
template <typename RealCall>
ssize_t plain_write(const SocketInfo& socket, wire::Call call, const void* buffer,
                    std::size_t length, const std::uint8_t* peer, RealCall real_call) {
    const ssize_t result = real_call();
    const int error = errno;
    const iovec piece{const_cast<void*>(buffer), length};
    report_write(socket, call, &piece, 1, length, result, error, peer);
    errno = error;
    return result;
}

// Reports a count without bytes (sendfile, splice) for whichever end is a reported socket.
void report_count(int fd, wire::Call call, wire::Dir dir, std::uint64_t asked, ssize_t result,
                  int error) {
    SocketInfo socket;
    if (!reporting() || !lookup_socket(fd, socket))
        return;
    CallReport report;
    report.call = call;
    report.dir = dir;
    report.asked = asked;
    report.result = result < 0 ? -static_cast<std::int64_t>(error) : result;
    report.flags = wire::flag_no_bytes;
    report_call(socket, report, nullptr, 0, 0);
}

} // namespace

} // namespace sniff::preload

using namespace sniff::preload;
namespace wire = sniff::exec::wire;

extern "C" {

__attribute__((visibility("default"))) ssize_t write(int fd, const void* buffer, size_t length) {
    SocketInfo socket;
    if (!reporting() || !lookup_socket(fd, socket))
        return real().write(fd, buffer, length);
    return plain_write(socket, wire::Call::write, buffer, length, nullptr,
                       [&] { return real().write(fd, buffer, length); });
}

__attribute__((visibility("default"))) ssize_t writev(int fd, const iovec* iov, int count) {
    SocketInfo socket;
    if (!reporting() || count < 0 || !lookup_socket(fd, socket))
        return real().writev(fd, iov, count);
    const ssize_t result = real().writev(fd, iov, count);
    const int error = errno;
    report_write(socket, wire::Call::writev, iov, count,
                 iov_sum(iov, static_cast<std::size_t>(count)), result, error);
    errno = error;
    return result;
}

__attribute__((visibility("default"))) ssize_t send(int fd, const void* buffer, size_t length,
                                                    int flags) {
    SocketInfo socket;
    if (!reporting() || !lookup_socket(fd, socket))
        return real().send(fd, buffer, length, flags);
    return plain_write(socket, wire::Call::send, buffer, length, nullptr,
                       [&] { return real().send(fd, buffer, length, flags); });
}

__attribute__((visibility("default"))) ssize_t sendto(int fd, const void* buffer, size_t length,
                                                      int flags, const sockaddr* address,
                                                      socklen_t address_length) {
    SocketInfo socket;
    if (!reporting() || !lookup_socket(fd, socket))
        return real().sendto(fd, buffer, length, flags, address, address_length);
    std::uint8_t peer[wire::k_address_size];
    const bool to_address = address != nullptr && encode_address(address, address_length, peer);
    return plain_write(
        socket, wire::Call::sendto, buffer, length, to_address ? peer : nullptr,
        [&] { return real().sendto(fd, buffer, length, flags, address, address_length); });
}

__attribute__((visibility("default"))) ssize_t sendmsg(int fd, const msghdr* message, int flags) {
    SocketInfo socket;
    if (message == nullptr || !reporting() || !lookup_socket(fd, socket))
        return real().sendmsg(fd, message, flags);
    const ssize_t result = real().sendmsg(fd, message, flags);
    const int error = errno;
    std::uint8_t peer[wire::k_address_size];
    const bool to_address = message->msg_name != nullptr &&
                            encode_address(message->msg_name, message->msg_namelen, peer);
    report_write(
        socket, wire::Call::sendmsg, message->msg_iov, static_cast<int>(message->msg_iovlen),
        iov_sum(message->msg_iov, message->msg_iovlen), result, error, to_address ? peer : nullptr);
    errno = error;
    return result;
}

__attribute__((visibility("default"))) int sendmmsg(int fd, mmsghdr* messages, unsigned count,
                                                    int flags) {
    SocketInfo socket;
    if (messages == nullptr || !reporting() || !lookup_socket(fd, socket))
        return real().sendmmsg(fd, messages, count, flags);
    const int sent = real().sendmmsg(fd, messages, count, flags);
    const int error = errno;
    if (sent < 0)
        report_write(socket, wire::Call::sendmmsg, nullptr, 0, 0, -1, error);
    for (int i = 0; i < sent; ++i) {
        const msghdr& message = messages[i].msg_hdr;
        std::uint8_t peer[wire::k_address_size];
        const bool to_address = message.msg_name != nullptr &&
                                encode_address(message.msg_name, message.msg_namelen, peer);
        report_write(socket, wire::Call::sendmmsg, message.msg_iov,
                     static_cast<int>(message.msg_iovlen),
                     iov_sum(message.msg_iov, message.msg_iovlen), messages[i].msg_len, 0,
                     to_address ? peer : nullptr);
    }
    errno = error;
    return sent;
}

__attribute__((visibility("default"))) ssize_t sendfile(int out_fd, int in_fd, off_t* offset,
                                                        size_t count) {
    const ssize_t result = real().sendfile(out_fd, in_fd, offset, count);
    const int error = errno;
    report_count(out_fd, wire::Call::sendfile, wire::Dir::out, count, result, error);
    errno = error;
    return result;
}

__attribute__((visibility("default"))) ssize_t splice(int fd_in, loff_t* offset_in, int fd_out,
                                                      loff_t* offset_out, size_t length,
                                                      unsigned flags) {
    const ssize_t result = real().splice(fd_in, offset_in, fd_out, offset_out, length, flags);
    const int error = errno;
    report_count(fd_in, wire::Call::splice, wire::Dir::in, length, result, error);
    report_count(fd_out, wire::Call::splice, wire::Dir::out, length, result, error);
    errno = error;
    return result;
}

} // extern "C"
