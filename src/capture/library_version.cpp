#include "capture/library_version.hpp"

#include <pcap.h>

namespace sniff::capture {

std::string pcap_library_version() {
    return pcap_lib_version();
}

} // namespace sniff::capture
