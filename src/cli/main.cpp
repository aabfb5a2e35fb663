#include "cli/main.hpp"

#include "cli/commands_run.hpp"
#include "cli/completion_words.hpp"
#include "cli/framing_commands.hpp"
#include "cli/interfaces_command.hpp"
#include "cli/man_page.hpp"
#include "cli/options_parser.hpp"
#include "cli/version_text.hpp"
#include "runtime/run.hpp"
#include "sources/capture_source.hpp"
#include "sources/exec_source.hpp"
#include "sources/file_source.hpp"
#include "sources/proxy_source.hpp"
#include "sources/replay_source.hpp"

#include <cstdio>
#include <string_view>

namespace sniff::cli {

namespace {

int usage_error(const std::string& message) {
    std::fprintf(stderr, "sniff: %s\nTry 'sniff --help'.\n", message.c_str());
    return 2;
}

// The sources the options ask for, in the order their summaries are printed.
runtime::SourceList sources_from(const pipeline::Options& options) {
    runtime::SourceList sources;
    if (!options.read_file.empty())
        sources.push_back(std::make_unique<sources::FileSource>(options));
    if (!options.interface_name.empty())
        sources.push_back(std::make_unique<sources::CaptureSource>(options));
    if (!options.proxies.empty())
        sources.push_back(std::make_unique<sources::ProxySource>(options));
    if (!options.exec_command.empty())
        sources.push_back(std::make_unique<sources::ExecSource>(options));
    if (!options.replay_file.empty())
        sources.push_back(std::make_unique<sources::ReplaySource>(options));
    return sources;
}

} // namespace

int run(int argc, char** argv) {
    // Hidden: the build writes sniff(1) with it, from the tables --help uses.
    if (argc == 2 && std::string_view(argv[1]) == "--help-man") {
        std::fputs(man_page().c_str(), stdout);
        return 0;
    }
    // Hidden: the shell completion scripts ask the binary for its options.
    if ((argc == 2 || argc == 3) && std::string_view(argv[1]) == "--complete-options") {
        std::fputs(completion_words(argc == 3 ? argv[2] : "").c_str(), stdout);
        return 0;
    }
    const ParseResult parsed = parse_options(argc, argv);
    if (!parsed.error.empty())
        return usage_error(parsed.error);
    const pipeline::Options& options = parsed.options;
    switch (options.command) {
    case pipeline::Command::help:
        std::fputs(usage_text().c_str(), stdout);
        return 0;
    case pipeline::Command::version:
        std::fputs(version_text().c_str(), stdout);
        return 0;
    case pipeline::Command::list_framings:
        return list_framings();
    case pipeline::Command::list_interfaces:
        return list_interfaces();
    case pipeline::Command::serve:
        return run_serve_command(options);
    case pipeline::Command::client:
        return run_client_command(options);
    case pipeline::Command::demo:
        return run_demo_command(options);
    case pipeline::Command::analyze:
        break;
    }
    if (!options.export_lua.empty())
        return export_lua(options);
    auto sources = sources_from(options);
    if (sources.empty())
        return usage_error("nothing to do: give -r FILE, -i IFACE, --proxy SPEC or a command");
    return runtime::run(options, std::move(sources));
}

} // namespace sniff::cli
