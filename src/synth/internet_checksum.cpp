#include "synth/internet_checksum.hpp"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace sniff::synth {

namespace {

// A big-endian word is 256 * (byte at an even offset) + (byte at the odd offset after it), so
// the sum of all words is 256 * (sum of even-offset bytes) + (sum of odd-offset bytes): two plain
// byte sums, which SIMD computes with PSADBW (sum of absolute differences against zero).
struct ByteSums {
    std::uint64_t even = 0;
    std::uint64_t odd = 0;
};

// Adds bytes [from, size) one by one; from is even, so offsets keep their parity.
void add_bytes(const unsigned char* data, std::size_t from, std::size_t size, ByteSums& sums) {
    for (std::size_t i = from; i < size; ++i)
        (i % 2 == 0 ? sums.even : sums.odd) += data[i];
}

#if defined(__x86_64__) && defined(__GNUC__)
#define SNIFF_CHECKSUM_AVX2 1
// Returns how many bytes it summed (a multiple of 32).
__attribute__((target("avx2"))) std::size_t add_bytes_avx2(const unsigned char* data,
                                                           std::size_t size, ByteSums& sums) {
    const __m256i zero = _mm256_setzero_si256();
    const __m256i low_bytes = _mm256_set1_epi16(0x00ff);
    __m256i even = zero;
    __m256i odd = zero;
    std::size_t i = 0;
    for (; i + 32 <= size; i += 32) {
        const __m256i block = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(data + i));
        even = _mm256_add_epi64(even, _mm256_sad_epu8(_mm256_and_si256(block, low_bytes), zero));
        odd = _mm256_add_epi64(odd, _mm256_sad_epu8(_mm256_srli_epi16(block, 8), zero));
    }
    alignas(32) std::uint64_t lanes[4];
    _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), even);
    sums.even += lanes[0] + lanes[1] + lanes[2] + lanes[3];
    _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), odd);
    sums.odd += lanes[0] + lanes[1] + lanes[2] + lanes[3];
    return i;
}
#endif

#if defined(__SSE2__)
std::size_t add_bytes_sse2(const unsigned char* data, std::size_t size, ByteSums& sums) {
    const __m128i zero = _mm_setzero_si128();
    const __m128i low_bytes = _mm_set1_epi16(0x00ff);
    __m128i even = zero;
    __m128i odd = zero;
    std::size_t i = 0;
    for (; i + 16 <= size; i += 16) {
        const __m128i block = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + i));
        even = _mm_add_epi64(even, _mm_sad_epu8(_mm_and_si128(block, low_bytes), zero));
        odd = _mm_add_epi64(odd, _mm_sad_epu8(_mm_srli_epi16(block, 8), zero));
    }
    alignas(16) std::uint64_t lanes[2];
    _mm_store_si128(reinterpret_cast<__m128i*>(lanes), even);
    sums.even += lanes[0] + lanes[1];
    _mm_store_si128(reinterpret_cast<__m128i*>(lanes), odd);
    sums.odd += lanes[0] + lanes[1];
    return i;
}
#endif

// Bytes summed with the widest SIMD the CPU has; the rest is left to add_bytes.
std::size_t add_bytes_simd(const unsigned char* data, std::size_t size, ByteSums& sums) {
#if defined(SNIFF_CHECKSUM_AVX2)
    static const bool has_avx2 = __builtin_cpu_supports("avx2");
    if (has_avx2)
        return add_bytes_avx2(data, size, sums);
#endif
#if defined(__SSE2__)
    return add_bytes_sse2(data, size, sums);
#else
    (void)data;
    (void)size;
    (void)sums;
    return 0;
#endif
}

} // namespace

std::uint32_t add_words(util::Bytes bytes, std::uint32_t sum) {
    const auto* data = reinterpret_cast<const unsigned char*>(bytes.data());
    ByteSums sums;
    // Short headers are not worth the dispatch.
    const std::size_t summed = bytes.size() >= 64 ? add_bytes_simd(data, bytes.size(), sums) : 0;
    add_bytes(data, summed, bytes.size(), sums);
    // Below 2^64 for any buffer under 2^48 bytes. Folded to 16 bits (which keeps the value
    // modulo 2^16 - 1, all the checksum needs), so a caller can add more words without overflow.
    std::uint64_t total = (sums.even << 8) + sums.odd + sum;
    while (total >> 16)
        total = (total & 0xffff) + (total >> 16);
    return static_cast<std::uint32_t>(total);
}

std::uint16_t fold_checksum(std::uint32_t sum) {
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<std::uint16_t>(~sum);
}

} // namespace sniff::synth
