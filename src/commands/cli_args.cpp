#include "commands/cli_args.hpp"

#include <charconv>
#include <limits>

namespace sniff::commands {

namespace {

// Walks the argument list; value() takes the argument after a flag.
class ArgCursor {
public:
    explicit ArgCursor(const std::vector<std::string>& args) : m_args(args) {}
    bool done() const { return m_next >= m_args.size(); }
    const std::string& next() { return m_args[m_next++]; }
    std::optional<std::string> value(const std::string& flag, std::string& error) {
        if (done()) {
            error = flag + " needs a value";
            return std::nullopt;
        }
        return next();
    }

private:
    const std::vector<std::string>& m_args;
    std::size_t m_next = 0;
};

template <typename Number>
bool parse_number(const std::optional<std::string>& text, Number& out, Number min) {
    if (!text)
        return false;
    Number value{};
    const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
    if (ec != std::errc{} || end != text->data() + text->size() || value < min)
        return false;
    out = value;
    return true;
}

bool parse_framing_arg(const std::optional<std::string>& text, Framing& out, std::string& error) {
    if (!text)
        return false;
    const auto framing = parse_framing(*text);
    if (!framing) {
        error = "--framing: expected " + framing_names() + ", got '" + *text + "'";
        return false;
    }
    out = *framing;
    return true;
}

std::optional<std::string> failure(std::string error, const std::string& flag) {
    return error.empty() ? "bad value for " + flag : error;
}

} // namespace

std::optional<std::string> parse_serve_args(const std::vector<std::string>& args,
                                            ServeOptions& options, bool& quiet) {
    ArgCursor cursor(args);
    while (!cursor.done()) {
        const std::string flag = cursor.next();
        std::string error;
        bool ok = true;
        if (flag == "--listen") {
            const auto value = cursor.value(flag, error);
            ok = value.has_value();
            if (ok)
                options.listen = *value;
        } else if (flag == "--framing") {
            ok = parse_framing_arg(cursor.value(flag, error), options.framing, error);
        } else if (flag == "--udp") {
            options.udp = true;
        } else if (flag == "--shell") {
            options.shell = true;
        } else if (flag == "--quiet") {
            quiet = true;
        } else if (flag == "--upload-dir") {
            const auto value = cursor.value(flag, error);
            ok = value.has_value();
            if (ok)
                options.upload_dir = *value;
        } else if (flag == "--max-output") {
            ok = parse_number<std::size_t>(cursor.value(flag, error), options.max_output, 1);
        } else if (flag == "--timeout") {
            ok = parse_number<int>(cursor.value(flag, error), options.command_timeout_ms, 1);
        } else if (flag == "--max-clients") {
            ok = parse_number<std::size_t>(cursor.value(flag, error), options.max_clients, 1);
        } else {
            return "unknown option '" + flag + "'";
        }
        if (!ok)
            return failure(error, flag);
    }
    return std::nullopt;
}

std::optional<std::string> parse_client_args(const std::vector<std::string>& args,
                                             ClientOptions& options) {
    ArgCursor cursor(args);
    while (!cursor.done()) {
        const std::string flag = cursor.next();
        std::string error;
        bool ok = true;
        if (flag == "--framing") {
            ok = parse_framing_arg(cursor.value(flag, error), options.framing, error);
        } else if (flag == "--udp") {
            options.udp = true;
        } else if (flag == "-e") {
            const auto value = cursor.value(flag, error);
            ok = value.has_value();
            if (ok)
                options.commands.push_back(*value);
        } else if (flag == "--upload") {
            const auto value = cursor.value(flag, error);
            ok = value.has_value();
            if (ok)
                options.upload_file = *value;
        } else if (flag == "--recv-size") {
            ok = parse_number<std::size_t>(cursor.value(flag, error), options.recv_size, 1);
        } else if (flag == "--timeout") {
            ok = parse_number<int>(cursor.value(flag, error), options.timeout_ms, 1);
        } else if (!flag.empty() && flag[0] != '-' && options.target.empty()) {
            options.target = flag;
        } else {
            return "unknown option '" + flag + "'";
        }
        if (!ok)
            return failure(error, flag);
    }
    if (options.target.empty())
        return std::string("missing HOST:PORT");
    return std::nullopt;
}

std::string serve_usage() {
    return "usage: sniff serve [--listen ADDR:PORT] [--framing " + framing_names() +
           "] [--udp]\n"
           "                   [--shell] [--upload-dir DIR] [--max-output BYTES] [--timeout MS]\n"
           "                   [--max-clients N] [--quiet]\n"
           "  Runs the article's command server (built-in commands; try 'help').\n"
           "  --shell runs /bin/sh -c for each command: loopback listen addresses only.\n";
}

std::string client_usage() {
    return "usage: sniff client HOST:PORT [--framing " + framing_names() +
           "] [--udp] [-e CMD]...\n"
           "                    [--upload FILE] [--recv-size N] [--timeout MS]\n"
           "  Without -e or --upload it is interactive (prompt '>> ', 'quit' ends).\n"
           "  --recv-size N reads with recv(N) and prints what every recv returned.\n";
}

} // namespace sniff::commands
