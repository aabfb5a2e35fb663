#pragma once
// The Internet checksum's sum (RFC 1071): 16-bit big-endian words added in ones' complement. The
// proxy's -w sums every byte it records, so the bulk is summed with SIMD where the CPU has it.

#include "util/byte_reader.hpp"

#include <cstdint>

namespace sniff::synth {

// The sum of bytes as big-endian 16-bit words (an odd last byte padded with a zero), added to
// sum and not yet folded. bytes may start at any address; parts summed one after the other give
// the sum of their concatenation as long as every part but the last has an even length.
std::uint32_t add_words(util::Bytes bytes, std::uint32_t sum = 0);

// Folds a sum to 16 bits and complements it: the value a header's checksum field holds.
std::uint16_t fold_checksum(std::uint32_t sum);

} // namespace sniff::synth
