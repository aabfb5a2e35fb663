#include "app/main.hpp"

#include "app/analyze.hpp"
#include "app/commands_run.hpp"
#include "app/demo.hpp"
#include "app/framing_commands.hpp"
#include "app/live.hpp"
#include "app/live_run.hpp"
#include "app/options.hpp"
#include "app/tui_entry.hpp"

#include <cstdio>

namespace sniff::app {

namespace {

int usage_error(const std::string& message) {
    std::fprintf(stderr, "sniff: %s\nTry 'sniff --help'.\n", message.c_str());
    return 2;
}

} // namespace

int run(int argc, char** argv) {
    const ParseResult parsed = parse_options(argc, argv);
    if (!parsed.error.empty())
        return usage_error(parsed.error);
    const Options& options = parsed.options;
    switch (options.command) {
    case Command::help:
        std::fputs(usage_text(), stdout);
        return 0;
    case Command::version:
        std::puts("sniff " SNIFF_VERSION);
        return 0;
    case Command::list_framings:
        return list_framings();
    case Command::serve:
        return run_serve_command(options);
    case Command::client:
        return run_client_command(options);
    case Command::demo:
        return run_demo(options);
    default:
        break;
    }
    if (!options.export_lua.empty())
        return export_lua(options);
    if (options.command == Command::list_interfaces)
        return list_interfaces();
    // -i, --proxy, or both on one event loop.
    if (!options.proxies.empty() || !options.interface_name.empty())
        return run_live(options);
    if (!options.read_file.empty())
        return tui_wanted(options) ? run_tui_on_file(options) : analyze_file(options);
    return usage_error("nothing to do: give -r FILE, -i IFACE, --proxy SPEC or a command");
}

} // namespace sniff::app
