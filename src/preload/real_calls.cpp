#include "preload/real_calls.hpp"

#include <atomic>
#include <dlfcn.h>

namespace sniff::preload {

namespace {

RealCalls g_real;
std::atomic<bool> g_resolved{false};

template <typename Pointer> void resolve(Pointer& pointer, const char* name) {
    pointer = reinterpret_cast<Pointer>(::dlsym(RTLD_NEXT, name));
}

void resolve_all() {
    RealCalls& r = g_real;
    resolve(r.read, "read");
    resolve(r.readv, "readv");
    resolve(r.recv, "recv");
    resolve(r.recvfrom, "recvfrom");
    resolve(r.recvmsg, "recvmsg");
    resolve(r.recvmmsg, "recvmmsg");
    resolve(r.read_chk, "__read_chk");
    resolve(r.recv_chk, "__recv_chk");
    resolve(r.recvfrom_chk, "__recvfrom_chk");
    resolve(r.write, "write");
    resolve(r.writev, "writev");
    resolve(r.send, "send");
    resolve(r.sendto, "sendto");
    resolve(r.sendmsg, "sendmsg");
    resolve(r.sendmmsg, "sendmmsg");
    resolve(r.sendfile, "sendfile");
    resolve(r.splice, "splice");
    resolve(r.connect, "connect");
    resolve(r.accept, "accept");
    resolve(r.accept4, "accept4");
    resolve(r.socket, "socket");
    resolve(r.close, "close");
    resolve(r.dup, "dup");
    resolve(r.dup2, "dup2");
    resolve(r.dup3, "dup3");
    resolve(r.fcntl, "fcntl");
    resolve(r.close_range, "close_range"); // glibc 2.34+
    resolve(r.closefrom, "closefrom");
}

} // namespace

const RealCalls& real() {
    // Two threads racing here both resolve the same pointers: harmless, and only at start-up.
    if (!g_resolved.load(std::memory_order_acquire)) {
        resolve_all();
        g_resolved.store(true, std::memory_order_release);
    }
    return g_real;
}

} // namespace sniff::preload
