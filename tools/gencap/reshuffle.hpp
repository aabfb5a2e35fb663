#pragma once
// Rewrites an existing capture (pcap or pcapng, e.g. one recorded from real programs) with its
// frames locally reordered and optionally dropped, as a busy capturing host would have recorded
// the same traffic (LossyWriter). A test then checks that sniff finds the same messages in both:
// reassembly must undo any local reordering, and the dissectors must not depend on the order
// in which the two directions' bytes arrive. Only frames with transport payload are moved or
// dropped: a capture whose first packets of a connection come before its SYN and SYN+ACK names
// the first sender the client, which a reordered handshake would change.

#include "gencap/lossy_writer.hpp"

#include <string>

namespace sniff::gencap {

// Writes `out` (pcap with the input's first link type, nanosecond times); throws
// std::runtime_error when the input cannot be read or the output written.
LossCounts reshuffle_capture(const std::string& in, const std::string& out,
                             const LossOptions& loss);

} // namespace sniff::gencap
