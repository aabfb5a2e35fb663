#include "dissectors/separator_count.hpp"

#include <algorithm>
#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace sniff::dissect {

namespace {

// Counts positions i in [0, size) with data[i] == first and (pair: data[i + 1] == second); with a
// pair, i + 1 < size. Every load stays inside [data, data + size). Vector steps count each hit as 1
// in a byte lane (a compare gives -1; subtracting it adds 1) and sum the lanes into 64-bit totals
// every 255 steps, before a byte could overflow.
std::uint64_t count_tail(const unsigned char* data, std::size_t size, std::size_t i,
                         unsigned char first, bool pair, unsigned char second) {
    std::uint64_t count = 0;
    for (; i + (pair ? 1 : 0) < size; ++i)
        count += data[i] == first && (!pair || data[i + 1] == second);
    return count;
}

#if defined(__x86_64__) && defined(__GNUC__)
#define SNIFF_COUNT_AVX2 1
// The same with 32-byte steps, for CPUs that have AVX2 (checked at run time).
__attribute__((target("avx2"))) std::uint64_t count_positions_avx2(const unsigned char* data,
                                                                   std::size_t size,
                                                                   unsigned char first, bool pair,
                                                                   unsigned char second) {
    const std::size_t reach = pair ? 33 : 32;
    const __m256i firsts = _mm256_set1_epi8(static_cast<char>(first));
    const __m256i seconds = _mm256_set1_epi8(static_cast<char>(second));
    const __m256i zero = _mm256_setzero_si256();
    __m256i totals = zero;
    std::size_t i = 0;
    while (i + reach <= size) {
        const std::size_t steps = std::min<std::size_t>(255, (size - reach - i) / 32 + 1);
        __m256i lanes = zero;
        for (std::size_t step = 0; step < steps; ++step, i += 32) {
            const __m256i here = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(data + i));
            __m256i hits = _mm256_cmpeq_epi8(here, firsts);
            if (pair) {
                const __m256i next =
                    _mm256_loadu_si256(reinterpret_cast<const __m256i*>(data + i + 1));
                hits = _mm256_and_si256(hits, _mm256_cmpeq_epi8(next, seconds));
            }
            lanes = _mm256_sub_epi8(lanes, hits);
        }
        totals = _mm256_add_epi64(totals, _mm256_sad_epu8(lanes, zero));
    }
    alignas(32) std::uint64_t parts[4];
    _mm256_store_si256(reinterpret_cast<__m256i*>(parts), totals);
    return parts[0] + parts[1] + parts[2] + parts[3] +
           count_tail(data, size, i, first, pair, second);
}
#endif

std::uint64_t count_positions(const unsigned char* data, std::size_t size, unsigned char first,
                              bool pair, unsigned char second) {
#if defined(SNIFF_COUNT_AVX2)
    static const bool has_avx2 = __builtin_cpu_supports("avx2");
    if (has_avx2)
        return count_positions_avx2(data, size, first, pair, second);
#endif
    std::size_t i = 0;
    std::uint64_t count = 0;
#if defined(__SSE2__)
    const std::size_t reach = pair ? 17 : 16; // bytes a vector step reads from i
    const __m128i firsts = _mm_set1_epi8(static_cast<char>(first));
    const __m128i seconds = _mm_set1_epi8(static_cast<char>(second));
    const __m128i zero = _mm_setzero_si128();
    __m128i totals = zero;
    while (i + reach <= size) {
        const std::size_t steps = std::min<std::size_t>(255, (size - reach - i) / 16 + 1);
        __m128i lanes = zero;
        for (std::size_t step = 0; step < steps; ++step, i += 16) {
            const __m128i here = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + i));
            __m128i hits = _mm_cmpeq_epi8(here, firsts);
            if (pair) {
                const __m128i next =
                    _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + i + 1));
                hits = _mm_and_si128(hits, _mm_cmpeq_epi8(next, seconds));
            }
            lanes = _mm_sub_epi8(lanes, hits);
        }
        totals = _mm_add_epi64(totals, _mm_sad_epu8(lanes, zero));
    }
    count += static_cast<std::uint64_t>(_mm_cvtsi128_si64(totals)) +
             static_cast<std::uint64_t>(_mm_cvtsi128_si64(_mm_unpackhi_epi64(totals, totals)));
#endif
    return count + count_tail(data, size, i, first, pair, second);
}

// Bytes up to and including the last occurrence, or 0.
std::size_t last_end(const unsigned char* data, std::size_t size, std::string_view separator) {
    const auto last = static_cast<unsigned char>(separator.back());
    for (std::size_t end = size; end >= separator.size();) {
        const void* hit = memrchr(data, last, end);
        if (hit == nullptr)
            return 0;
        end = static_cast<std::size_t>(static_cast<const unsigned char*>(hit) - data) + 1;
        if (end >= separator.size() &&
            std::memcmp(data + end - separator.size(), separator.data(), separator.size()) == 0)
            return end;
        --end; // look before this byte
    }
    return 0;
}

} // namespace

std::optional<SeparatorCount> count_separators(util::Bytes bytes, std::string_view separator) {
    const bool pair = separator.size() == 2;
    if (separator.empty() || separator.size() > 2 || (pair && separator[0] == separator[1]))
        return std::nullopt;
    const auto* data = reinterpret_cast<const unsigned char*>(bytes.data());
    SeparatorCount result;
    result.end = last_end(data, bytes.size(), separator);
    if (result.end != 0)
        result.count = count_positions(data, result.end, static_cast<unsigned char>(separator[0]),
                                       pair, pair ? static_cast<unsigned char>(separator[1]) : 0);
    return result;
}

} // namespace sniff::dissect
