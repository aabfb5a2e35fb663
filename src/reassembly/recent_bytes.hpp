#pragma once
// The last bytes delivered in one direction, kept so that a retransmission overlapping bytes
// already delivered can be compared with the first copy (delivered bytes are otherwise not kept:
// they were zero-copy views into the capture). A ring of at most k_capacity bytes that grows on
// demand, so a short flow costs little and a long one stops allocating once the ring is full.

#include "util/byte_reader.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace sniff::reassembly {

class RecentBytes {
public:
    static constexpr std::size_t k_capacity = 64 * 1024; // power of two

    // Records bytes delivered at stream offset `offset`. When offset is not where the previous
    // append ended (a gap came between), what came before is forgotten.
    void append(std::uint64_t offset, util::Bytes bytes);

    // The first stream offset in [offset, offset + bytes.size()) whose remembered byte differs
    // from `bytes`; nullopt when every remembered byte there matches (or none is remembered).
    std::optional<std::uint64_t> first_difference(std::uint64_t offset, util::Bytes bytes) const;

    // Copies the remembered bytes from `offset` (at most out.size()) into out; returns how many.
    std::size_t copy_out(std::uint64_t offset, std::span<std::byte> out) const;

    std::uint64_t begin() const { return m_begin; }
    std::uint64_t end() const { return m_end; }

private:
    void grow(std::size_t needed);
    void write(std::uint64_t offset, util::Bytes bytes);

    std::vector<std::byte> m_buffer; // size 0 or a power of two; byte o lives at o & (size - 1)
    std::uint64_t m_begin = 0;       // oldest remembered offset
    std::uint64_t m_end = 0;         // one past the newest
};

} // namespace sniff::reassembly
