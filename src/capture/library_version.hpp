#pragma once
// The libpcap sniff runs with, for `sniff --version` (only src/capture includes <pcap.h>).

#include <string>

namespace sniff::capture {

// pcap_lib_version()'s text, e.g. "libpcap version 1.10.3 (with TPACKET_V3)".
std::string pcap_library_version();

} // namespace sniff::capture
