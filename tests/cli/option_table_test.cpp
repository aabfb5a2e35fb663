// The option table drives the parser, --help and the usage errors: every option given where none
// of the chosen sources uses it is a usage error naming it, every numeric option refuses what is
// out of range, and --help and the README name every option.

#include "cli/option_table.hpp"
#include "support/process.hpp"

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

using namespace sniff;
using test::run_command;

namespace {

// A value each kind of option accepts when it applies.
std::string sample_value(std::string_view value_name) {
    if (value_name == "FILE" || value_name == "DIR")
        return "/tmp/sniff-option-table-unused";
    if (value_name == "USER")
        return "nobody";
    if (value_name == "FILTER")
        return "tcp";
    if (value_name == "SIZE")
        return "4K";
    if (value_name == "KIB")
        return "1024";
    if (value_name.find("MODE") != std::string_view::npos)
        return "1";
    return "1"; // N, MS, US, S, SEC, MB, SNAPLEN
}

struct Mode {
    unsigned bit;
    std::string arguments;
};

// Parsing ends before any source opens, so nothing is read, captured or bound.
const std::vector<Mode> k_modes{
    {cli::file_source, "-r /tmp/sniff-option-table-absent.pcap"},
    {cli::capture_source, "-i lo"},
    {cli::proxy_source, "--proxy 1:127.0.0.1:2"},
    {cli::replay_source, "replay /tmp/sniff-option-table-absent.pcap --to 127.0.0.1:2"},
};

std::string first_name(std::string_view names) {
    return std::string(names.substr(0, names.find(',')));
}

} // namespace

TEST_CASE("every option a chosen source does not use is a usage error naming it",
          "[cli][options]") {
    int checked = 0;
    for (const auto& row : cli::option_rows()) {
        if (row.applies == cli::every_mode)
            continue;
        for (const auto& mode : k_modes) {
            if ((row.applies & mode.bit) != 0)
                continue;
            const std::string name = first_name(row.names);
            std::string command = std::string(SNIFF_BIN) + " " + mode.arguments + " " + name;
            if (!row.value.empty())
                command += " '" + sample_value(row.value) + "'";
            INFO(command);
            const auto result = run_command(command);
            CHECK(result.exit_code == 2);
            CHECK(result.err.find(name == "-f" ? "BPF filter" : name) != std::string::npos);
            CHECK(result.err.find("it needs") != std::string::npos);
            ++checked;
        }
    }
    CHECK(checked >= 20);
}

TEST_CASE("an option that only modifies another needs it", "[cli][options]") {
    for (const auto& row : cli::option_rows()) {
        if (row.needs_option.empty())
            continue;
        const std::string name = first_name(row.names);
        const auto result = run_command(std::string(SNIFF_BIN) + " -i lo " + name +
                                        (row.value.empty() ? "" : " 1"));
        INFO(name);
        CHECK(result.exit_code == 2);
        CHECK(result.err.find("it needs " + std::string(row.needs_option)) != std::string::npos);
    }
}

TEST_CASE("numeric options refuse infinity, nan, negative, huge and misplaced suffixes",
          "[cli][options]") {
    const std::vector<std::string> refused{
        "-i lo --duration inf",
        "-i lo --duration nan",
        "-i lo --duration -1",
        "-i lo --duration 1e999",
        "-i lo --duration 1e3",
        "-i lo --duration 0",
        "-i lo --duration 99999999999",
        "-r x --idle-timeout inf",
        "-r x --idle-timeout -5",
        "--proxy 1:h:2 --delay 1M",
        "--proxy 1:h:2 --delay 99999999",
        "-r x -c 5K",
        "-r x -c 0",
        "-i lo -s 300000",
        "-r x --udp-bufsize 70000",
        "--proxy 1:h:2 --busy-poll 20000",
        "--proxy 1:h:2 --proxy-buffer 1G",
        "-r x --max-buffer 12X",
        "-i lo -w x -C 0",
        "--proxy 1:h:2 --seed -3",
    };
    for (const auto& arguments : refused) {
        INFO(arguments);
        const auto result = run_command(std::string(SNIFF_BIN) + " " + arguments);
        CHECK(result.exit_code == 2);
        CHECK(result.err.find("Try 'sniff --help'") != std::string::npos);
    }
    // In range, the same options are taken (the run then fails on the missing file: exit 1).
    const auto taken =
        run_command(std::string(SNIFF_BIN) + " -r /tmp/sniff-absent.pcap --idle-timeout 2.5 "
                                             "--max-buffer 16M -c 5 --udp-bufsize 1024");
    CHECK(taken.exit_code == 1);
}

TEST_CASE("--help and the README name every option of the table", "[cli][options]") {
    const auto help = run_command(std::string(SNIFF_BIN) + " --help");
    REQUIRE(help.exit_code == 0);
    std::ifstream readme_file(std::string(SNIFF_SOURCE_DIR) + "/README.md");
    std::stringstream readme;
    readme << readme_file.rdbuf();
    for (const auto& row : cli::option_rows()) {
        const std::string name = first_name(row.names);
        INFO(name);
        CHECK(help.out.find("  " + std::string(row.names)) != std::string::npos);
        CHECK(readme.str().find(name) != std::string::npos);
    }
}

TEST_CASE("README's copy of --help is --help", "[cli][options]") {
    const auto help = run_command(std::string(SNIFF_BIN) + " --help");
    std::ifstream readme_file(std::string(SNIFF_SOURCE_DIR) + "/README.md");
    std::stringstream readme;
    readme << readme_file.rdbuf();
    const std::string text = readme.str();
    const std::string open = "<!-- sniff --help -->\n```\n";
    const auto start = text.find(open);
    const auto end = text.find("```\n<!-- end of sniff --help -->");
    REQUIRE(start != std::string::npos);
    REQUIRE(end != std::string::npos);
    CHECK(text.substr(start + open.size(), end - start - open.size()) == help.out);
}
