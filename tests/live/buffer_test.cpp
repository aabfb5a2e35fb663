// -B KIB reaches libpcap: the capture's packet ring is a shared mapping of its socket in sniff's
// address space (/proc/PID/maps names it "socket:[inode]"), so its size can be read there.

#include "live/live_support.hpp"

#include <fstream>
#include <sstream>

using namespace sniff::test;
using namespace sniff::test::live;
using namespace std::chrono_literals;

namespace {

// Bytes of every mapping of a socket in the process.
std::uint64_t socket_mapping_bytes(pid_t pid) {
    std::ifstream maps("/proc/" + std::to_string(pid) + "/maps");
    std::uint64_t total = 0;
    std::string line;
    while (std::getline(maps, line)) {
        if (line.find("socket:[") == std::string::npos)
            continue;
        std::istringstream range(line.substr(0, line.find(' ')));
        std::uint64_t from = 0;
        std::uint64_t to = 0;
        char dash = 0;
        range >> std::hex >> from >> dash >> to;
        total += to - from;
    }
    return total;
}

std::uint64_t ring_bytes(const std::filesystem::path& dir, const std::string& options,
                         const std::string& name) {
    Background sniff(sniff_bin() + " -q -i lo " + options + " -f 'tcp port 9'", dir, name);
    REQUIRE(sniff.wait_for_err("listening on lo", 10s));
    const std::uint64_t bytes = socket_mapping_bytes(sniff.pid());
    sniff.signal(SIGINT);
    CHECK(sniff.wait(10s) == 0);
    return bytes;
}

} // namespace

TEST_CASE("option -B sets the size of the live capture's packet ring", "[live]") {
    LIVE_REQUIRE_ROOT();
    const auto dir = scratch_dir("live-buffer");
    constexpr std::uint64_t mib = 1 << 20;
    const auto standard = ring_bytes(dir, "", "default");
    const auto large = ring_bytes(dir, "-B 65536", "large");
    const auto small = ring_bytes(dir, "-B 1024", "small");
    INFO("ring: default " << standard / mib << " MiB, -B 65536 " << large / mib << " MiB, -B 1024 "
                          << small / mib << " MiB");
    CHECK(standard >= 8 * mib);
    CHECK(large >= 64 * mib);
    CHECK(small >= 1 * mib);
    CHECK(small < standard);
    CHECK(standard < large);
}
