#pragma once
// tshark as an independent oracle: `tshark -q -z follow,tcp,raw,N` for every TCP stream of a file.

#include "support/process.hpp"

#include <algorithm>
#include <string>
#include <unistd.h>
#include <vector>

namespace sniff::test {

// Why a test cannot capture on lo with dumpcap and read the file with tshark here, or empty.
inline std::string loopback_capture_missing() {
    if (!have_program("tshark") || !have_program("dumpcap"))
        return "tshark/dumpcap are not installed (./run test installs them)";
    if (geteuid() != 0)
        return "capturing on lo needs root";
    return {};
}

struct TsharkStream {
    int index = -1;    // tcp.stream number
    std::string node0; // "IP:PORT" of the side tshark calls node 0 (its first sender)
    std::string node1;
    std::string from_node0; // bytes node 0 sent, in tshark's order
    std::string from_node1;
};

inline std::string unhex(const std::string& hex) {
    std::string bytes;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
        bytes += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
    return bytes;
}

// Parses one or more follow,tcp,raw blocks from tshark's output.
inline std::vector<TsharkStream> parse_follow_raw(const std::string& output) {
    std::vector<TsharkStream> streams;
    std::istringstream lines(output);
    std::string line;
    TsharkStream* current = nullptr;
    while (std::getline(lines, line)) {
        if (line.starts_with("Follow: ")) {
            streams.emplace_back();
            current = &streams.back();
        } else if (current != nullptr && line.starts_with("Filter: tcp.stream eq ")) {
            current->index = std::stoi(line.substr(22));
        } else if (current == nullptr || line.starts_with("=====") || line.starts_with("Filter")) {
            continue;
        } else if (line.starts_with("Node 0: ")) {
            current->node0 = line.substr(8);
        } else if (line.starts_with("Node 1: ")) {
            current->node1 = line.substr(8);
        } else if (!line.empty() && line[0] == '\t') {
            current->from_node1 += unhex(line.substr(1));
        } else if (!line.empty()) {
            current->from_node0 += unhex(line);
        }
    }
    // tshark prints the blocks in reverse order of its -z arguments.
    std::sort(streams.begin(), streams.end(),
              [](const auto& a, const auto& b) { return a.index < b.index; });
    return streams;
}

inline std::vector<TsharkStream> tshark_follow_all(const std::string& file, int stream_count) {
    std::string command = "tshark -r '" + file + "' -q";
    for (int i = 0; i < stream_count; ++i)
        command += " -z follow,tcp,raw," + std::to_string(i);
    return parse_follow_raw(run_command(command).out);
}

inline int tshark_tcp_stream_count(const std::string& file) {
    const auto result =
        run_command("tshark -r '" + file + "' -T fields -e tcp.stream | sort -un | grep -c .");
    return result.exit_code == 0 ? std::stoi(result.out) : 0;
}

} // namespace sniff::test
