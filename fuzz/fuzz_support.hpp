#pragma once
// Helpers shared by the fuzz targets: a cursor that turns fuzzer bytes into choices (never reading
// past the end: missing bytes read as zero), and a check that aborts with a message, so a broken
// invariant is a crash libFuzzer reports and the replay test fails on.

#include "util/byte_reader.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace sniff::fuzz {

class Input {
public:
    Input(const std::uint8_t* data, std::size_t size) : m_data(data), m_size(size) {}

    std::size_t remaining() const { return m_size - m_pos; }
    bool empty() const { return m_pos == m_size; }
    std::uint8_t u8() { return m_pos < m_size ? m_data[m_pos++] : 0; }
    std::uint16_t u16() { return static_cast<std::uint16_t>(u8() | (u8() << 8)); }
    std::uint32_t u32() { return static_cast<std::uint32_t>(u16()) | (std::uint32_t{u16()} << 16); }
    // Up to `count` bytes (fewer at the end of the input), as a view into the input.
    util::Bytes take(std::size_t count) {
        const std::size_t n = count < remaining() ? count : remaining();
        const util::Bytes out = util::as_bytes(m_data + m_pos, n);
        m_pos += n;
        return out;
    }
    util::Bytes rest() { return take(remaining()); }

private:
    const std::uint8_t* m_data;
    std::size_t m_size;
    std::size_t m_pos = 0;
};

// Reads every byte of a view so ASan sees a view that points outside its storage.
inline std::uint32_t touch(util::Bytes bytes) {
    std::uint32_t sum = 0;
    for (const std::byte b : bytes)
        sum += static_cast<std::uint32_t>(b);
    return sum;
}

[[noreturn]] inline void invariant_failed(const char* what, const char* file, int line) {
    std::fprintf(stderr, "%s:%d: invariant broken: %s\n", file, line, what);
    std::abort();
}

} // namespace sniff::fuzz

#define SNIFF_FUZZ_CHECK(condition)                                                                \
    do {                                                                                           \
        if (!(condition))                                                                          \
            ::sniff::fuzz::invariant_failed(#condition, __FILE__, __LINE__);                       \
    } while (false)
