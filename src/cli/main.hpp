#pragma once

namespace sniff::cli {

// The sniff command line; returns the process exit code (0 ok, 1 runtime error, 2 usage error).
int run(int argc, char** argv);

} // namespace sniff::cli
