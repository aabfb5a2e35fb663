#include "capture/interfaces.hpp"

#include <arpa/inet.h>
#include <array>
#include <cstdio>
#include <linux/if_packet.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <sys/socket.h>

namespace sniff::capture {

namespace {

// Text of an address libpcap reports; empty for families we do not show.
std::string address_text(const sockaddr* address, std::string& family) {
    if (address == nullptr)
        return {};
    std::array<char, INET6_ADDRSTRLEN> text{};
    switch (address->sa_family) {
    case AF_INET: {
        family = "inet";
        const auto* in = reinterpret_cast<const sockaddr_in*>(address);
        return inet_ntop(AF_INET, &in->sin_addr, text.data(), text.size()) ? text.data() : "";
    }
    case AF_INET6: {
        family = "inet6";
        const auto* in6 = reinterpret_cast<const sockaddr_in6*>(address);
        return inet_ntop(AF_INET6, &in6->sin6_addr, text.data(), text.size()) ? text.data() : "";
    }
    case AF_PACKET: {
        family = "link";
        const auto* link = reinterpret_cast<const sockaddr_ll*>(address);
        std::string mac;
        // sll_halen is the kernel's, but clamp it to the array it describes anyway.
        for (unsigned i = 0; i < link->sll_halen && i < sizeof link->sll_addr; ++i) {
            std::array<char, 4> byte{};
            std::snprintf(byte.data(), byte.size(), i == 0 ? "%02x" : ":%02x", link->sll_addr[i]);
            mac += byte.data();
        }
        return mac;
    }
    default:
        return {};
    }
}

InterfaceInfo describe(const pcap_if_t& device) {
    InterfaceInfo info;
    info.name = device.name;
    info.description = device.description != nullptr ? device.description : "";
    info.loopback = (device.flags & PCAP_IF_LOOPBACK) != 0;
    info.up = (device.flags & PCAP_IF_UP) != 0;
    info.running = (device.flags & PCAP_IF_RUNNING) != 0;
    for (const pcap_addr_t* entry = device.addresses; entry != nullptr; entry = entry->next) {
        InterfaceAddress address;
        address.address = address_text(entry->addr, address.family);
        if (address.address.empty())
            continue;
        std::string mask_family;
        address.netmask = address_text(entry->netmask, mask_family);
        info.addresses.push_back(std::move(address));
    }
    return info;
}

} // namespace

std::optional<std::vector<InterfaceInfo>> find_interfaces(std::string& error) {
    std::array<char, PCAP_ERRBUF_SIZE> errbuf{};
    pcap_if_t* devices = nullptr;
    if (pcap_findalldevs(&devices, errbuf.data()) != 0) {
        error = errbuf.data();
        return std::nullopt;
    }
    std::vector<InterfaceInfo> interfaces;
    for (const pcap_if_t* device = devices; device != nullptr; device = device->next)
        interfaces.push_back(describe(*device));
    pcap_freealldevs(devices);
    return interfaces;
}

std::string interface_flags_text(const InterfaceInfo& info) {
    std::string text = info.up ? "Up" : "Down";
    if (info.running)
        text += ", Running";
    if (info.loopback)
        text += ", Loopback";
    return text;
}

} // namespace sniff::capture
