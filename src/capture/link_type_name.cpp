#include "capture/link_type_name.hpp"

#include <array>
#include <pcap/pcap.h>
#include <utility>

namespace sniff::capture {

namespace {

// The link types whose LINKTYPE_ value differs from the DLT_ value libpcap names (RAW, LOOP) and
// the common ones, as tcpdump -r names them.
constexpr std::array<std::pair<std::uint32_t, const char*>, 14> k_link_names{{
    {0, "NULL"},
    {1, "EN10MB"},
    {101, "RAW"},
    {105, "IEEE802_11"},
    {108, "LOOP"},
    {113, "LINUX_SLL"},
    {127, "IEEE802_11_RADIOTAP"},
    {147, "USER0"},
    {195, "IEEE802_15_4"},
    {220, "USB_LINUX_MMAPPED"},
    {228, "IPV4"},
    {229, "IPV6"},
    {249, "NETLINK"},
    {276, "LINUX_SLL2"},
}};

} // namespace

std::string link_type_name(std::uint32_t link_type) {
    for (const auto& [value, name] : k_link_names)
        if (value == link_type)
            return std::string(name) + " (" + std::to_string(link_type) + ")";
    if (const char* name = pcap_datalink_val_to_name(static_cast<int>(link_type)))
        return std::string(name) + " (" + std::to_string(link_type) + ")";
    return "link type " + std::to_string(link_type);
}

} // namespace sniff::capture
