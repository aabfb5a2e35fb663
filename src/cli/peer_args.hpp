#pragma once
// The command lines of `sniff serve` and `sniff client` (the article's command server and
// client), as option tables of the same kind as the main command's (option_table.hpp), so their
// parsers and --help come from one place too.
//
//   sniff serve  [--listen ADDR:PORT] [--framing F] [--udp] [--shell] [--upload-dir DIR]
//                [--max-output BYTES] [--timeout MS] [--max-clients N] [--quiet]
//   sniff client HOST:PORT [--framing F] [--udp] [-e CMD]... [--upload FILE] [--recv-size N]
//                [--timeout MS]
// F is none|ascii-len|struct|json-header (default json-header).

#include "commands/client.hpp"
#include "commands/server.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sniff::cli {

// options.log is left as given (the CLI points it at stderr unless --quiet). Each returns the
// usage error, or nullopt.
std::optional<std::string> parse_serve_args(const std::vector<std::string>& args,
                                            commands::ServeOptions& options, bool& quiet);
std::optional<std::string> parse_client_args(const std::vector<std::string>& args,
                                             commands::ClientOptions& options);

std::string serve_usage();
std::string client_usage();

// One option of `sniff serve` or `sniff client` as the man page lists it.
struct OptionDoc {
    std::string_view names;
    std::string_view value;
    std::string_view help;
};
std::vector<OptionDoc> serve_option_docs();
std::vector<OptionDoc> client_option_docs();

} // namespace sniff::cli
