// sniff-gencap: writes the generated edge-case captures into a directory.
//   sniff-gencap DIR            every case
//   sniff-gencap DIR CASE...    the named cases
//   sniff-gencap --list         names and descriptions

#include "gencap/cases.hpp"

#include <cstdio>
#include <exception>
#include <filesystem>
#include <string>
#include <vector>

int main(int argc, char** argv) {
    using namespace sniff::gencap;
    const std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty() || args[0] == "-h" || args[0] == "--help") {
        std::fputs("usage: sniff-gencap DIR [CASE...] | --list\n", args.empty() ? stderr : stdout);
        return args.empty() ? 2 : 0;
    }
    try {
        if (args[0] == "--list") {
            const std::string scratch =
                std::filesystem::temp_directory_path() / "sniff-gencap-list";
            std::filesystem::create_directories(scratch);
            for (const auto& name : case_names())
                std::printf("%-28s %s\n", name.c_str(),
                            generate_case(name, scratch).description.c_str());
            std::filesystem::remove_all(scratch);
            return 0;
        }
        std::filesystem::create_directories(args[0]);
        std::vector<std::string> names(args.begin() + 1, args.end());
        if (names.empty())
            names = case_names();
        for (const auto& name : names)
            std::printf("%s\n", generate_case(name, args[0]).file.c_str());
    } catch (const std::exception& error) {
        std::fprintf(stderr, "sniff-gencap: %s\n", error.what());
        return 1;
    }
    return 0;
}
