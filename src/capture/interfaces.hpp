#pragma once
// The interfaces libpcap can capture on (sniff -D), with their flags and addresses, so the
// caller never needs <pcap.h>.

#include <optional>
#include <string>
#include <vector>

namespace sniff::capture {

struct InterfaceAddress {
    std::string family;  // "inet", "inet6", "link"
    std::string address; // "127.0.0.1", "::1", "02:fc:00:00:00:01"
    std::string netmask; // may be empty
};

struct InterfaceInfo {
    std::string name;
    std::string description; // may be empty (Linux rarely has one)
    std::vector<InterfaceAddress> addresses;
    bool loopback = false;
    bool up = false;
    bool running = false;
};

// pcap_findalldevs in libpcap's order (usable interfaces first); nullopt and error when it fails.
// An empty list usually means missing privilege on platforms that hide devices from users.
std::optional<std::vector<InterfaceInfo>> find_interfaces(std::string& error);

// "Up, Running, Loopback" from the flags.
std::string interface_flags_text(const InterfaceInfo& info);

} // namespace sniff::capture
