#pragma once
// Counting a one- or two-byte separator in a block of bytes, sixteen bytes a step where the CPU has
// SSE2. The delimiter framing's counting path uses it when no view wants each message: a Redis
// pipeline has a CRLF every ~30 bytes, and a call per line would cost more than reading the file.

#include "util/byte_reader.hpp"

#include <optional>
#include <string_view>

namespace sniff::dissect {

struct SeparatorCount {
    std::uint64_t count = 0; // separators in the block
    std::size_t end = 0;     // bytes up to and including the last one (0 when none)
};

// Occurrences of `separator` in bytes. Only for separators of one byte or of two different bytes,
// which cannot overlap themselves (so occurrences and messages are the same count); nullopt for
// any other separator.
std::optional<SeparatorCount> count_separators(util::Bytes bytes, std::string_view separator);

} // namespace sniff::dissect
