#include "app/main.hpp"

int main(int argc, char** argv) {
    return sniff::app::run(argc, argv);
}
