// sniff's side of the report ring: the sealed memfd, and the reader of committed slots.

#include "exec/report_ring.hpp"

#include "exec/record_format.hpp"
#include "exec/ring_format.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <climits>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <linux/futex.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace sniff::exec {

namespace {

template <typename T> std::atomic_ref<T> word(std::uint8_t* at) {
    return std::atomic_ref<T>(*reinterpret_cast<T*>(at));
}
template <typename T> T load(const std::uint8_t* at, std::memory_order order) {
    return std::atomic_ref<T>(*reinterpret_cast<T*>(const_cast<std::uint8_t*>(at))).load(order);
}

// A slot's length is the producer's word: at least a record header, a multiple of the alignment,
// and no more than the largest record; anything else means the ring was written by something
// other than the preload.
bool valid_slot_length(std::uint32_t length, std::size_t size) {
    const std::size_t largest = ring::slot_length(wire::k_max_record);
    return length >= ring::slot_length(wire::k_header_size) && length % ring::k_align == 0 &&
           length <= largest && length <= size / 2;
}

constexpr auto k_abandon_after = std::chrono::milliseconds(500);

// The head is the program's word: a position sniff moves to is rounded up to a slot boundary, so
// every stamp it reads is aligned.
std::uint64_t aligned(std::uint64_t position) {
    return position > ~std::uint64_t{0} - ring::k_align
               ? position & ~(ring::k_align - 1)
               : (position + ring::k_align - 1) & ~(ring::k_align - 1);
}

} // namespace

ReportRing::~ReportRing() {
    ring::unmap_ring(m_control, m_size);
    close_fd();
}

std::string ReportRing::create(std::size_t size) {
    if (size < ring::k_min_size || size > ring::k_max_size || (size & (size - 1)) != 0)
        return "report ring size must be a power of two between 1 MiB and 1 GiB";
    m_fd = static_cast<int>(
        ::syscall(SYS_memfd_create, "sniff-exec-ring", MFD_CLOEXEC | MFD_ALLOW_SEALING));
    if (m_fd < 0)
        return std::string("memfd_create: ") + std::strerror(errno);
    // Sealed at its size: a program that shrank it would make sniff's reads fault.
    if (::ftruncate(m_fd, static_cast<off_t>(ring::k_control_size + size)) != 0 ||
        ::fcntl(m_fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) != 0)
        return std::string("report ring: ") + std::strerror(errno);
    struct stat status {};
    if (::fstat(m_fd, &status) != 0)
        return std::string("report ring: ") + std::strerror(errno);
    m_inode = status.st_ino;
    m_control = ring::map_ring(m_fd, size, PROT_READ);
    if (m_control == nullptr)
        return std::string("report ring: mmap: ") + std::strerror(errno);
    m_data = m_control + ring::k_control_size;
    m_size = size;
    set_state(ring::idle);
    return {};
}

void ReportRing::close_fd() {
    if (m_fd >= 0)
        ::close(m_fd);
    m_fd = -1;
}

void ReportRing::set_state(std::uint32_t state) {
    if (m_control != nullptr)
        word<std::uint32_t>(m_control + ring::control::state)
            .store(state, std::memory_order_seq_cst);
}

// A reserved slot at the tail for long, whose process is gone: it will never be committed.
bool ReportRing::slot_abandoned(std::uint64_t position, std::uint32_t pid) {
    const auto now = std::chrono::steady_clock::now();
    if (m_stuck_at != position) {
        m_stuck_at = position;
        m_stuck_since = now;
        return false;
    }
    if (now - m_stuck_since < k_abandon_after)
        return false;
    // pid 0 or one past pid_max is not a process: kill() would signal a group or fail anyway.
    return pid == 0 || pid > INT_MAX || (::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH);
}

bool ReportRing::ready() {
    if (m_data == nullptr)
        return false;
    const std::uint8_t* at = m_data + (m_tail & (m_size - 1));
    const auto stamp = load<std::uint64_t>(at + ring::slot::stamp, std::memory_order_seq_cst);
    if (stamp == ring::committed(m_tail))
        return true;
    return stamp == ring::reserved(m_tail) &&
           slot_abandoned(m_tail,
                          load<std::uint32_t>(at + ring::slot::pid, std::memory_order_relaxed));
}

// The buffer with room for `wanted` bytes after the first `used`, kept as it grows.
std::byte* ReportRing::room(std::size_t used, std::size_t wanted) {
    if (used + wanted > m_capacity) {
        const std::size_t capacity = std::max(2 * m_capacity, used + wanted);
        auto grown = std::make_unique_for_overwrite<std::byte[]>(capacity);
        if (used > 0)
            std::memcpy(grown.get(), m_buffer.get(), used);
        m_buffer = std::move(grown);
        m_capacity = capacity;
    }
    return m_buffer.get() + used;
}

const std::vector<util::Bytes>& ReportRing::take(std::size_t max_records, std::size_t max_bytes) {
    m_ends.clear();
    m_records.clear();
    std::size_t used = 0;
    std::uint64_t tail = m_tail;
    while (m_ends.size() < max_records && used < max_bytes && m_data != nullptr) {
        const std::uint8_t* at = m_data + (tail & (m_size - 1));
        const auto stamp = load<std::uint64_t>(at + ring::slot::stamp, std::memory_order_acquire);
        const bool done = stamp == ring::committed(tail);
        if (!done && stamp != ring::reserved(tail))
            break; // not written yet
        // Read once: the program may change it while we look.
        const auto length = load<std::uint32_t>(at + ring::slot::length, std::memory_order_relaxed);
        if (!valid_slot_length(length, m_size)) {
            ++m_counters.corrupt;
            const std::uint64_t head = aligned(
                load<std::uint64_t>(m_control + ring::control::head, std::memory_order_acquire));
            tail = head > tail ? head : tail;
            break;
        }
        if (!done) {
            if (!slot_abandoned(
                    tail, load<std::uint32_t>(at + ring::slot::pid, std::memory_order_relaxed)))
                break;
            ++m_counters.abandoned;
            tail += length;
            continue;
        }
        const std::size_t record = length - ring::k_prefix_size;
        std::memcpy(room(used, record), at + ring::k_prefix_size, record);
        used += record;
        m_ends.push_back(used);
        tail += length;
        ++m_counters.slots;
    }
    release(tail);
    // Each record's length is its header's: the slot's padding is cut here; a fragment length
    // that does not fit the slot is left for the parser to reject.
    std::size_t start = 0;
    for (const std::size_t end : m_ends) {
        std::size_t length = end - start;
        const std::byte* record = m_buffer.get() + start;
        if (length >= wire::k_header_size) {
            util::ByteReader reader(util::Bytes(record, length));
            reader.skip(wire::offset::fragment_length);
            const std::uint32_t fragment = reader.read_le32();
            if (fragment <= length - wire::k_header_size)
                length = wire::k_header_size + fragment;
        }
        m_records.emplace_back(record, length);
        start = end;
    }
    return m_records;
}

void ReportRing::release(std::uint64_t tail) {
    if (tail == m_tail)
        return;
    m_tail = tail;
    m_stuck_at = ~0ull;
    word<std::uint64_t>(m_control + ring::control::tail).store(tail, std::memory_order_seq_cst);
    if (word<std::uint32_t>(m_control + ring::control::waiters).load(std::memory_order_seq_cst) ==
        0)
        return;
    auto space = word<std::uint32_t>(m_control + ring::control::space);
    space.fetch_add(1, std::memory_order_seq_cst);
    ::syscall(SYS_futex, m_control + ring::control::space, FUTEX_WAKE, INT_MAX, nullptr, nullptr,
              0);
}

std::uint64_t ReportRing::abandon_rest() {
    if (m_control == nullptr)
        return 0;
    const std::uint64_t head = aligned(word<std::uint64_t>(m_control + ring::control::head).load());
    const std::uint64_t given_up = head > m_tail ? head - m_tail : 0;
    if (given_up > 0)
        ++m_counters.abandoned;
    release(head > m_tail ? head : m_tail);
    return given_up;
}

} // namespace sniff::exec
