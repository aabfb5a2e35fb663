#pragma once
// Internal helpers of the capture writers: opening ("-" is standard output), writing with
// error capture, closing, and a fixed buffer that encodes header fields in a chosen byte order.

#include "model/endpoint.hpp"
#include "util/byte_reader.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

namespace sniff::capture::detail {

// The stdio buffer of a capture file: glibc ignores the size given to setvbuf without a buffer
// (it would use 4 KiB), so the writer owns one of this size; it must outlive the FILE.
inline constexpr std::size_t k_output_buffer_size = 1 << 18;
using OutputBuffer = std::unique_ptr<char[]>;

// On failure returns null and sets error. owns is false for standard output, which is flushed
// but never closed (and keeps its own buffer). buffer is allocated on first use.
std::FILE* open_output(const std::string& path, bool& owns, std::string& error,
                       OutputBuffer& buffer);
// Writes all bytes; on failure sets error (if not already set) and returns false.
bool write_output(std::FILE* file, util::Bytes bytes, std::string& error);
// Flushes and closes (if owned); file becomes null. Returns whether everything was written.
bool close_output(std::FILE*& file, bool owns, std::string& error);

// Whole records only reach the file: before a record of size bytes is buffered, the buffer is
// flushed if the record would not fit in what is left of it, so stdio never spills half a record
// (a file cut short by kill -9 ends on a record boundary). pending counts the bytes buffered.
// (Standard output keeps stdio's own buffer, which may still spill part of a record.)
// Returns false and sets error if the flush failed.
bool begin_record(std::FILE* file, std::size_t& pending, std::size_t size, std::string& error);
// Hands the buffered records to the kernel (they survive a crash of the process from then on).
bool flush_output(std::FILE* file, std::size_t& pending, std::string& error);

// Splits a time into whole seconds and the nanoseconds after them, rounding towards -infinity
// so the nanoseconds are never negative.
struct SplitTime {
    std::int64_t seconds;
    std::uint32_t nanoseconds;
};
SplitTime split_time(model::Timestamp time);

// Header fields are assembled here and written with one call; 64 bytes cover every header the
// writers produce (the largest is the pcapng interface description, 32 bytes).
class FieldEncoder {
public:
    explicit FieldEncoder(bool big_endian) : m_big_endian(big_endian) {}

    void put8(std::uint8_t value) { put(value, 1); }
    void put16(std::uint16_t value) { put(value, 2); }
    void put32(std::uint32_t value) { put(value, 4); }
    void put64(std::uint64_t value) { put(value, 8); }
    void pad_to_32_bits() {
        while (m_size % 4 != 0)
            put(0, 1);
    }
    util::Bytes bytes() const { return {m_bytes.data(), m_size}; }

private:
    void put(std::uint64_t value, std::size_t size) {
        if (m_size + size > m_bytes.size())
            return; // callers stay far below the capacity; this only guards against misuse
        for (std::size_t i = 0; i < size; ++i) {
            const std::size_t shift = 8 * (m_big_endian ? size - 1 - i : i);
            m_bytes[m_size + i] = static_cast<std::byte>((value >> shift) & 0xFF);
        }
        m_size += size;
    }

    std::array<std::byte, 64> m_bytes{};
    std::size_t m_size = 0;
    bool m_big_endian;
};

} // namespace sniff::capture::detail
