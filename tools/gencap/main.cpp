// sniff-gencap: writes the generated edge-case captures into a directory, or one large
// redis-benchmark-shaped capture, clean or lossy.
//   sniff-gencap DIR            every case
//   sniff-gencap DIR CASE...    the named cases
//   sniff-gencap --list         names and descriptions
//   sniff-gencap --traffic FILE [--connections N] [--packets N] [--value-size N] [--seed N]
//                [--drop RATE] [--reorder RATE] [--reorder-distance N]
//   sniff-gencap --reshuffle IN OUT [--seed N] [--drop RATE] [--reorder RATE]
//                [--reorder-distance N]   an existing capture, frames reordered and dropped

#include "gencap/cases.hpp"
#include "gencap/reshuffle.hpp"
#include "gencap/traffic.hpp"

#include <cstdio>
#include <exception>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using namespace sniff::gencap;

constexpr const char* k_usage =
    "usage: sniff-gencap DIR [CASE...] | --list\n"
    "       sniff-gencap --traffic FILE [--connections N] [--packets N] [--value-size N]\n"
    "                    [--seed N] [--drop RATE] [--reorder RATE] [--reorder-distance N]\n"
    "       sniff-gencap --reshuffle IN OUT [--seed N] [--drop RATE] [--reorder RATE]\n"
    "                    [--reorder-distance N]\n";

// One option of LossOptions; false when `name` is not one.
bool loss_option(const std::string& name, const std::string& value, LossOptions& loss) {
    if (name == "--seed")
        loss.seed = std::stoull(value);
    else if (name == "--drop")
        loss.drop_rate = std::stod(value);
    else if (name == "--reorder")
        loss.reorder_rate = std::stod(value);
    else if (name == "--reorder-distance")
        loss.reorder_distance = static_cast<std::uint32_t>(std::stoul(value));
    else
        return false;
    return true;
}

// Options of --traffic; throws std::invalid_argument for an unknown option or a bad value.
TrafficOptions traffic_options(const std::vector<std::string>& args) {
    TrafficOptions options;
    for (std::size_t i = 2; i < args.size(); i += 2) {
        if (i + 1 >= args.size())
            throw std::invalid_argument(args[i] + " needs a value");
        const std::string& name = args[i];
        const std::string& value = args[i + 1];
        if (name == "--connections")
            options.connections = static_cast<std::uint32_t>(std::stoul(value));
        else if (name == "--packets")
            options.packets = std::stoull(value);
        else if (name == "--value-size")
            options.value_size = static_cast<std::uint32_t>(std::stoul(value));
        else if (!loss_option(name, value, options.loss))
            throw std::invalid_argument("unknown option " + name);
    }
    if (options.connections == 0 || options.connections > 20000)
        throw std::invalid_argument("--connections must be 1..20000");
    return options;
}

int write_traffic(const std::vector<std::string>& args) {
    if (args.size() < 2)
        throw std::invalid_argument("--traffic needs a file");
    const auto result = generate_traffic(args[1], traffic_options(args));
    std::printf("%s: %llu frames written, %llu dropped, %llu reordered, %llu stream bytes\n",
                args[1].c_str(), static_cast<unsigned long long>(result.counts.written),
                static_cast<unsigned long long>(result.counts.dropped),
                static_cast<unsigned long long>(result.counts.reordered),
                static_cast<unsigned long long>(result.stream_bytes));
    return 0;
}

int reshuffle(const std::vector<std::string>& args) {
    if (args.size() < 3)
        throw std::invalid_argument("--reshuffle needs an input and an output file");
    LossOptions loss;
    for (std::size_t i = 3; i < args.size(); i += 2) {
        if (i + 1 >= args.size())
            throw std::invalid_argument(args[i] + " needs a value");
        if (!loss_option(args[i], args[i + 1], loss))
            throw std::invalid_argument("unknown option " + args[i]);
    }
    const auto counts = reshuffle_capture(args[1], args[2], loss);
    std::printf("%s: %llu frames written, %llu dropped, %llu reordered\n", args[2].c_str(),
                static_cast<unsigned long long>(counts.written),
                static_cast<unsigned long long>(counts.dropped),
                static_cast<unsigned long long>(counts.reordered));
    return 0;
}

int list_cases() {
    const std::string scratch = std::filesystem::temp_directory_path() / "sniff-gencap-list";
    std::filesystem::create_directories(scratch);
    for (const auto& name : case_names())
        std::printf("%-28s %s\n", name.c_str(), generate_case(name, scratch).description.c_str());
    std::filesystem::remove_all(scratch);
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    const std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty() || args[0] == "-h" || args[0] == "--help") {
        std::fputs(k_usage, args.empty() ? stderr : stdout);
        return args.empty() ? 2 : 0;
    }
    try {
        if (args[0] == "--list")
            return list_cases();
        if (args[0] == "--traffic")
            return write_traffic(args);
        if (args[0] == "--reshuffle")
            return reshuffle(args);
        std::filesystem::create_directories(args[0]);
        std::vector<std::string> names(args.begin() + 1, args.end());
        if (names.empty())
            names = case_names();
        for (const auto& name : names)
            std::printf("%s\n", generate_case(name, args[0]).file.c_str());
    } catch (const std::invalid_argument& error) {
        std::fprintf(stderr, "sniff-gencap: %s\n%s", error.what(), k_usage);
        return 2;
    } catch (const std::exception& error) {
        std::fprintf(stderr, "sniff-gencap: %s\n", error.what());
        return 1;
    }
    return 0;
}
