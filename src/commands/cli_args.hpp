#pragma once
// Argument parsing for `sniff serve` and `sniff client`, so the CLI only dispatches. Each parser
// takes the arguments after the subcommand and returns an error message (nullopt when fine).
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
#include <vector>

namespace sniff::commands {

// options.log is left as given (the CLI points it at stderr unless --quiet).
std::optional<std::string> parse_serve_args(const std::vector<std::string>& args,
                                            ServeOptions& options, bool& quiet);
std::optional<std::string> parse_client_args(const std::vector<std::string>& args,
                                             ClientOptions& options);

std::string serve_usage();
std::string client_usage();

} // namespace sniff::commands
