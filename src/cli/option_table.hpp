#pragma once
// Every option of sniff's main command as one row of one table: its names, its value, its group
// and help line, the sources it applies to, and how it sets pipeline::Options. The parser, the
// --help text and the usage errors for options that would be ignored all come from this table,
// so they cannot disagree.
//
// Why a table of our own and not CLI11 or Boost.Program_options: sniff's command line is
// tcpdump's (trailing words form the BPF filter, -r/-i/-w/-c/-s/-Z as tcpdump spells them), and
// its usage errors depend on which sources were chosen (-c with --proxy alone is ignored, so it
// is an error) — neither library models options that apply to some sources only, and both would
// change the wording of --help and of every usage error users and tests rely on.

#include "pipeline/options.hpp"

#include <functional>
#include <span>
#include <string>
#include <string_view>

namespace sniff::cli {

// The sources an option applies to (bits), or every_mode.
enum SourceMask : unsigned {
    every_mode = 0,
    file_source = 1u << 0,    // -r
    capture_source = 1u << 1, // -i
    proxy_source = 1u << 2,   // --proxy
    exec_source = 1u << 3,    // sniff exec -- CMD
    replay_source = 1u << 4,  // sniff replay FILE
};

enum class OptionGroup : std::uint8_t { sources, proxy, replay, analysis, output, general };

// One option of a command whose parsed form is a Target (pipeline::Options for the main command,
// the server's and the client's options for `sniff serve` and `sniff client`).
template <typename Target> struct OptionRowOf {
    std::string_view names; // "-r" or "-h, --help"
    std::string_view value; // "FILE"; empty for a flag
    OptionGroup group;
    std::string_view help; // lines of the --help text; '\n' starts a continuation line
    unsigned applies;      // SourceMask bits
    // What the option does, for the usage error when it would be ignored ("-c counts captured
    // packets: it needs -i or -r"); empty for options that apply everywhere.
    std::string_view purpose;
    std::string_view needs_option; // another option it only modifies ("-w"), or empty
    // Sets the value (flags get ""); returns the usage error, or empty.
    std::function<std::string(Target&, const std::string&)> set;
};

using OptionRow = OptionRowOf<pipeline::Options>;

std::span<const OptionRow> option_rows();

// True when `names` ("-h, --help") includes `name`.
bool has_name(std::string_view names, std::string_view name);

// The row of `rows` whose names include `name` ("--json", "-r"), or null.
template <typename Target>
const OptionRowOf<Target>* find_row(std::span<const OptionRowOf<Target>> rows,
                                    std::string_view name) {
    for (const auto& row : rows)
        if (has_name(row.names, name))
            return &row;
    return nullptr;
}
inline const OptionRow* find_option(std::string_view name) {
    return find_row(option_rows(), name);
}

// One row of a --help listing ("  -r FILE               read packets ..."), help lines aligned.
std::string help_line(std::string_view names, std::string_view value, std::string_view help);

// The sources the parsed options chose (SourceMask bits).
unsigned chosen_sources(const pipeline::Options& options);

} // namespace sniff::cli
