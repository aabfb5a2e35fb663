#include "cli/commands_run.hpp"

#include "cli/peer_args.hpp"
#include "demo/demo.hpp"

#include <iostream>

namespace sniff::cli {

namespace {

bool wants_help(const std::vector<std::string>& args) {
    for (const auto& arg : args)
        if (arg == "-h" || arg == "--help")
            return true;
    return false;
}

} // namespace

int run_serve_command(const pipeline::Options& options) {
    if (wants_help(options.rest)) {
        std::cout << serve_usage();
        return 0;
    }
    commands::ServeOptions serve;
    bool quiet = false;
    if (auto error = parse_serve_args(options.rest, serve, quiet)) {
        std::cerr << "sniff serve: " << *error << "\n" << serve_usage();
        return 2;
    }
    if (!quiet)
        serve.log = &std::cerr;
    return commands::run_serve(serve, std::cout, std::cerr);
}

int run_client_command(const pipeline::Options& options) {
    if (wants_help(options.rest)) {
        std::cout << client_usage();
        return 0;
    }
    commands::ClientOptions client;
    if (auto error = parse_client_args(options.rest, client)) {
        std::cerr << "sniff client: " << *error << "\n" << client_usage();
        return 2;
    }
    return commands::run_client(client, std::cin, std::cout, std::cerr);
}

int run_demo_command(const pipeline::Options& options) {
    if (wants_help(options.rest)) {
        std::cout << "usage: sniff demo\n"
                     "  Replays the article's experiments on free 127.0.0.1 ports with sniff's "
                     "proxy in front\n  of each receiver, and shows what the application read "
                     "beside what sniff saw.\n  Exit status 0 when every step ran and every "
                     "framed answer arrived intact.\n";
        return 0;
    }
    return demo::run_demo(options);
}

} // namespace sniff::cli
