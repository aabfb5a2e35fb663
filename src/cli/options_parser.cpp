#include "cli/options_parser.hpp"

#include "cli/option_table.hpp"

#include <map>
#include <set>

namespace sniff::cli {

namespace {

using pipeline::Command;
using pipeline::Options;

const std::map<std::string, Command> k_subcommands{
    {"serve", Command::serve}, {"client", Command::client}, {"demo", Command::demo}};

// "-i or -r", "--proxy": how to choose the sources an option applies to.
std::string sources_text(unsigned mask) {
    std::string text;
    const std::pair<unsigned, const char*> k_names[] = {{capture_source, "-i"},
                                                        {file_source, "-r"},
                                                        {proxy_source, "--proxy"},
                                                        {exec_source, "sniff exec"},
                                                        {replay_source, "sniff replay"}};
    for (const auto& [bit, name] : k_names)
        if ((mask & bit) != 0)
            text += (text.empty() ? "" : " or ") + std::string(name);
    return text;
}

// An option given where no chosen source uses it would be ignored: a usage error naming the
// option and what it needs.
std::string ignored_option_error(const std::set<const OptionRow*>& given, bool filter_words,
                                 const Options& options) {
    const unsigned sources = chosen_sources(options);
    if (sources == 0)
        return {}; // a command (--list-framings, --export-lua) or "nothing to do" later
    for (const OptionRow* row : given) {
        const std::string name(row->names.substr(0, row->names.find(',')));
        if (row->applies != every_mode && (row->applies & sources) == 0)
            return (row->names == "-f" ? std::string("a BPF filter selects captured packets")
                                       : name + " " + std::string(row->purpose)) +
                   ": it needs " + sources_text(row->applies);
        if (!row->needs_option.empty() && !given.contains(find_option(row->needs_option)))
            return name + " " + std::string(row->purpose) + ": it needs " +
                   std::string(row->needs_option);
    }
    if (filter_words && (sources & (file_source | capture_source | replay_source)) == 0)
        return "a BPF filter selects captured packets: it needs -i or -r";
    return {};
}

// Mixes that name two things at once, which the table alone cannot tell.
std::string ambiguity_error(const Options& o) {
    const bool capture = !o.interface_name.empty();
    const bool proxy = !o.proxies.empty();
    const bool replay = !o.replay_file.empty();
    if (!o.read_file.empty() && (capture || proxy || !o.exec_command.empty() || replay))
        return "-r reads a file: it cannot be combined with -i, --proxy, sniff exec or sniff "
               "replay";
    if (replay && (capture || proxy))
        return "sniff replay replays a capture: run -i or --proxy apart";
    if (proxy && !o.exec_command.empty())
        return "--proxy and sniff exec are two runs: start them apart";
    if (!capture && proxy && !o.write_file.empty() && !o.proxy_pcap.empty())
        return "-w and --proxy-pcap both name the proxy's recording: give one";
    if (capture && !o.proxy_pcap.empty() && o.proxy_pcap == o.write_file)
        return "-w (the capture) and --proxy-pcap (the proxy) need different files";
    // Both choose what standard output carries; --json would win and --summary do nothing.
    if (o.json && o.summary)
        return "--summary and --json both choose what standard output carries: give one";
    return {};
}

// What sniff replay cannot go without: the capture, and where to send it (or listen).
std::string replay_error(const Options& o) {
    if (o.replay_file.empty())
        return "sniff replay: give the capture to replay: sniff replay FILE --to HOST:PORT";
    if (o.replay_side == "server") {
        if (o.replay_listen.empty())
            return "sniff replay --side server: give --listen [ADDR:]PORT for the client to "
                   "connect to";
        if (!o.replay_to.empty())
            return "sniff replay --side server answers a client: --to names a server";
        return {};
    }
    if (o.replay_side != "client")
        return "--side: expected client or server, got \"" + o.replay_side + "\"";
    if (o.replay_to.empty())
        return "sniff replay: give --to HOST:PORT (replay sends only where it is told)";
    if (!o.replay_listen.empty())
        return "--listen is for --side server";
    return {};
}

struct Parser {
    std::vector<std::string> args;
    ParseResult result;
    std::set<const OptionRow*> given;
    std::vector<std::string> filter_words;

    // sniff exec: the first word that is no option (or every word after "--") is the command.
    bool exec_mode = false;
    // sniff replay: the first word that is no option is the capture; the others form the filter.
    bool replay_mode = false;

    // One argument at index i (which may advance past its value); false on a usage error.
    bool take(std::size_t& i) {
        std::string arg = args[i];
        if (exec_mode && (arg == "--" || !arg.starts_with("-"))) {
            auto& command = result.options.exec_command;
            command.assign(args.begin() + static_cast<std::ptrdiff_t>(i + (arg == "--" ? 1 : 0)),
                           args.end());
            i = args.size();
            return !command.empty() || fail("sniff exec: give the command to run after --");
        }
        std::string value;
        bool inline_value = false;
        if (arg.starts_with("--") && arg.find('=') != std::string::npos) {
            value = arg.substr(arg.find('=') + 1);
            arg = arg.substr(0, arg.find('='));
            inline_value = true;
        }
        const OptionRow* row = arg.starts_with("-") && arg != "-" ? find_option(arg) : nullptr;
        if (row == nullptr && replay_mode && result.options.replay_file.empty() &&
            (arg == "-" || !arg.starts_with("-"))) {
            result.options.replay_file = arg;
            return true;
        }
        if (row == nullptr) {
            if (arg.starts_with("-") && arg != "-")
                return fail("unknown option '" + arg + "'");
            filter_words.push_back(args[i]); // like tcpdump: trailing words form the filter
            return true;
        }
        if (row->value.empty() && inline_value)
            return fail(arg + " takes no value");
        if (!row->value.empty() && !inline_value) {
            if (i + 1 >= args.size())
                return fail(arg + " needs a value");
            value = args[++i];
        }
        given.insert(row);
        if (auto error = row->set(result.options, value); !error.empty())
            return fail(error);
        return true;
    }

    bool fail(std::string error) {
        result.error = std::move(error);
        return false;
    }

    bool join_filter_words() {
        if (filter_words.empty())
            return true;
        auto& filter = result.options.filter;
        if (!filter.empty())
            return fail("a filter was given with -f and as trailing words");
        for (const auto& word : filter_words)
            filter += (filter.empty() ? "" : " ") + word;
        return true;
    }
};

} // namespace

ParseResult parse_options(int argc, char** argv) {
    Parser parser{std::vector<std::string>(argv + 1, argv + argc), {}, {}, {}};
    auto& options = parser.result.options;
    const auto& args = parser.args;
    if (!args.empty() && k_subcommands.contains(args[0])) {
        options.command = k_subcommands.at(args[0]);
        options.rest.assign(args.begin() + 1, args.end());
        return parser.result;
    }
    parser.exec_mode = !args.empty() && args[0] == "exec";
    parser.replay_mode = !args.empty() && args[0] == "replay";
    for (std::size_t i = parser.exec_mode || parser.replay_mode ? 1 : 0; i < args.size(); ++i)
        if (!parser.take(i))
            return parser.result;
    if (parser.replay_mode && options.command == Command::analyze) {
        parser.result.error = replay_error(options);
        if (!parser.result.error.empty())
            return parser.result;
    }
    if (parser.exec_mode && options.exec_command.empty() && options.command == Command::analyze) {
        parser.result.error = "sniff exec: give the command to run: sniff exec [options] -- CMD";
        return parser.result;
    }
    const bool filter_words = !parser.filter_words.empty();
    if (!parser.join_filter_words() || options.command != Command::analyze)
        return parser.result;
    parser.result.error = ambiguity_error(options);
    if (parser.result.error.empty())
        parser.result.error = ignored_option_error(parser.given, filter_words, options);
    return parser.result;
}

} // namespace sniff::cli
