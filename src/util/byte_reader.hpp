#pragma once
// The one bounds-checked reader for untrusted bytes. Every parser in sniff reads packet, file and
// stream data through it: nothing else does pointer arithmetic on such data. A read past the end
// never touches memory; it sets the reader's failed flag and returns zero, so a parser can read a
// whole header and check ok() once.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

namespace sniff::util {

using Bytes = std::span<const std::byte>;

class ByteReader {
public:
    ByteReader() = default;
    explicit ByteReader(Bytes bytes) : m_bytes(bytes) {}

    [[nodiscard]] bool ok() const { return !m_failed; }
    [[nodiscard]] std::size_t remaining() const { return m_bytes.size() - m_pos; }
    [[nodiscard]] std::size_t position() const { return m_pos; }
    [[nodiscard]] Bytes rest() const { return m_bytes.subspan(m_pos); }
    [[nodiscard]] bool has(std::size_t count) const { return count <= remaining(); }

    std::uint8_t read_u8() { return static_cast<std::uint8_t>(read_uint(1, false)); }
    std::uint16_t read_be16() { return static_cast<std::uint16_t>(read_uint(2, false)); }
    std::uint16_t read_le16() { return static_cast<std::uint16_t>(read_uint(2, true)); }
    std::uint32_t read_be24() { return static_cast<std::uint32_t>(read_uint(3, false)); }
    std::uint32_t read_le24() { return static_cast<std::uint32_t>(read_uint(3, true)); }
    std::uint32_t read_be32() { return static_cast<std::uint32_t>(read_uint(4, false)); }
    std::uint32_t read_le32() { return static_cast<std::uint32_t>(read_uint(4, true)); }
    std::uint64_t read_be64() { return read_uint(8, false); }
    std::uint64_t read_le64() { return read_uint(8, true); }
    std::uint16_t read_u16(bool little_endian) { return little_endian ? read_le16() : read_be16(); }
    std::uint32_t read_u32(bool little_endian) { return little_endian ? read_le32() : read_be32(); }
    std::uint64_t read_u64(bool little_endian) { return little_endian ? read_le64() : read_be64(); }

    // Unsigned integer of 1..8 bytes in the given byte order.
    std::uint64_t read_uint(std::size_t size, bool little_endian) {
        if (size == 0 || size > 8 || !take_check(size))
            return 0;
        std::uint64_t value = 0;
        for (std::size_t i = 0; i < size; ++i) {
            const auto byte = std::to_integer<std::uint64_t>(m_bytes[m_pos + i]);
            value |= little_endian ? byte << (8 * i) : byte << (8 * (size - 1 - i));
        }
        m_pos += size;
        return value;
    }

    // The next count bytes, or an empty span (and failed) when fewer remain.
    Bytes take(std::size_t count) {
        if (!take_check(count))
            return {};
        const Bytes taken = m_bytes.subspan(m_pos, count);
        m_pos += count;
        return taken;
    }

    void skip(std::size_t count) { (void)take(count); }

    // Byte at position + ahead without consuming it; 0 and failed when out of range.
    std::uint8_t peek_u8(std::size_t ahead = 0) {
        if (ahead >= remaining()) {
            m_failed = true;
            return 0;
        }
        return std::to_integer<std::uint8_t>(m_bytes[m_pos + ahead]);
    }

private:
    bool take_check(std::size_t count) {
        if (m_failed || count > remaining()) {
            m_failed = true;
            return false;
        }
        return true;
    }

    Bytes m_bytes;
    std::size_t m_pos = 0;
    bool m_failed = false;
};

inline Bytes as_bytes(const void* data, std::size_t size) {
    return {static_cast<const std::byte*>(data), size};
}

} // namespace sniff::util
