// The producer side of the report ring: reserve, copy, commit, and wake sniff only when it must.
// Layout and protocol: exec/ring_format.hpp.

#include "preload/ring_writer.hpp"

#include "exec/record_format.hpp"
#include "exec/ring_format.hpp"
#include "preload/real_calls.hpp"

#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <linux/futex.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

namespace sniff::preload {

namespace {

namespace ring = exec::ring;

std::uint8_t* g_control = nullptr;
std::uint8_t* g_data = nullptr; // mapped twice: [g_data, g_data + 2 * g_size)
std::size_t g_size = 0;
std::size_t g_fragment = 0;
std::atomic<int> g_fd{-1};

// The ring's words are shared with another process and touched from signal handlers: they must
// be plain lock-free atomics, never a library lock.
static_assert(std::atomic_ref<std::uint64_t>::is_always_lock_free);
static_assert(std::atomic_ref<std::uint32_t>::is_always_lock_free);

template <typename T> std::atomic_ref<T> word(std::uint8_t* at) {
    return std::atomic_ref<T>(*reinterpret_cast<T*>(at));
}
std::atomic_ref<std::uint64_t> head() {
    return word<std::uint64_t>(g_control + ring::control::head);
}
std::atomic_ref<std::uint64_t> tail() {
    return word<std::uint64_t>(g_control + ring::control::tail);
}
std::atomic_ref<std::uint32_t> state() {
    return word<std::uint32_t>(g_control + ring::control::state);
}
std::atomic_ref<std::uint32_t> space() {
    return word<std::uint32_t>(g_control + ring::control::space);
}
std::atomic_ref<std::uint32_t> waiters() {
    return word<std::uint32_t>(g_control + ring::control::waiters);
}

bool map_ring(int fd, std::size_t size) {
    std::uint8_t* control = ring::map_ring(fd, size, PROT_READ | PROT_WRITE);
    if (control == nullptr)
        return false;
    g_control = control;
    g_data = control + ring::k_control_size;
    g_size = size;
    return true;
}

long futex(std::uint32_t* address, int operation, std::uint32_t value, const timespec* timeout) {
    return ::syscall(SYS_futex, address, operation, value, timeout, nullptr, 0);
}

// One byte over the report socket; false when sniff has gone.
bool ring_doorbell(int doorbell_fd) {
    const char byte = 0;
    iovec piece{const_cast<char*>(&byte), 1};
    msghdr message{};
    message.msg_iov = &piece;
    message.msg_iovlen = 1;
    for (;;) {
        if (real().sendmsg(doorbell_fd, &message, MSG_NOSIGNAL | MSG_DONTWAIT) >= 0)
            return true;
        if (errno == EINTR)
            continue;
        // A socket full of doorbells means sniff has plenty to wake it.
        return errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS;
    }
}

// Wakes sniff unless it is awake already; only the producer that flips the state rings.
bool wake(int doorbell_fd) {
    if (state().exchange(ring::awake, std::memory_order_seq_cst) == ring::awake)
        return true;
    return ring_doorbell(doorbell_fd);
}

// Waits until the slot ending at `end` is free. The wait is bounded so that a sniff that has
// gone is noticed (the doorbell fails) instead of waited for.
bool wait_for_space(int doorbell_fd, std::uint64_t end) {
    waiters().fetch_add(1, std::memory_order_seq_cst);
    bool alive = true;
    for (;;) {
        const std::uint32_t seen = space().load(std::memory_order_seq_cst);
        if (end - tail().load(std::memory_order_seq_cst) <= g_size)
            break;
        if (!wake(doorbell_fd)) {
            alive = false;
            break;
        }
        const timespec timeout{0, 100 * 1000 * 1000};
        auto* address = reinterpret_cast<std::uint32_t*>(g_control + ring::control::space);
        if (futex(address, FUTEX_WAIT, seen, &timeout) != 0 && errno == ETIMEDOUT) {
            // Not woken in 100 ms: ring again, in case sniff slept through it.
            state().store(ring::idle, std::memory_order_seq_cst);
        }
    }
    waiters().fetch_sub(1, std::memory_order_seq_cst);
    return alive;
}

std::uint32_t own_pid() {
    return static_cast<std::uint32_t>(::syscall(SYS_getpid));
}

// The process id for the slot's prefix: read once, and again in each forked child.
std::atomic<std::uint32_t> g_pid{0};

} // namespace

bool parse_fd_inode(const char* text, int& fd, std::uint64_t& inode) {
    std::uint64_t values[2] = {0, 0};
    int field = 0;
    for (const char* at = text; *at != '\0'; ++at) {
        if (*at == ':' && field == 0)
            field = 1;
        else if (*at >= '0' && *at <= '9' && values[field] < (1ull << 60))
            values[field] = values[field] * 10 + static_cast<std::uint64_t>(*at - '0');
        else
            return false;
    }
    if (field != 1 || values[0] > 1u << 20)
        return false;
    fd = static_cast<int>(values[0]);
    inode = values[1];
    return true;
}

bool init_ring() {
    const char* variable = ::getenv(ring::k_fd_variable);
    int fd = -1;
    std::uint64_t inode = 0;
    if (variable == nullptr || !parse_fd_inode(variable, fd, inode))
        return false;
    struct stat status {};
    if (::fstat(fd, &status) != 0 || status.st_ino != inode ||
        status.st_size < static_cast<off_t>(ring::k_control_size + ring::k_min_size))
        return false;
    const auto size = static_cast<std::size_t>(status.st_size) - ring::k_control_size;
    if (size > ring::k_max_size || (size & (size - 1)) != 0 || !map_ring(fd, size))
        return false;
    g_fragment = ring::max_fragment(size, exec::wire::k_header_size, exec::wire::k_max_fragment);
    g_pid.store(own_pid(), std::memory_order_relaxed);
    g_fd.store(fd, std::memory_order_relaxed);
    return true;
}

bool ring_mapped() {
    return g_data != nullptr;
}

int ring_fd() {
    return g_fd.load(std::memory_order_relaxed);
}

void move_ring_fd_off(int fd) {
    if (fd < 0 || fd != g_fd.load(std::memory_order_relaxed))
        return;
    // -1 when it fails: the mapping stays, only exec'd children lose the ring (they report over
    // the socket instead).
    g_fd.store(real().fcntl(fd, F_DUPFD, fd + 1), std::memory_order_relaxed);
}

std::size_t ring_fragment() {
    return g_fragment;
}

void ring_refresh_pid() {
    g_pid.store(own_pid(), std::memory_order_relaxed);
}

bool ring_write(int doorbell_fd, const iovec* pieces, int count, std::size_t length) {
    const std::uint64_t slot = ring::slot_length(length);
    const std::uint64_t position = head().fetch_add(slot, std::memory_order_seq_cst);
    const std::uint64_t end = position + slot;
    if (end - tail().load(std::memory_order_acquire) > g_size && !wait_for_space(doorbell_fd, end))
        return false;
    std::uint8_t* at = g_data + (position & (g_size - 1));
    word<std::uint32_t>(at + ring::slot::length)
        .store(static_cast<std::uint32_t>(slot), std::memory_order_relaxed);
    word<std::uint32_t>(at + ring::slot::pid)
        .store(g_pid.load(std::memory_order_relaxed), std::memory_order_relaxed);
    word<std::uint64_t>(at + ring::slot::stamp)
        .store(ring::reserved(position), std::memory_order_release);
    std::uint8_t* out = at + ring::k_prefix_size;
    for (int i = 0; i < count; ++i) {
        std::memcpy(out, pieces[i].iov_base, pieces[i].iov_len);
        out += pieces[i].iov_len;
    }
    word<std::uint64_t>(at + ring::slot::stamp)
        .store(ring::committed(position), std::memory_order_seq_cst);
    // sniff reads on its timer while it is asleep with one; it is rung when idle (nothing was
    // waiting when it last looked) or when the ring passes a quarter full.
    const std::uint32_t now = state().load(std::memory_order_seq_cst);
    if (now == ring::idle ||
        (now == ring::timed && end - tail().load(std::memory_order_relaxed) > g_size / 4))
        return wake(doorbell_fd);
    return true;
}

} // namespace sniff::preload
