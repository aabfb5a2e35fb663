// OpenSSL's SSL_read/SSL_write and their _ex forms, when the program uses libssl: the plaintext
// is reported as a flow of its own (flag_tls) beside the socket's encrypted calls, which the
// socket hooks still report. libssl may be loaded after this library, or into a local scope
// (a module dlopen'ed by Python): the real functions are looked up at the first call, with
// RTLD_NEXT and else in an already loaded libssl. The SSL object is opaque here: only
// SSL_get_fd is asked, for the socket under it; when the session reads through a BIO of the
// program's own (curl), the socket the thread last used stands in (a heuristic: a program that
// interleaves TLS sessions of several sockets in one thread may see plaintext on the wrong flow).
//
// A result <= 0 is reported as the end of the stream (0) or as "would block" (-EAGAIN): the
// reason lies in SSL_get_error, which the program asks itself; sniff does not call it so as not
// to disturb OpenSSL's error queue.

#include "preload/reporter.hpp"
#include "preload/socket_table.hpp"

#include <atomic>
#include <cerrno>
#include <dlfcn.h>

struct ssl_st;

namespace {

namespace wire = sniff::exec::wire;
using namespace sniff::preload;

using ReadFn = int (*)(ssl_st*, void*, int);
using WriteFn = int (*)(ssl_st*, const void*, int);
using ReadExFn = int (*)(ssl_st*, void*, size_t, size_t*);
using WriteExFn = int (*)(ssl_st*, const void*, size_t, size_t*);
using GetFdFn = int (*)(const ssl_st*);

void* find_real(const char* name) {
    if (void* found = ::dlsym(RTLD_NEXT, name))
        return found;
    for (const char* library : {"libssl.so.3", "libssl.so.1.1", "libssl.so"}) {
        void* handle = ::dlopen(library, RTLD_LAZY | RTLD_NOLOAD);
        if (handle == nullptr)
            continue;
        void* found = ::dlsym(handle, name);
        ::dlclose(handle); // RTLD_NOLOAD took a reference; the library stays loaded
        if (found != nullptr)
            return found;
    }
    return nullptr;
}

template <typename Fn> Fn real_ssl(std::atomic<void*>& cache, const char* name) {
    void* pointer = cache.load(std::memory_order_acquire);
    if (pointer == nullptr) {
        pointer = find_real(name);
        cache.store(pointer, std::memory_order_release);
    }
    return reinterpret_cast<Fn>(pointer);
}

std::atomic<void*> g_read{nullptr}, g_write{nullptr}, g_read_ex{nullptr}, g_write_ex{nullptr},
    g_get_fd{nullptr};

bool tls_socket(const ssl_st* ssl, SocketInfo& socket) {
    if (!reporting())
        return false;
    const auto get_fd = real_ssl<GetFdFn>(g_get_fd, "SSL_get_fd");
    int fd = get_fd != nullptr ? get_fd(ssl) : -1;
    // No socket BIO (curl reads through its own): the socket this thread used last, which the
    // call just read or wrote through, or the one before it when OpenSSL had the bytes already.
    if (fd < 0)
        fd = last_socket_of_thread();
    return fd >= 0 && lookup_socket(fd, socket);
}

void report_tls(const SocketInfo& socket, wire::Call call, wire::Dir dir, const void* buffer,
                std::size_t asked, long long result) {
    CallReport report;
    report.call = call;
    report.dir = dir;
    report.asked = asked;
    report.flags = wire::flag_tls;
    report.result = result > 0 ? result : (result == 0 ? 0 : -EAGAIN);
    const std::size_t bytes = result > 0 ? static_cast<std::size_t>(result) : 0;
    const iovec piece{const_cast<void*>(buffer), bytes};
    report_call(socket, report, &piece, 1, bytes);
}

} // namespace

extern "C" {

__attribute__((visibility("default"))) int SSL_read(ssl_st* ssl, void* buffer, int length) {
    const auto real = real_ssl<ReadFn>(g_read, "SSL_read");
    if (real == nullptr) {
        errno = ENOSYS;
        return -1;
    }
    const int result = real(ssl, buffer, length);
    const int error = errno;
    SocketInfo socket;
    if (tls_socket(ssl, socket))
        report_tls(socket, wire::Call::ssl_read, wire::Dir::in, buffer,
                   length > 0 ? static_cast<std::size_t>(length) : 0, result);
    errno = error;
    return result;
}

__attribute__((visibility("default"))) int SSL_write(ssl_st* ssl, const void* buffer, int length) {
    const auto real = real_ssl<WriteFn>(g_write, "SSL_write");
    if (real == nullptr) {
        errno = ENOSYS;
        return -1;
    }
    const int result = real(ssl, buffer, length);
    const int error = errno;
    SocketInfo socket;
    if (tls_socket(ssl, socket))
        report_tls(socket, wire::Call::ssl_write, wire::Dir::out, buffer,
                   length > 0 ? static_cast<std::size_t>(length) : 0, result);
    errno = error;
    return result;
}

__attribute__((visibility("default"))) int SSL_read_ex(ssl_st* ssl, void* buffer, size_t length,
                                                       size_t* got) {
    const auto real = real_ssl<ReadExFn>(g_read_ex, "SSL_read_ex");
    if (real == nullptr) {
        errno = ENOSYS;
        return 0;
    }
    const int ok = real(ssl, buffer, length, got);
    const int error = errno;
    SocketInfo socket;
    if (tls_socket(ssl, socket))
        report_tls(socket, wire::Call::ssl_read_ex, wire::Dir::in, buffer, length,
                   ok == 1 && got != nullptr ? static_cast<long long>(*got) : -1);
    errno = error;
    return ok;
}

__attribute__((visibility("default"))) int SSL_write_ex(ssl_st* ssl, const void* buffer,
                                                        size_t length, size_t* written) {
    const auto real = real_ssl<WriteExFn>(g_write_ex, "SSL_write_ex");
    if (real == nullptr) {
        errno = ENOSYS;
        return 0;
    }
    const int ok = real(ssl, buffer, length, written);
    const int error = errno;
    SocketInfo socket;
    if (tls_socket(ssl, socket))
        report_tls(socket, wire::Call::ssl_write_ex, wire::Dir::out, buffer, length,
                   ok == 1 && written != nullptr ? static_cast<long long>(*written) : -1);
    errno = error;
    return ok;
}

} // extern "C"
