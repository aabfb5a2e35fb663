#include "cli/peer_args.hpp"

#include "cli/option_table.hpp"
#include "cli/values.hpp"
#include "commands/framing.hpp"

#include <array>
#include <climits>

namespace sniff::cli {

namespace {

struct ServeArgs {
    commands::ServeOptions& serve;
    bool& quiet;
};

template <typename Target> using Rows = std::span<const OptionRowOf<Target>>;

std::string set_framing(commands::Framing& framing, const std::string& text) {
    const auto parsed = commands::parse_framing(text);
    if (!parsed)
        return "--framing: expected " + commands::framing_names() + ", got '" + text + "'";
    framing = *parsed;
    return {};
}

template <typename Number>
std::string set_positive(Number& target, const char* name, const std::string& text) {
    std::uint64_t value = 0;
    auto error = parse_count(name, text, {1, static_cast<std::uint64_t>(INT_MAX)}, value);
    if (error.empty())
        target = static_cast<Number>(value);
    return error;
}

constexpr auto G = OptionGroup::general;

const auto k_serve_rows = std::to_array<OptionRowOf<ServeArgs>>({
    {"--listen", "ADDR:PORT", G, "where to listen (default 127.0.0.1:9000)", every_mode, "", "",
     [](ServeArgs& a, const std::string& v) {
         a.serve.listen = v;
         return std::string();
     }},
    {"--framing", "F", G, "none | ascii-len | struct | json-header (default json-header)",
     every_mode, "", "",
     [](ServeArgs& a, const std::string& v) { return set_framing(a.serve.framing, v); }},
    {"--udp", "", G, "serve UDP datagrams instead of a TCP stream", every_mode, "", "",
     [](ServeArgs& a, const std::string&) {
         a.serve.udp = true;
         return std::string();
     }},
    {"--shell", "", G, "run /bin/sh -c for each command: loopback listen addresses only",
     every_mode, "", "",
     [](ServeArgs& a, const std::string&) {
         a.serve.shell = true;
         return std::string();
     }},
    {"--upload-dir", "DIR", G, "where uploads are stored", every_mode, "", "",
     [](ServeArgs& a, const std::string& v) {
         a.serve.upload_dir = v;
         return std::string();
     }},
    {"--max-output", "BYTES", G, "largest answer of a command", every_mode, "", "",
     [](ServeArgs& a, const std::string& v) {
         return set_positive(a.serve.max_output, "--max-output", v);
     }},
    {"--timeout", "MS", G, "time a command may take", every_mode, "", "",
     [](ServeArgs& a, const std::string& v) {
         return set_positive(a.serve.command_timeout_ms, "--timeout", v);
     }},
    {"--max-clients", "N", G, "connections served at once", every_mode, "", "",
     [](ServeArgs& a, const std::string& v) {
         return set_positive(a.serve.max_clients, "--max-clients", v);
     }},
    {"--quiet", "", G, "no log of connections and commands", every_mode, "", "",
     [](ServeArgs& a, const std::string&) {
         a.quiet = true;
         return std::string();
     }},
});

const auto k_client_rows = std::to_array<OptionRowOf<commands::ClientOptions>>({
    {"--framing", "F", G, "none | ascii-len | struct | json-header (default json-header)",
     every_mode, "", "",
     [](commands::ClientOptions& o, const std::string& v) { return set_framing(o.framing, v); }},
    {"--udp", "", G, "send each command as a UDP datagram", every_mode, "", "",
     [](commands::ClientOptions& o, const std::string&) {
         o.udp = true;
         return std::string();
     }},
    {"-e", "CMD", G, "run CMD and print its answer (repeatable)", every_mode, "", "",
     [](commands::ClientOptions& o, const std::string& v) {
         o.commands.push_back(v);
         return std::string();
     }},
    {"--upload", "FILE", G, "upload FILE (its md5 is checked by the server)", every_mode, "", "",
     [](commands::ClientOptions& o, const std::string& v) {
         o.upload_file = v;
         return std::string();
     }},
    {"--recv-size", "N", G, "read with recv(N) and print what every recv returned", every_mode, "",
     "",
     [](commands::ClientOptions& o,
        const std::string& v) { return set_positive(o.recv_size, "--recv-size", v); }},
    {"--timeout", "MS", G, "time to wait for an answer", every_mode, "", "",
     [](commands::ClientOptions& o, const std::string& v) {
         return set_positive(o.timeout_ms, "--timeout", v);
     }},
});

// Options by the table; other words go to positional (which returns the error, or empty).
template <typename Target, typename Positional>
std::optional<std::string> parse_rows(Rows<Target> rows, const std::vector<std::string>& args,
                                      Target& target, Positional positional) {
    for (std::size_t i = 0; i < args.size(); ++i) {
        const auto* row = find_row(rows, args[i]);
        if (row == nullptr) {
            if (args[i].starts_with("-"))
                return "unknown option '" + args[i] + "'";
            if (auto error = positional(args[i]); !error.empty())
                return error;
            continue;
        }
        std::string value;
        if (!row->value.empty()) {
            if (i + 1 >= args.size())
                return args[i] + " needs a value";
            value = args[++i];
        }
        if (auto error = row->set(target, value); !error.empty())
            return error;
    }
    return std::nullopt;
}

template <typename Target> std::vector<OptionDoc> rows_docs(Rows<Target> rows) {
    std::vector<OptionDoc> docs;
    for (const auto& row : rows)
        docs.push_back({row.names, row.value, row.help});
    return docs;
}

template <typename Target> std::string rows_help(Rows<Target> rows) {
    std::string text;
    for (const auto& row : rows)
        text += help_line(row.names, row.value, row.help);
    return text;
}

} // namespace

std::optional<std::string> parse_serve_args(const std::vector<std::string>& args,
                                            commands::ServeOptions& options, bool& quiet) {
    ServeArgs target{options, quiet};
    return parse_rows<ServeArgs>(k_serve_rows, args, target, [](const std::string& word) {
        return "unexpected argument '" + word + "'";
    });
}

std::optional<std::string> parse_client_args(const std::vector<std::string>& args,
                                             commands::ClientOptions& options) {
    auto error = parse_rows<commands::ClientOptions>(
        k_client_rows, args, options, [&options](const std::string& word) {
            if (!options.target.empty())
                return "unexpected argument '" + word + "'";
            options.target = word;
            return std::string();
        });
    if (!error && options.target.empty())
        return std::string("missing HOST:PORT");
    return error;
}

std::string serve_usage() {
    return "usage: sniff serve [options]\n"
           "  Runs the article's command server (built-in commands; try 'help').\n\n" +
           rows_help<ServeArgs>(k_serve_rows);
}

std::string client_usage() {
    return "usage: sniff client HOST:PORT [options]\n"
           "  Without -e or --upload it is interactive (prompt '>> ', 'quit' ends).\n\n" +
           rows_help<commands::ClientOptions>(k_client_rows);
}

std::vector<OptionDoc> serve_option_docs() {
    return rows_docs<ServeArgs>(k_serve_rows);
}

std::vector<OptionDoc> client_option_docs() {
    return rows_docs<commands::ClientOptions>(k_client_rows);
}

} // namespace sniff::cli
