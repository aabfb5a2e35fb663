#pragma once

#include "app/options.hpp"

namespace sniff::app {

// sniff serve ... / sniff client ...: the article's command server and client.
int run_serve_command(const Options& options);
int run_client_command(const Options& options);

} // namespace sniff::app
