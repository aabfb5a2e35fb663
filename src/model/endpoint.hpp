#pragma once
// Addresses, endpoints and the protocol of a flow: the vocabulary every layer shares.

#include <array>
#include <compare>
#include <cstdint>
#include <string>

namespace sniff::model {

enum class Protocol : std::uint8_t { tcp = 6, udp = 17 };

const char* protocol_name(Protocol protocol); // "tcp" / "udp"

struct IpAddress {
    std::uint8_t version = 4;             // 4 or 6
    std::array<std::uint8_t, 16> bytes{}; // IPv4 uses the first 4

    static IpAddress v4(std::uint32_t host_order);
    static IpAddress v6(const std::array<std::uint8_t, 16>& bytes);
    // Parses dotted IPv4 or textual IPv6 (no brackets); false when it is neither.
    static bool parse(const std::string& text, IpAddress& out);

    std::string to_string() const; // "1.2.3.4" / "::1"
    auto operator<=>(const IpAddress&) const = default;
};

struct Endpoint {
    IpAddress ip;
    std::uint16_t port = 0;

    std::string to_string() const; // "1.2.3.4:80" / "[::1]:80"
    auto operator<=>(const Endpoint&) const = default;
};

// Time of a packet or chunk in nanoseconds since the Unix epoch.
using Timestamp = std::int64_t;

} // namespace sniff::model
