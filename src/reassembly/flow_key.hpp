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

namespace detail {

// An endpoint as three words; compared as integers, because the defaulted Endpoint ordering goes
// through std::array's byte-wise three-way compare, which is far too slow for every packet.
struct PackedEndpoint {
    std::uint64_t high = 0;
    std::uint64_t low = 0;
    std::uint64_t rest = 0; // port and IP version

    explicit PackedEndpoint(const model::Endpoint& endpoint) {
        std::memcpy(&high, endpoint.ip.bytes.data(), 8);
        std::memcpy(&low, endpoint.ip.bytes.data() + 8, 8);
        rest = std::uint64_t{endpoint.port} | std::uint64_t{endpoint.ip.version} << 16;
    }
    bool operator<(const PackedEndpoint& other) const {
        if (high != other.high)
            return high < other.high;
        if (low != other.low)
            return low < other.low;
        return rest < other.rest;
    }
};

} // namespace detail

// The key of a packet's flow; source_is_first tells whether the packet's source is the first
// endpoint of the canonical order (so the direction is known without comparing endpoints again).
// The order is arbitrary but fixed, which is all a key needs.
inline FlowKey make_flow_key(model::Protocol protocol, const model::Endpoint& source,
                             const model::Endpoint& destination, bool& source_is_first) {
    const detail::PackedEndpoint from(source);
    const detail::PackedEndpoint to(destination);
    source_is_first = !(to < from);
    const detail::PackedEndpoint& first = source_is_first ? from : to;
    const detail::PackedEndpoint& second = source_is_first ? to : from;
    FlowKey key;
    key.words = {first.high, first.low, second.high, second.low,
                 first.rest | second.rest << 24 |
                     std::uint64_t{static_cast<std::uint8_t>(protocol)} << 48};
    return key;
}

} // namespace sniff::reassembly
