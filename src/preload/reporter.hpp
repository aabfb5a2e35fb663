#pragma once
// Sends report records (exec/record_format.hpp) to sniff: into the shared-memory ring named by
// SNIFF_EXEC_RING (preload/ring_writer.hpp), or, when a process cannot map it, over the socket
// named by SNIFF_EXEC_FD (sendmsg with an iovec list). Async-signal-safe: the header is built on
// the stack, the bytes are copied straight from the program's buffers, no lock, no allocation.
// Blocking on purpose: when sniff is slow the program waits, nothing is dropped. When the
// descriptor is gone or sniff has exited, reporting stops for good and the program runs on
// untouched.

#include "exec/record_format.hpp"
#include "preload/socket_table.hpp"

#include <cstddef>
#include <cstdint>
#include <sys/uio.h>

namespace sniff::preload {

// Reads and checks SNIFF_EXEC_FD (descriptor and inode); reporting is off when it fails.
void init_reporter();
bool reporting();
// The report socket's descriptor, or the report ring's (exec/ring_format.hpp): both are sniff's.
bool is_report_fd(int fd);
int report_fd(); // -1 when not reporting
// The descriptors the program must not close (the socket's, the ring's), in increasing order;
// returns how many.
int guarded_fds(int (&out)[2]);
// The program wants `fd` for itself (dup2/dup3 onto it): the report moves to another number.
void move_report_fd_off(int fd);

struct CallReport {
    exec::wire::Call call = exec::wire::Call::read;
    exec::wire::Dir dir = exec::wire::Dir::in;
    std::uint8_t flags = 0;
    std::uint64_t asked = 0;
    std::int64_t result = 0;            // bytes, or -errno
    std::uint64_t datagram = 0;         // the datagram's real length (UDP reads), else 0
    const std::uint8_t* peer = nullptr; // the datagram's address (18 bytes), else the socket's
};

// One call; `data` holds the `bytes` bytes to report (may span several iovecs, may be 0).
void report_call(const SocketInfo& socket, const CallReport& call, const iovec* data, int count,
                 std::size_t bytes);
void report_close(const SocketInfo& socket);

} // namespace sniff::preload
