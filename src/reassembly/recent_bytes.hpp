#pragma once
// The last bytes delivered in one direction, kept so that a retransmission overlapping bytes
// already delivered can be compared with the first copy. Bytes that stay valid (a memory-mapped
// capture) are remembered as views and never copied, so following a stream costs no pass over its
// payload; other bytes (a live capture's buffer, a reassembled datagram, held pieces) are copied.
// At most the last k_max_pieces deliveries (up to twice as many between two trims) are
// remembered, and of copied bytes at most k_capacity plus the newest delivery, so memory per
// direction stays bounded whatever the segment sizes.

#include "util/byte_reader.hpp"

#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <vector>

namespace sniff::reassembly {

class RecentBytes {
public:
    static constexpr std::size_t k_capacity = 64 * 1024; // copied bytes
    static constexpr std::size_t k_max_pieces = 128;

    // Records bytes delivered at stream offset `offset`. When offset is not where the previous
    // append ended (a gap came between), what came before is forgotten. stable: the bytes stay
    // valid and unchanged while this object is used, so only a view of them is kept.
    void append(std::uint64_t offset, util::Bytes bytes, bool stable = false);

    // The first stream offset in [offset, offset + bytes.size()) whose remembered byte differs
    // from `bytes`; nullopt when every remembered byte there matches (or none is remembered).
    std::optional<std::uint64_t> first_difference(std::uint64_t offset, util::Bytes bytes) const;

    // Copies the remembered bytes from `offset` (at most out.size()) into out; returns how many.
    std::size_t copy_out(std::uint64_t offset, std::span<std::byte> out) const;

    std::uint64_t begin() const { return m_pieces.empty() ? m_end : m_pieces.front().offset; }
    std::uint64_t end() const { return m_end; }

private:
    struct Piece {
        std::uint64_t offset = 0;
        util::Bytes bytes;           // a view of stable bytes, or of `copy`
        std::vector<std::byte> copy; // owned bytes for an unstable delivery
        std::uint64_t end() const { return offset + bytes.size(); }
    };

    // Forgets the oldest pieces beyond the bounds.
    void trim();
    void forget_oldest();
    // The first piece that ends after offset (pieces are contiguous and in offset order).
    std::deque<Piece>::const_iterator piece_after(std::uint64_t offset) const;

    std::deque<Piece> m_pieces;
    std::uint64_t m_copied = 0;     // bytes in the copies of m_pieces
    std::uint64_t m_end = 0;        // one past the newest remembered byte
    std::vector<std::byte> m_spare; // a forgotten copy's buffer, reused by the next copy
};

} // namespace sniff::reassembly
