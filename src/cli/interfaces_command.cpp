#include "cli/interfaces_command.hpp"

#include "capture/interfaces.hpp"

#include <cstdio>

namespace sniff::cli {

int list_interfaces() {
    std::string error;
    const auto interfaces = capture::find_interfaces(error);
    if (!interfaces) {
        std::fprintf(stderr, "sniff: cannot list interfaces: %s\n", error.c_str());
        return 1;
    }
    if (interfaces->empty())
        std::fputs("sniff: no interfaces found (capturing may need root or CAP_NET_RAW)\n", stderr);
    int number = 0;
    for (const auto& info : *interfaces) {
        std::printf("%d. %s", ++number, info.name.c_str());
        if (!info.description.empty())
            std::printf(" (%s)", info.description.c_str());
        std::printf(" [%s]\n", capture::interface_flags_text(info).c_str());
        for (const auto& address : info.addresses) {
            std::printf("    %s %s", address.family.c_str(), address.address.c_str());
            if (!address.netmask.empty())
                std::printf(" netmask %s", address.netmask.c_str());
            std::putchar('\n');
        }
    }
    return 0;
}

} // namespace sniff::cli
