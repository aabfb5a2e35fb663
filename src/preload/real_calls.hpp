#pragma once
// The libc functions the hooks stand in front of, found with dlsym(RTLD_NEXT) once at start-up
// (the library's constructor) or at the first hook that runs before it. Every hook calls the real
// function through these pointers and returns exactly what it returned.

#include <cstddef>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

namespace sniff::preload {

struct RealCalls {
    ssize_t (*read)(int, void*, size_t) = nullptr;
    ssize_t (*readv)(int, const iovec*, int) = nullptr;
    ssize_t (*recv)(int, void*, size_t, int) = nullptr;
    ssize_t (*recvfrom)(int, void*, size_t, int, sockaddr*, socklen_t*) = nullptr;
    ssize_t (*recvmsg)(int, msghdr*, int) = nullptr;
    int (*recvmmsg)(int, mmsghdr*, unsigned, int, timespec*) = nullptr;
    ssize_t (*read_chk)(int, void*, size_t, size_t) = nullptr;
    ssize_t (*recv_chk)(int, void*, size_t, size_t, int) = nullptr;
    ssize_t (*recvfrom_chk)(int, void*, size_t, size_t, int, sockaddr*, socklen_t*) = nullptr;
    ssize_t (*write)(int, const void*, size_t) = nullptr;
    ssize_t (*writev)(int, const iovec*, int) = nullptr;
    ssize_t (*send)(int, const void*, size_t, int) = nullptr;
    ssize_t (*sendto)(int, const void*, size_t, int, const sockaddr*, socklen_t) = nullptr;
    ssize_t (*sendmsg)(int, const msghdr*, int) = nullptr;
    int (*sendmmsg)(int, mmsghdr*, unsigned, int) = nullptr;
    ssize_t (*sendfile)(int, int, off_t*, size_t) = nullptr;
    ssize_t (*splice)(int, loff_t*, int, loff_t*, size_t, unsigned) = nullptr;
    int (*connect)(int, const sockaddr*, socklen_t) = nullptr;
    int (*accept)(int, sockaddr*, socklen_t*) = nullptr;
    int (*accept4)(int, sockaddr*, socklen_t*, int) = nullptr;
    int (*socket)(int, int, int) = nullptr;
    int (*close)(int) = nullptr;
    int (*dup)(int) = nullptr;
    int (*dup2)(int, int) = nullptr;
    int (*dup3)(int, int, int) = nullptr;
    int (*fcntl)(int, int, ...) = nullptr;
    int (*close_range)(unsigned, unsigned, int) = nullptr;
    void (*closefrom)(int) = nullptr;
};

// The resolved pointers; resolves them on first use (not async-signal-safe then: dlsym may
// allocate, but that happens once, before or during the program's start-up).
const RealCalls& real();

} // namespace sniff::preload
