#pragma once
// A captured frame as a source hands it over: link type, times, and a view of its bytes. The view
// points into the source's storage (the mapped file, libpcap's buffer) and is valid only until
// the source's next call, unless the packet says it is stable.

#include "model/endpoint.hpp"
#include "util/byte_reader.hpp"

#include <cstdint>

namespace sniff::capture {

// LINKTYPE_* values from the pcap/pcapng link-layer type registry.
namespace linktype {
inline constexpr std::uint32_t null = 0, ethernet = 1, raw = 101, loop = 108, linux_sll = 113,
                               ipv4 = 228, ipv6 = 229, linux_sll2 = 276;
}

struct RawPacket {
    std::uint64_t frame = 0;   // 1-based, in file order across sections and interfaces
    model::Timestamp time = 0; // ns since the epoch
    std::uint32_t link_type = 0;
    std::uint32_t interface_id = 0;
    std::uint32_t original_length = 0; // length on the wire; > data.size() when cut by snaplen
    util::Bytes data;
    // data stays valid and unchanged for as long as the source lives (a memory-mapped file), so a
    // consumer may keep a view of it past the next call instead of copying it.
    bool stable = false;
};

} // namespace sniff::capture
