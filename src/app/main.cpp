#include "app/main.hpp"

#include <cstdio>

namespace sniff::app {

int run(int, char**) {
    std::puts("sniff " SNIFF_VERSION);
    return 0;
}

} // namespace sniff::app
