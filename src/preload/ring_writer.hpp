#pragma once
// The program's side of the report ring (exec/ring_format.hpp): a record is copied into a slot
// reserved with one fetch_add, then committed; no system call unless sniff must be woken (idle,
// or the ring is filling) or the ring is full (the producer waits on a futex: nothing is lost).
// Async-signal-safe: no lock, no allocation; a signal handler's record takes the next slot.
// When the ring is not mapped (no SNIFF_EXEC_RING, a failed mmap), records go over the socket.

#include <cstddef>
#include <cstdint>
#include <sys/uio.h>

namespace sniff::preload {

// Parses "<fd>:<inode>" (how SNIFF_EXEC_RING and the report socket's variable name a descriptor)
// without allocating; false when malformed.
bool parse_fd_inode(const char* text, int& fd, std::uint64_t& inode);
// Maps the ring named by SNIFF_EXEC_RING (descriptor and inode checked); false when it cannot.
bool init_ring();
bool ring_mapped();
int ring_fd(); // the ring's descriptor in the program, -1 when not mapped
// The program wants `fd` for itself: the ring's descriptor moves to another number.
void move_ring_fd_off(int fd);
// The largest fragment one slot carries.
std::size_t ring_fragment();
// Copies one record (its pieces: the header, then the program's bytes) into the ring, waiting for
// room when it is full, and wakes sniff through `doorbell_fd` when it must. False when sniff has
// gone (the doorbell fails while the ring stays full): the caller stops reporting.
bool ring_write(int doorbell_fd, const iovec* pieces, int count, std::size_t length);
// In a forked child: the process id written into its slots.
void ring_refresh_pid();

} // namespace sniff::preload
