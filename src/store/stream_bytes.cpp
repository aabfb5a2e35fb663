#include "store/stream_bytes.hpp"

#include <algorithm>
#include <cstring>
#include <functional>

namespace sniff::store {

namespace {

// Pointer comparison across unrelated objects is unspecified with <, so std::less is used.
bool inside(util::Bytes region, util::Bytes bytes) {
    if (region.empty() || bytes.empty())
        return false;
    const std::less<const std::byte*> less;
    const auto* first = region.data();
    const auto* last = region.data() + region.size();
    return !less(bytes.data(), first) && !less(last, bytes.data() + bytes.size());
}

} // namespace

void StreamBytes::append(std::uint64_t offset, util::Bytes bytes) {
    if (bytes.empty())
        return;
    if (offset < m_end) {
        // Only the part past what is stored is new; compare before subtracting.
        const std::uint64_t overlap = m_end - offset;
        if (overlap >= bytes.size())
            return;
        bytes = bytes.subspan(static_cast<std::size_t>(overlap));
        offset = m_end;
    }
    if (inside(m_region, bytes)) {
        add_piece(offset, bytes);
        m_referenced += bytes.size();
    } else {
        copy_in(offset, bytes);
        m_copied += bytes.size();
    }
    m_end = offset + bytes.size();
}

void StreamBytes::add_piece(std::uint64_t offset, util::Bytes bytes) {
    // A piece that continues the previous one in both stream and memory is merged: a mapped
    // capture of a bulk transfer still ends up as one piece per packet at worst.
    if (!m_pieces.empty()) {
        auto& last = m_pieces.back();
        if (last.offset + last.length == offset && last.data + last.length == bytes.data()) {
            last.length += bytes.size();
            return;
        }
    }
    m_pieces.push_back({offset, bytes.size(), bytes.data()});
}

void StreamBytes::copy_in(std::uint64_t offset, util::Bytes bytes) {
    while (!bytes.empty()) {
        if (m_chunks.empty() || m_chunk_used == m_chunks.back().capacity) {
            const std::size_t capacity = std::min(m_next_capacity, m_max_chunk);
            m_chunks.push_back({std::make_unique<std::byte[]>(capacity), capacity});
            m_arena += capacity;
            m_chunk_used = 0;
            m_next_capacity = std::min(capacity * 2, k_chunk_size);
        }
        const std::size_t room = m_chunks.back().capacity - m_chunk_used;
        const std::size_t take = std::min(room, bytes.size());
        std::byte* target = m_chunks.back().data.get() + m_chunk_used;
        std::memcpy(target, bytes.data(), take);
        m_chunk_used += take;
        add_piece(offset, util::Bytes(target, take));
        bytes = bytes.subspan(take);
        offset += take;
    }
}

std::uint64_t StreamBytes::drop_oldest_chunk() {
    if (m_chunks.empty())
        return 0;
    const Chunk& oldest = m_chunks.front();
    const std::less<const std::byte*> less;
    const std::byte* first = oldest.data.get();
    const std::byte* last = first + oldest.capacity;
    // Chunks fill in stream order, so the pieces in the oldest chunk are the oldest copied ones.
    std::erase_if(m_pieces, [&](const Piece& piece) {
        if (less(piece.data, first) || !less(piece.data, last))
            return false;
        m_dropped += piece.length;
        m_dropped_below = std::max(m_dropped_below, piece.offset + piece.length);
        return true;
    });
    const std::uint64_t freed = oldest.capacity;
    m_arena -= freed;
    m_chunks.erase(m_chunks.begin());
    if (m_chunks.empty())
        m_chunk_used = 0; // the next copy starts a new chunk
    return freed;
}

std::size_t StreamBytes::find(std::uint64_t offset) const {
    auto it = std::upper_bound(
        m_pieces.begin(), m_pieces.end(), offset,
        [](std::uint64_t value, const Piece& piece) { return value < piece.offset; });
    if (it == m_pieces.begin())
        return m_pieces.size();
    --it;
    if (offset - it->offset >= it->length)
        return m_pieces.size();
    return static_cast<std::size_t>(it - m_pieces.begin());
}

bool StreamBytes::has(std::uint64_t offset) const {
    return find(offset) != m_pieces.size();
}

std::size_t StreamBytes::read(std::uint64_t offset, std::size_t length,
                              std::vector<std::byte>& out) const {
    out.clear();
    std::size_t index = find(offset);
    while (index < m_pieces.size() && out.size() < length) {
        const Piece& piece = m_pieces[index];
        if (piece.offset > offset)
            break; // a hole
        const std::uint64_t skip = offset - piece.offset;
        const std::size_t take = static_cast<std::size_t>(
            std::min<std::uint64_t>(piece.length - skip, length - out.size()));
        out.insert(out.end(), piece.data + skip, piece.data + skip + take);
        offset += take;
        ++index;
    }
    return out.size();
}

} // namespace sniff::store
