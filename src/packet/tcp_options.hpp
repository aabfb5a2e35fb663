#pragma once
// The TCP options sniff reads: only the window scale (RFC 7323 section 2), which a SYN or SYN+ACK
// carries and which multiplies every later window its sender advertises.
//
// Options are untrusted bytes: a list that is cut, declares a length below 2 or runs past the
// header ends the walk without a value, and never reads outside the span it was given.

#include "util/byte_reader.hpp"

#include <cstdint>
#include <optional>

namespace sniff::packet {

// RFC 7323 section 2.3: a shift above 14 is used as 14.
inline constexpr std::uint8_t k_max_window_shift = 14;

// The shift count of the first well-formed window scale option (kind 3, length 3) in options,
// the bytes between the fixed TCP header and the payload, as it was sent (not capped). nullopt
// when there is none, or when the list is malformed before one is found.
std::optional<std::uint8_t> find_window_scale(util::Bytes options);

} // namespace sniff::packet
