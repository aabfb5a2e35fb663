#include "preload/reporter.hpp"

#include "preload/real_calls.hpp"
#include "preload/ring_writer.hpp"

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

namespace sniff::preload {

namespace {

namespace wire = exec::wire;

std::atomic<int> g_fd{-1};
std::size_t g_fragment = 60 * 1024; // set from the report socket's send buffer at start-up
std::atomic<std::uint64_t> g_sequence{0};
// The process id, read once and again in each forked child (pthread_atfork): getpid() is a system
// call, and one per reported call is a fifth of the cost the program pays on a virtual machine.
// A child made by a raw clone() or _Fork() (no fork handlers) reports its parent's id.
std::atomic<std::uint32_t> g_pid{0};

void refresh_pid() {
    g_pid.store(static_cast<std::uint32_t>(::syscall(SYS_getpid)), std::memory_order_relaxed);
    ring_refresh_pid();
}

// Pieces of the program's buffers per record, beside the header.
constexpr int k_max_pieces = 64;

void put32(std::uint8_t* at, std::uint32_t value) {
    for (int i = 0; i < 4; ++i)
        at[i] = static_cast<std::uint8_t>(value >> (8 * i));
}
void put64(std::uint8_t* at, std::uint64_t value) {
    for (int i = 0; i < 8; ++i)
        at[i] = static_cast<std::uint8_t>(value >> (8 * i));
}

std::uint64_t now_ns() {
    timespec now{};
    ::clock_gettime(CLOCK_REALTIME, &now);
    return static_cast<std::uint64_t>(now.tv_sec) * 1000000000u +
           static_cast<std::uint64_t>(now.tv_nsec);
}

void fill_header(std::uint8_t* header, const SocketInfo& socket, wire::Kind kind,
                 const CallReport& call, std::uint64_t sequence, std::uint64_t time) {
    std::memset(header, 0, wire::k_header_size);
    header[wire::offset::magic] = wire::k_magic0;
    header[wire::offset::magic + 1] = wire::k_magic1;
    header[wire::offset::version] = wire::k_version;
    header[wire::offset::kind] = static_cast<std::uint8_t>(kind);
    header[wire::offset::call] = static_cast<std::uint8_t>(call.call);
    header[wire::offset::direction] = static_cast<std::uint8_t>(call.dir);
    header[wire::offset::family] = static_cast<std::uint8_t>(socket.family);
    header[wire::offset::type] = static_cast<std::uint8_t>(socket.type);
    header[wire::offset::role] = static_cast<std::uint8_t>(socket.role);
    header[wire::offset::flags] = call.flags;
    put32(header + wire::offset::pid, g_pid.load(std::memory_order_relaxed));
    put64(header + wire::offset::time, time);
    put64(header + wire::offset::inode, socket.inode);
    put64(header + wire::offset::sequence, sequence);
    put64(header + wire::offset::asked, call.asked);
    put64(header + wire::offset::result, static_cast<std::uint64_t>(call.result));
    put64(header + wire::offset::datagram, call.datagram);
    std::memcpy(header + wire::offset::local, socket.local, wire::k_address_size);
    const std::uint8_t* peer = call.peer != nullptr ? call.peer : socket.peer;
    std::memcpy(header + wire::offset::peer, peer, wire::k_address_size);
}

// Sends one record, into the ring when it is mapped, else over the socket; stops reporting when
// the descriptor fails (sniff gone).
void send_record(iovec* pieces, int count, std::size_t length) {
    const int fd = g_fd.load(std::memory_order_relaxed);
    if (fd < 0)
        return;
    if (ring_mapped()) {
        if (!ring_write(fd, pieces, count, length))
            g_fd.store(-1, std::memory_order_relaxed);
        return;
    }
    msghdr message{};
    message.msg_iov = pieces;
    message.msg_iovlen = static_cast<std::size_t>(count);
    const int saved_errno = errno;
    for (;;) {
        if (real().sendmsg(fd, &message, MSG_NOSIGNAL) >= 0)
            break;
        if (errno != EINTR) {
            g_fd.store(-1, std::memory_order_relaxed);
            break;
        }
    }
    errno = saved_errno;
}

// Walks the program's iovecs across fragments without going back to the start.
struct Cursor {
    const iovec* data;
    int count;
    int index = 0;
    std::size_t within = 0;

    // Appends pieces covering up to `wanted` bytes; returns the bytes covered.
    std::size_t take(std::size_t wanted, iovec* out, int& used) {
        std::size_t covered = 0;
        while (covered < wanted && index < count && used < k_max_pieces) {
            const std::size_t left = data[index].iov_len - within;
            const std::size_t piece = left < wanted - covered ? left : wanted - covered;
            if (piece > 0) {
                out[used].iov_base = static_cast<char*>(data[index].iov_base) + within;
                out[used].iov_len = piece;
                ++used;
            }
            covered += piece;
            within += piece;
            if (within == data[index].iov_len) {
                ++index;
                within = 0;
            }
        }
        return covered;
    }
};

} // namespace

void init_reporter() {
    const char* variable = ::getenv(wire::k_fd_variable);
    int fd = -1;
    std::uint64_t inode = 0;
    if (variable == nullptr || !parse_fd_inode(variable, fd, inode))
        return;
    struct stat status {};
    if (::fstat(fd, &status) != 0 || !S_ISSOCK(status.st_mode) || status.st_ino != inode)
        return;
    // A record must fit the send buffer whole (SEQPACKET); half of it leaves room for a second
    // record in flight, so the program and sniff overlap.
    int send_buffer = 0;
    socklen_t length = sizeof send_buffer;
    if (::getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &send_buffer, &length) == 0 &&
        send_buffer > 16 * 1024) {
        const std::size_t half = static_cast<std::size_t>(send_buffer) / 2 - wire::k_header_size;
        g_fragment = half < wire::k_max_fragment ? half : wire::k_max_fragment;
    }
    if (init_ring())
        g_fragment = ring_fragment();
    refresh_pid();
    ::pthread_atfork(nullptr, nullptr, refresh_pid);
    g_fd.store(fd, std::memory_order_relaxed);
}

bool reporting() {
    return g_fd.load(std::memory_order_relaxed) >= 0;
}

int report_fd() {
    return g_fd.load(std::memory_order_relaxed);
}

bool is_report_fd(int fd) {
    return fd >= 0 && (fd == g_fd.load(std::memory_order_relaxed) || fd == ring_fd());
}

int guarded_fds(int (&out)[2]) {
    int count = 0;
    for (const int fd : {g_fd.load(std::memory_order_relaxed), ring_fd()})
        if (fd >= 0)
            out[count++] = fd;
    if (count == 2 && out[0] > out[1]) {
        const int first = out[1];
        out[1] = out[0];
        out[0] = first;
    }
    return count;
}

void move_report_fd_off(int fd) {
    move_ring_fd_off(fd);
    if (fd < 0 || fd != g_fd.load(std::memory_order_relaxed))
        return;
    const int moved = real().fcntl(fd, F_DUPFD, fd + 1);
    g_fd.store(moved, std::memory_order_relaxed); // -1 stops reporting
}

void report_call(const SocketInfo& socket, const CallReport& call, const iovec* data, int count,
                 std::size_t bytes) {
    if (!reporting())
        return;
    const std::uint64_t sequence = g_sequence.fetch_add(1, std::memory_order_relaxed);
    const std::uint64_t time = now_ns();
    std::uint8_t header[wire::k_header_size];
    fill_header(header, socket, wire::Kind::data, call, sequence, time);
    Cursor cursor{data, count};
    std::size_t sent = 0;
    do {
        iovec pieces[k_max_pieces + 1];
        int used = 1;
        const std::size_t wanted = bytes - sent < g_fragment ? bytes - sent : g_fragment;
        const std::size_t covered = cursor.take(wanted, pieces, used);
        // Fewer bytes than announced means the iovecs ran out: report what is there.
        const bool last = sent + covered >= bytes || covered == 0;
        put64(header + wire::offset::fragment_offset, sent);
        put32(header + wire::offset::fragment_length, static_cast<std::uint32_t>(covered));
        header[wire::offset::flags] =
            static_cast<std::uint8_t>(call.flags | (last ? wire::flag_last_fragment : 0));
        pieces[0].iov_base = header;
        pieces[0].iov_len = sizeof header;
        send_record(pieces, used, sizeof header + covered);
        sent += covered;
        if (last)
            break;
    } while (true);
}

void report_close(const SocketInfo& socket) {
    if (!reporting())
        return;
    CallReport call;
    call.call = wire::Call::close;
    std::uint8_t header[wire::k_header_size];
    fill_header(header, socket, wire::Kind::close, call,
                g_sequence.fetch_add(1, std::memory_order_relaxed), now_ns());
    header[wire::offset::flags] = wire::flag_last_fragment;
    iovec piece{header, sizeof header};
    send_record(&piece, 1, sizeof header);
}

} // namespace sniff::preload
