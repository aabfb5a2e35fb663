#pragma once
// The shared-memory ring that carries report records (exec/record_format.hpp) from
// libsniff-preload.so to `sniff exec`, so that a reported call costs the program a copy into
// memory instead of a system call, and sniff is woken for batches instead of for each call.
//
// sniff makes a memfd of k_control_size + N bytes (N a power of two) before it starts the program;
// the program's end sits at a high descriptor named by SNIFF_EXEC_RING=<fd>:<inode> (guarded like
// the report socket: the program cannot close it by accident). Each process maps it once (a
// forked child keeps its parent's mapping); the data area is mapped twice back to back, so a slot
// that passes the end of the ring is contiguous in memory.
//
//   control page (offsets in bytes, each word on its own cache line):
//     64  head  (u64)   next free position; producers reserve with fetch_add(slot length)
//     128 tail  (u64)   first position sniff has not read; a producer waits until
//                       its slot's end - tail <= N (the program waits: nothing is lost)
//     192 state (u32)   what sniff is doing: awake, asleep with a timer (woken early only when
//                       the ring passes a quarter full), idle (woken by the next record)
//     256 space (u32)   futex word, bumped by sniff when it frees space and a producer waits
//     260 waiters (u32) producers waiting for space
//   data: slots at 8-byte aligned positions (position p lives at p mod N):
//     0  stamp  (u64)   reserved(p) while the producer copies, then committed(p)
//     8  length (u32)   the slot's length, prefix included, a multiple of 8
//     12 pid    (u32)   the producing process (a reserved slot of a dead one is skipped)
//     16 one report record, as it would be sent over the socket (header, then bytes)
//
// Wake-ups: a producer rings the doorbell (one byte sent over the report socket) only when sniff
// is idle, or asleep with a ring more than a quarter full, or the ring is full. Otherwise sniff
// reads the ring on its own timer (k_poll_interval), so a record waits at most that long.
//
// Everything in the ring is untrusted on sniff's side: the program can write anything there, at
// any time. sniff copies slots out before it parses them and checks every length it reads.
//
// Limits: sniff reads slots in reservation order, so a slot reserved but not yet committed holds
// back the ones after it. A process killed between the two leaves its slot reserved: sniff skips
// it once the slot has waited half a second and its process is gone. A signal handler that
// reports while its thread is between the two takes a later slot; it could wait for room for
// ever only if the slots reserved between the interrupted one and its own filled the whole ring
// (16 MiB of reservations in flight, some 60 threads each in the middle of a 256 KiB fragment).

#include <cstddef>
#include <cstdint>
#include <sys/mman.h>
#include <sys/types.h>

namespace sniff::exec::ring {

inline constexpr std::size_t k_control_size = 4096;
inline constexpr std::size_t k_default_size = 16u << 20;
inline constexpr std::size_t k_min_size = 1u << 20;
inline constexpr std::size_t k_max_size = 1u << 30;
inline constexpr std::size_t k_prefix_size = 16;
inline constexpr std::size_t k_align = 8;
// How long a committed record may wait in the ring before sniff reads it.
inline constexpr unsigned k_poll_interval_ms = 5;

namespace control {
inline constexpr std::size_t head = 64, tail = 128, state = 192, space = 256, waiters = 260;
}
namespace slot {
inline constexpr std::size_t stamp = 0, length = 8, pid = 12;
}

enum State : std::uint32_t { awake = 0, timed = 1, idle = 2 };

// Stamps name the position, so the bytes of an earlier lap never pass for a record, and zeroed
// memory is neither.
inline constexpr std::uint64_t reserved(std::uint64_t position) {
    return (position + 1) << 1;
}
inline constexpr std::uint64_t committed(std::uint64_t position) {
    return ((position + 1) << 1) | 1;
}

inline constexpr std::size_t slot_length(std::size_t record_length) {
    return (k_prefix_size + record_length + k_align - 1) & ~(k_align - 1);
}

// The largest fragment a producer puts in one slot of a ring of `size` bytes: an eighth of the
// ring, so several calls are in flight while sniff reads.
inline constexpr std::size_t max_fragment(std::size_t size, std::size_t header_size,
                                          std::size_t wire_max) {
    const std::size_t eighth = size / 8 - k_prefix_size - header_size;
    return eighth < wire_max ? eighth : wire_max;
}

// Maps the ring's memfd (k_control_size + size bytes): the control page, then the data area twice,
// back to back, so a slot that passes the end of the ring is contiguous. Returns the control
// page (the data starts k_control_size after it), or nullptr. Async-signal-safe (mmap only).
inline std::uint8_t* map_ring(int fd, std::size_t size, int data_protection) {
    const std::size_t total = k_control_size + 2 * size;
    void* base = ::mmap(nullptr, total, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED)
        return nullptr;
    auto* bytes = static_cast<std::uint8_t*>(base);
    const int both = PROT_READ | PROT_WRITE;
    const bool ok =
        ::mmap(bytes, k_control_size, both, MAP_SHARED | MAP_FIXED, fd, 0) != MAP_FAILED &&
        ::mmap(bytes + k_control_size, size, data_protection, MAP_SHARED | MAP_FIXED, fd,
               static_cast<off_t>(k_control_size)) != MAP_FAILED &&
        ::mmap(bytes + k_control_size + size, size, data_protection, MAP_SHARED | MAP_FIXED, fd,
               static_cast<off_t>(k_control_size)) != MAP_FAILED;
    if (!ok) {
        ::munmap(base, total);
        return nullptr;
    }
    return bytes;
}

inline void unmap_ring(std::uint8_t* control, std::size_t size) {
    if (control != nullptr)
        ::munmap(control, k_control_size + 2 * size);
}

// Environment variable that names the ring's descriptor: "<fd>:<inode>".
inline constexpr const char* k_fd_variable = "SNIFF_EXEC_RING";

} // namespace sniff::exec::ring
