#pragma once

#include "pipeline/options.hpp"

namespace sniff::cli {

// sniff serve ... / sniff client ...: the article's command server and client.
int run_serve_command(const pipeline::Options& options);
int run_client_command(const pipeline::Options& options);
// sniff demo: the sticky-packet story; `sniff demo --help` says what it does instead.
int run_demo_command(const pipeline::Options& options);

} // namespace sniff::cli
