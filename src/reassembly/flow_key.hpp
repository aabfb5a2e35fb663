#pragma once
// The flow table key: protocol and both endpoints, in a canonical order so that both directions
// of a conversation find the same entry. Packed into five 64-bit words so hashing and comparing
// are a handful of integer operations on the per-packet path.

#include "model/endpoint.hpp"

#include <array>
#include <cstdint>
#include <cstring>

namespace sniff::reassembly {

struct FlowKey {
    std::array<std::uint64_t, 5> words{};
    bool operator==(const FlowKey&) const = default;
};

struct FlowKeyHash {
    std::size_t operator()(const FlowKey& key) const {
        // Multiply-xorshift mixing per word: cheap, and spreads the low-entropy port word well.
        std::uint64_t hash = 0x9e3779b97f4a7c15ull;
        for (const std::uint64_t word : key.words) {
            hash ^= word + 0x9e3779b97f4a7c15ull + (hash << 6) + (hash >> 2);
            hash *= 0xff51afd7ed558ccdull;
            hash ^= hash >> 33;
        }
        return static_cast<std::size_t>(hash);
    }
};

// The key of a packet's flow; source_is_first tells whether the packet's source is the first
// endpoint of the canonical order (so the direction is known without comparing endpoints again).
inline FlowKey make_flow_key(model::Protocol protocol, const model::Endpoint& source,
                             const model::Endpoint& destination, bool& source_is_first) {
    source_is_first = !(destination < source);
    const model::Endpoint& first = source_is_first ? source : destination;
    const model::Endpoint& second = source_is_first ? destination : source;
    FlowKey key;
    std::memcpy(&key.words[0], first.ip.bytes.data(), 16);
    std::memcpy(&key.words[2], second.ip.bytes.data(), 16);
    key.words[4] = std::uint64_t{first.port} | std::uint64_t{second.port} << 16 |
                   std::uint64_t{first.ip.version} << 32 | std::uint64_t{second.ip.version} << 40 |
                   std::uint64_t{static_cast<std::uint8_t>(protocol)} << 48;
    return key;
}

} // namespace sniff::reassembly
