#include "cli/main.hpp"

int main(int argc, char** argv) {
    return sniff::cli::run(argc, argv);
}
