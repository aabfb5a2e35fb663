#include "dissectors/separator_count.hpp"

#include <cstdint>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace sniff::dissect {

namespace {

// The positions i in [0, size) with data[i] == first and (pair: data[i + 1] == second; with a
// pair, i + 1 < size): how many, and one past the last (0 when none). One forward pass: the last
// position comes from the same vector compares that count, so a block is read once, front to
// back, as the hardware prefetcher likes (a backward search for the last one first cost 13 % of
// --framing crlf). Every load stays inside [data, data + size).
struct Positions {
    std::uint64_t count = 0;
    std::size_t after_last = 0;
};

void scan_tail(const unsigned char* data, std::size_t size, std::size_t i, unsigned char first,
               bool pair, unsigned char second, Positions& found) {
    for (; i + (pair ? 1 : 0) < size; ++i)
        if (data[i] == first && (!pair || data[i + 1] == second)) {
            ++found.count;
            found.after_last = i + 1;
        }
}

// The hits of one vector step: bit k of mask is position i + k.
void add_hits(std::uint32_t mask, std::size_t i, Positions& found) {
    if (mask == 0)
        return;
    found.count += static_cast<std::uint64_t>(__builtin_popcount(mask));
    found.after_last = i + 32 - static_cast<std::size_t>(__builtin_clz(mask));
}

#if defined(__x86_64__) && defined(__GNUC__)
#define SNIFF_COUNT_AVX2 1
// 32-byte steps, for CPUs that have AVX2 (checked at run time).
__attribute__((target("avx2"))) Positions scan_avx2(const unsigned char* data, std::size_t size,
                                                    unsigned char first, bool pair,
                                                    unsigned char second) {
    const std::size_t reach = pair ? 33 : 32; // bytes a step reads from i
    const __m256i firsts = _mm256_set1_epi8(static_cast<char>(first));
    const __m256i seconds = _mm256_set1_epi8(static_cast<char>(second));
    Positions found;
    std::size_t i = 0;
    for (; i + reach <= size; i += 32) {
        const __m256i here = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(data + i));
        __m256i hits = _mm256_cmpeq_epi8(here, firsts);
        if (pair) {
            const __m256i next = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(data + i + 1));
            hits = _mm256_and_si256(hits, _mm256_cmpeq_epi8(next, seconds));
        }
        add_hits(static_cast<std::uint32_t>(_mm256_movemask_epi8(hits)), i, found);
    }
    scan_tail(data, size, i, first, pair, second, found);
    return found;
}
#endif

Positions scan(const unsigned char* data, std::size_t size, unsigned char first, bool pair,
               unsigned char second) {
#if defined(SNIFF_COUNT_AVX2)
    static const bool has_avx2 = __builtin_cpu_supports("avx2");
    if (has_avx2)
        return scan_avx2(data, size, first, pair, second);
#endif
    Positions found;
    std::size_t i = 0;
#if defined(__SSE2__)
    const std::size_t reach = pair ? 17 : 16;
    const __m128i firsts = _mm_set1_epi8(static_cast<char>(first));
    const __m128i seconds = _mm_set1_epi8(static_cast<char>(second));
    for (; i + reach <= size; i += 16) {
        const __m128i here = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + i));
        __m128i hits = _mm_cmpeq_epi8(here, firsts);
        if (pair) {
            const __m128i next = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + i + 1));
            hits = _mm_and_si128(hits, _mm_cmpeq_epi8(next, seconds));
        }
        add_hits(static_cast<std::uint32_t>(_mm_movemask_epi8(hits)), i, found);
    }
#endif
    scan_tail(data, size, i, first, pair, second, found);
    return found;
}

} // namespace

std::optional<SeparatorCount> count_separators(util::Bytes bytes, std::string_view separator) {
    const bool pair = separator.size() == 2;
    if (separator.empty() || separator.size() > 2 || (pair && separator[0] == separator[1]))
        return std::nullopt;
    const auto* data = reinterpret_cast<const unsigned char*>(bytes.data());
    const Positions found = scan(data, bytes.size(), static_cast<unsigned char>(separator[0]), pair,
                                 pair ? static_cast<unsigned char>(separator[1]) : 0);
    SeparatorCount result;
    result.count = found.count;
    // One past the last position is one past its first byte.
    result.end = found.count == 0 ? 0 : found.after_last - 1 + separator.size();
    return result;
}

} // namespace sniff::dissect
