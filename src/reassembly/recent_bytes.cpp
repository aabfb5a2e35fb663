// The recently delivered bytes of a direction, as views or copies (see recent_bytes.hpp).

#include "reassembly/recent_bytes.hpp"

#include <algorithm>
#include <cstring>

namespace sniff::reassembly {

void RecentBytes::append(std::uint64_t offset, util::Bytes bytes, bool stable) {
    if (offset != m_end) {
        while (!m_pieces.empty())
            forget_oldest();
        m_end = offset;
    }
    if (bytes.empty())
        return;
    // Only the tail that fits can ever be compared.
    const util::Bytes kept = bytes.last(std::min(bytes.size(), k_capacity));
    Piece piece;
    piece.offset = offset + (bytes.size() - kept.size());
    if (stable) {
        piece.bytes = kept;
    } else {
        // The buffer of a forgotten copy is reused: no allocation per delivery once running.
        piece.copy = std::move(m_spare);
        piece.copy.assign(kept.begin(), kept.end());
        piece.bytes = util::Bytes(piece.copy);
        m_copied += kept.size();
    }
    m_pieces.push_back(std::move(piece));
    m_end = offset + bytes.size();
    trim();
}

void RecentBytes::trim() {
    // Copies are bounded at every delivery. The count only every k_max_pieces deliveries, a
    // batch at a time: the oldest piece is cold in the cache, and touching it at every delivery
    // cost 7 % of reading a capture of small packets.
    while (m_pieces.size() > 1 && m_copied > k_capacity)
        forget_oldest();
    if (m_pieces.size() >= 2 * k_max_pieces)
        while (m_pieces.size() > k_max_pieces)
            forget_oldest();
}

void RecentBytes::forget_oldest() {
    Piece& oldest = m_pieces.front();
    m_copied -= oldest.copy.size();
    if (oldest.copy.capacity() > m_spare.capacity())
        m_spare = std::move(oldest.copy);
    m_pieces.pop_front();
}

std::deque<RecentBytes::Piece>::const_iterator
RecentBytes::piece_after(std::uint64_t offset) const {
    return std::upper_bound(m_pieces.begin(), m_pieces.end(), offset,
                            [](std::uint64_t at, const Piece& piece) { return at < piece.end(); });
}

std::optional<std::uint64_t> RecentBytes::first_difference(std::uint64_t offset,
                                                           util::Bytes bytes) const {
    const std::uint64_t to = std::min(offset + bytes.size(), m_end);
    for (auto it = piece_after(offset); it != m_pieces.end() && it->offset < to; ++it) {
        const std::uint64_t from = std::max(offset, it->offset);
        const std::uint64_t upto = std::min(to, it->end());
        const std::byte* mine = it->bytes.data() + (from - it->offset);
        const std::byte* theirs = bytes.data() + (from - offset);
        const std::size_t run = static_cast<std::size_t>(upto - from);
        if (std::memcmp(mine, theirs, run) == 0)
            continue;
        for (std::size_t i = 0; i < run; ++i)
            if (mine[i] != theirs[i])
                return from + i;
    }
    return std::nullopt;
}

std::size_t RecentBytes::copy_out(std::uint64_t offset, std::span<std::byte> out) const {
    if (offset < begin() || offset >= m_end)
        return 0;
    std::size_t count = 0;
    for (auto it = piece_after(offset); it != m_pieces.end() && count < out.size(); ++it) {
        const std::uint64_t from = std::max(offset + count, it->offset);
        const std::size_t run =
            static_cast<std::size_t>(std::min<std::uint64_t>(out.size() - count, it->end() - from));
        std::memcpy(out.data() + count, it->bytes.data() + (from - it->offset), run);
        count += run;
    }
    return count;
}

} // namespace sniff::reassembly
