#pragma once
// The bytes of one flow direction, kept for a viewer without copying when possible. A piece whose
// bytes lie inside a stable region (the memory-mapped capture file) is stored as an offset into
// that region; any other piece is copied into an append-only arena of fixed-size chunks, so
// stored bytes never move and a 1 GB stream costs no copy when it comes from a mapped file.
//
// Offsets are stream offsets: gaps (bytes never seen) are holes between pieces.
//
// Arena chunks grow from k_first_chunk to k_chunk_size, so a flow of a few bytes costs a few KiB.
// A live source bounds memory by dropping the oldest chunk (drop_oldest_chunk): its bytes become
// holes, exactly like bytes never seen, and dropped_bytes() counts them.

#include "util/byte_reader.hpp"

#include <cstdint>
#include <memory>
#include <vector>

namespace sniff::store {

class StreamBytes {
public:
    // region: bytes that stay valid and unchanged while this object lives (may be empty).
    explicit StreamBytes(util::Bytes region = {}) : m_region(region) {}

    // Records bytes at stream offset `offset`. Offsets must not decrease; an overlap with bytes
    // already stored is ignored (reassembly delivers each byte once).
    void append(std::uint64_t offset, util::Bytes bytes);

    // Copies the stored bytes of [offset, offset + length) that are contiguous from offset into
    // out (replacing its content); stops at the first missing byte. Returns out.size().
    std::size_t read(std::uint64_t offset, std::size_t length, std::vector<std::byte>& out) const;
    std::vector<std::byte> read(std::uint64_t offset, std::size_t length) const {
        std::vector<std::byte> out;
        read(offset, length, out);
        return out;
    }
    // True when the byte at offset was stored.
    bool has(std::uint64_t offset) const;
    // Stream offset just past the last stored byte.
    std::uint64_t end() const { return m_end; }
    // Bytes stored by reference and by copy (for tests and the status line).
    std::uint64_t referenced_bytes() const { return m_referenced; }
    std::uint64_t copied_bytes() const { return m_copied; }
    // Memory held by the arena (chunk capacities), and copied bytes given up to stay in budget.
    std::uint64_t arena_bytes() const { return m_arena; }
    std::uint64_t dropped_bytes() const { return m_dropped; }
    // Stream offset below which copied bytes were dropped (0 when none were).
    std::uint64_t dropped_below() const { return m_dropped_below; }
    // Frees the oldest arena chunk; its bytes read as missing from now on. Returns the memory
    // freed (0 when there is no chunk).
    std::uint64_t drop_oldest_chunk();
    // Caps the size of new arena chunks (between k_first_chunk and k_chunk_size), so a small
    // budget is not blown by one chunk.
    void set_max_chunk(std::size_t bytes) {
        m_max_chunk = bytes < k_first_chunk  ? k_first_chunk
                      : bytes > k_chunk_size ? k_chunk_size
                                             : bytes;
    }

    static constexpr std::size_t k_first_chunk = 4u << 10;
    static constexpr std::size_t k_chunk_size = 1u << 20;

private:
    struct Piece {
        std::uint64_t offset = 0; // stream offset
        std::uint64_t length = 0;
        const std::byte* data = nullptr; // into the region or an arena chunk
    };
    // Index of the piece holding offset, or pieces.size().
    std::size_t find(std::uint64_t offset) const;
    void add_piece(std::uint64_t offset, util::Bytes bytes);
    void copy_in(std::uint64_t offset, util::Bytes bytes);

    util::Bytes m_region;
    std::vector<Piece> m_pieces;
    struct Chunk {
        std::unique_ptr<std::byte[]> data;
        std::size_t capacity = 0;
    };
    std::vector<Chunk> m_chunks;
    std::size_t m_chunk_used = 0; // bytes used in the last chunk
    std::size_t m_next_capacity = k_first_chunk;
    std::size_t m_max_chunk = k_chunk_size;
    std::uint64_t m_end = 0;
    std::uint64_t m_arena = 0;
    std::uint64_t m_dropped = 0;
    std::uint64_t m_dropped_below = 0;
    std::uint64_t m_referenced = 0;
    std::uint64_t m_copied = 0;
};

} // namespace sniff::store
