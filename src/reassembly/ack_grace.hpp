#pragma once

#include <cstdint>

namespace sniff::reassembly {

// How long a hole the peer acknowledged is still waited for; whichever ends first. A capture's
// local reordering moves a packet by a few frames, whatever the flow, so in a capture of many
// flows the frame bound ends the wait long before the flow's own packets do; a capture of one
// flow is bounded by its packets.
struct AckGrace {
    std::uint64_t packets = 64;  // packets of the flow
    std::uint64_t frames = 1024; // frames of the capture
};

} // namespace sniff::reassembly
