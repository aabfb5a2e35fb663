#include "cli/version_text.hpp"

#include "capture/library_version.hpp"
#include "cli/git_revision.hpp" // generated into the build folder at build time
#include "tui/library_version.hpp"

#include <algorithm>
#include <boost/version.hpp>

namespace sniff::cli {

namespace {

// BOOST_LIB_VERSION spells 1.83 as "1_83".
std::string boost_version() {
    std::string version = BOOST_LIB_VERSION;
    std::replace(version.begin(), version.end(), '_', '.');
    return version;
}

} // namespace

std::string version_text() {
    std::string text = "sniff " SNIFF_VERSION " (git " SNIFF_GIT_REVISION ")\n";
    text += "libpcap: " + capture::pcap_library_version() + "\n";
    text += "Boost: " + boost_version() + " (headers, at build time)\n";
    text += "ncurses: " + tui::curses_library_version() + "\n";
    return text;
}

} // namespace sniff::cli
