#pragma once

#include <cstdint>
#include <string>

namespace sniff::capture {

// Human name of a LINKTYPE_* value ("EN10MB (1)", "LINUX_SLL2 (276)", ...): the names tcpdump
// prints, then libpcap's own table, then "link type N".
std::string link_type_name(std::uint32_t link_type);

} // namespace sniff::capture
