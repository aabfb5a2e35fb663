#pragma once
// sniff's side of the report ring (exec/ring_format.hpp): makes the sealed memfd the program
// maps, and reads committed slots from the tail. The ring is untrusted (the program can write
// anything into it, at any time): each slot's length is read once and checked, and its record is
// copied out before anyone parses it. A slot left reserved by a process that died while it wrote
// (SIGKILL) is skipped once that process is gone, so the program's other processes never wait
// on it for ever.

#include "util/byte_reader.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace sniff::exec {

struct RingCounters {
    std::uint64_t slots = 0;
    std::uint64_t corrupt = 0;   // bad slot lengths: the ring was skipped up to its head
    std::uint64_t abandoned = 0; // slots left reserved by a process that died
};

class ReportRing {
public:
    ReportRing() = default;
    ~ReportRing();
    ReportRing(const ReportRing&) = delete;
    ReportRing& operator=(const ReportRing&) = delete;

    // Makes the memfd (size bytes of data, a power of two), seals its size and maps it. Returns
    // an error message, empty on success.
    std::string create(std::size_t size);
    int fd() const { return m_fd; }
    std::uint64_t inode() const { return m_inode; }
    // Once the program holds its own copy of the descriptor: the mapping stays.
    void close_fd();

    // Copies the records of committed slots out of the ring, at most `max_records` of them and
    // about `max_bytes` (one record more at most), frees their room (waking producers that wait
    // for it) and returns the records: views into the ring's own buffer, valid until the next
    // take().
    const std::vector<util::Bytes>& take(std::size_t max_records, std::size_t max_bytes);
    // A committed slot waits at the tail (or a dead process's reserved one).
    bool ready();
    // What sniff is about to do (ring::State), published for the producers: a producer rings
    // the doorbell when sniff is idle, or asleep on its timer while the ring fills.
    void set_state(std::uint32_t state);
    // The report has ended (every process closed its socket): slots still reserved are
    // abandoned; returns how many bytes were given up.
    std::uint64_t abandon_rest();

    const RingCounters& counters() const { return m_counters; }

private:
    bool slot_abandoned(std::uint64_t position, std::uint32_t pid);
    void release(std::uint64_t tail);
    std::byte* room(std::size_t used, std::size_t wanted);

    std::uint8_t* m_control = nullptr;
    const std::uint8_t* m_data = nullptr;
    std::size_t m_size = 0;
    int m_fd = -1;
    std::uint64_t m_inode = 0;
    std::uint64_t m_tail = 0;
    std::uint64_t m_stuck_at = ~0ull;
    std::chrono::steady_clock::time_point m_stuck_since{};
    RingCounters m_counters;
    // Not zeroed when it grows: every byte handed out was copied in first.
    std::unique_ptr<std::byte[]> m_buffer;
    std::size_t m_capacity = 0;
    std::vector<std::size_t> m_ends;
    std::vector<util::Bytes> m_records;
};

} // namespace sniff::exec
