#pragma once
// The command line of sniff parsed into pipeline::Options.

#include "pipeline/options.hpp"

#include <string>

namespace sniff::cli {

struct ParseResult {
    pipeline::Options options;
    std::string error; // usage error; empty when parsing succeeded
};

ParseResult parse_options(int argc, char** argv);

// The --help text.
std::string usage_text();

} // namespace sniff::cli
