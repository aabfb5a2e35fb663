// Descriptor bookkeeping: connect/accept give a socket its role (client or server side of the
// flow), socket/dup*/fcntl(F_DUPFD*) keep the table in step, close reports the end of a socket.
// The report descriptor is guarded: the program cannot close it (close, close_range, closefrom
// skip it and answer as if it were not open), and dup2/dup3 onto its number move it first.

#include "preload/real_calls.hpp"
#include "preload/reporter.hpp"
#include "preload/socket_table.hpp"

#include <cerrno>
#include <climits>
#include <cstdarg>
#include <fcntl.h>
#include <sys/socket.h>

namespace {

namespace wire = sniff::exec::wire;
using namespace sniff::preload;

__attribute__((constructor)) void start_preload() {
    (void)real();
    init_reporter();
}

// close_range over [first, last] minus the report's descriptors (CLOSE_RANGE_CLOEXEC too: they
// must survive the program's exec of a child).
int close_range_around(unsigned first, unsigned last, int flags) {
    int guarded[2];
    const int count = guarded_fds(guarded);
    int result = 0;
    for (int i = 0; i < count && result == 0; ++i) {
        const auto skipped = static_cast<unsigned>(guarded[i]);
        if (skipped < first || skipped > last)
            continue;
        if (skipped > first)
            result = real().close_range(first, skipped - 1, flags);
        if (skipped == last)
            return result;
        first = skipped + 1;
    }
    return result == 0 ? real().close_range(first, last, flags) : result;
}

} // namespace

extern "C" {

__attribute__((visibility("default"))) int connect(int fd, const sockaddr* address,
                                                   socklen_t length) {
    const int result = real().connect(fd, address, length);
    const int error = errno;
    if (reporting() && (result == 0 || error == EINPROGRESS))
        note_role(fd, wire::Role::connected);
    errno = error;
    return result;
}

__attribute__((visibility("default"))) int accept(int fd, sockaddr* address, socklen_t* length) {
    const int result = real().accept(fd, address, length);
    const int error = errno;
    if (result >= 0 && reporting())
        note_role(result, wire::Role::accepted);
    errno = error;
    return result;
}

__attribute__((visibility("default"))) int accept4(int fd, sockaddr* address, socklen_t* length,
                                                   int flags) {
    const int result = real().accept4(fd, address, length, flags);
    const int error = errno;
    if (result >= 0 && reporting())
        note_role(result, wire::Role::accepted);
    errno = error;
    return result;
}

__attribute__((visibility("default"))) int socket(int domain, int type, int protocol) noexcept {
    const int result = real().socket(domain, type, protocol);
    if (result >= 0)
        forget_slot(result);
    return result;
}

__attribute__((visibility("default"))) int close(int fd) {
    if (is_report_fd(fd)) {
        errno = EBADF; // as if it were not open: it is not the program's
        return -1;
    }
    SocketInfo socket;
    const bool was_socket = reporting() && cached_socket(fd, socket);
    const int result = real().close(fd);
    const int error = errno;
    if (was_socket) {
        forget_slot(fd);
        if (result == 0)
            report_close(socket);
    }
    errno = error;
    return result;
}

__attribute__((visibility("default"))) int dup(int fd) noexcept {
    const int result = real().dup(fd);
    if (result >= 0)
        copy_slot(fd, result);
    return result;
}

__attribute__((visibility("default"))) int dup2(int fd, int target) noexcept {
    if (fd != target)
        move_report_fd_off(target);
    const int result = real().dup2(fd, target);
    if (result >= 0 && fd != target)
        copy_slot(fd, target);
    return result;
}

__attribute__((visibility("default"))) int dup3(int fd, int target, int flags) noexcept {
    move_report_fd_off(target);
    const int result = real().dup3(fd, target, flags);
    if (result >= 0)
        copy_slot(fd, target);
    return result;
}

// Every fcntl command takes no argument, an int or a pointer: passing the argument on as a
// pointer-sized value is what libc's own wrappers do.
__attribute__((visibility("default"))) int fcntl(int fd, int command, ...) {
    va_list arguments;
    va_start(arguments, command);
    void* argument = va_arg(arguments, void*);
    va_end(arguments);
    const int result = real().fcntl(fd, command, argument);
    if (result >= 0 && (command == F_DUPFD || command == F_DUPFD_CLOEXEC)) {
        const int error = errno;
        copy_slot(fd, result);
        errno = error;
    }
    return result;
}

__attribute__((visibility("default"))) int close_range(unsigned first, unsigned last,
                                                       int flags) noexcept {
    if (real().close_range == nullptr) {
        errno = ENOSYS;
        return -1;
    }
    return close_range_around(first, last, flags);
}

__attribute__((visibility("default"))) void closefrom(int lowest) noexcept {
    int guarded[2];
    const int count = guarded_fds(guarded);
    if (count == 0 || guarded[count - 1] < lowest || real().close_range == nullptr) {
        real().closefrom(lowest);
        return;
    }
    (void)close_range_around(static_cast<unsigned>(lowest), ~0u, 0);
}

} // extern "C"
