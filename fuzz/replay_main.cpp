// Standalone main for the fuzz targets, without libFuzzer: runs every file named on the command
// line (a directory means every regular file under it, in name order) through
// LLVMFuzzerTestOneInput once. ctest runs it over fuzz/regressions/<target>/ so committed crash
// inputs stay fixed with any compiler. A crash is the failure; an empty corpus fails too, so a
// mistyped directory cannot pass silently.

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

std::vector<std::filesystem::path> inputs_of(const std::filesystem::path& path) {
    std::vector<std::filesystem::path> out;
    if (std::filesystem::is_directory(path)) {
        for (const auto& entry : std::filesystem::recursive_directory_iterator(path))
            if (entry.is_regular_file())
                out.push_back(entry.path());
        std::sort(out.begin(), out.end());
    } else {
        out.push_back(path);
    }
    return out;
}

} // namespace

int main(int argc, char** argv) {
    std::size_t runs = 0;
    for (int i = 1; i < argc; ++i) {
        for (const auto& file : inputs_of(argv[i])) {
            std::ifstream in(file, std::ios::binary);
            if (!in) {
                std::fprintf(stderr, "replay: cannot read %s\n", file.c_str());
                return 1;
            }
            const std::vector<char> bytes((std::istreambuf_iterator<char>(in)),
                                          std::istreambuf_iterator<char>());
            std::fprintf(stderr, "replay: %s (%zu bytes)\n", file.c_str(), bytes.size());
            // An empty vector's data() may be null; libFuzzer passes a valid pointer.
            static const std::uint8_t empty = 0;
            LLVMFuzzerTestOneInput(
                bytes.empty() ? &empty : reinterpret_cast<const std::uint8_t*>(bytes.data()),
                bytes.size());
            ++runs;
        }
    }
    std::printf("replay: %zu inputs ran without a crash\n", runs);
    return runs == 0 ? 1 : 0;
}
