#include "commands/builtins.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <csignal>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

extern char** environ;

namespace sniff::commands {

namespace {

constexpr std::size_t k_record = 16;

std::string_view trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
        text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r'))
        text.remove_suffix(1);
    return text;
}

// Splits off the first space-separated word.
std::string_view next_word(std::string_view& rest) {
    rest = trim(rest);
    const auto space = rest.find_first_of(" \t");
    const auto word = rest.substr(0, space);
    rest = space == std::string_view::npos ? std::string_view{} : trim(rest.substr(space));
    return word;
}

bool parse_count(std::string_view text, std::size_t& value) {
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    return !text.empty() && ec == std::errc{} && end == text.data() + text.size();
}

CommandResult fail(std::string message) {
    return {"error: " + std::move(message) + "\n", true};
}

CommandResult too_big(std::size_t size, const CommandLimits& limits) {
    return fail("answer of " + std::to_string(size) + " bytes exceeds the output limit of " +
                std::to_string(limits.max_output) + " bytes");
}

constexpr std::string_view k_help = "commands:\n"
                                    "  echo TEXT       TEXT and a newline\n"
                                    "  repeat N TEXT   N lines of TEXT\n"
                                    "  bytes N         N bytes of an offset pattern\n"
                                    "  sleep MS        wait MS milliseconds\n"
                                    "  help            this list\n";

CommandResult run_repeat(std::string_view args, const CommandLimits& limits) {
    std::size_t count = 0;
    const auto count_text = next_word(args);
    if (!parse_count(count_text, count))
        return fail("usage: repeat N TEXT");
    const std::size_t line = args.size() + 1;
    // Check count * line against the limit by division, so the product cannot overflow.
    if (count > 0 && line > limits.max_output / count)
        return fail("repeat output exceeds the output limit of " +
                    std::to_string(limits.max_output) + " bytes");
    std::string out;
    out.reserve(count * line);
    for (std::size_t i = 0; i < count; ++i) {
        out += args;
        out += '\n';
    }
    return {out, false};
}

CommandResult run_sleep(std::string_view args, const CommandLimits& limits, RunMode mode) {
    std::size_t ms = 0;
    if (!parse_count(trim(args), ms))
        return fail("usage: sleep MS");
    const auto limit = static_cast<std::size_t>(std::max(limits.timeout_ms, 0));
    if (mode == RunMode::real)
        std::this_thread::sleep_for(std::chrono::milliseconds(std::min(ms, limit)));
    if (ms > limit)
        return fail("timed out after " + std::to_string(limit) + " ms");
    return {"slept " + std::to_string(ms) + " ms\n", false};
}

} // namespace

CommandResult run_builtin(std::string_view line, const CommandLimits& limits, RunMode mode) {
    std::string_view args = line;
    const auto name = next_word(args);
    if (name == "echo")
        return {std::string(args) + "\n", false};
    if (name == "repeat")
        return run_repeat(args, limits);
    if (name == "bytes") {
        std::size_t count = 0;
        if (!parse_count(trim(args), count))
            return fail("usage: bytes N");
        if (count > limits.max_output)
            return too_big(count, limits);
        return {bytes_pattern(0, count), false};
    }
    if (name == "sleep")
        return run_sleep(args, limits, mode);
    if (name == "help")
        return {std::string(k_help), false};
    if (name.empty())
        return fail("empty command (try help)");
    return fail("unknown command '" + std::string(name.substr(0, 64)) + "' (try help)");
}

std::string bytes_pattern(std::size_t offset, std::size_t count) {
    static constexpr char k_hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(count);
    std::size_t pos = offset;
    while (out.size() < count) {
        const std::size_t record = pos / k_record;
        const std::size_t start = record * k_record;
        char buffer[k_record];
        for (std::size_t i = 0; i < 8; ++i)
            buffer[i] = k_hex[(start >> (4 * (7 - i))) & 0xf];
        buffer[8] = ' ';
        for (std::size_t i = 0; i < 6; ++i)
            buffer[9 + i] = static_cast<char>('a' + (record + i) % 26);
        buffer[15] = '\n';
        const std::size_t from = pos - start;
        const std::size_t take = std::min(k_record - from, count - out.size());
        out.append(buffer + from, take);
        pos += take;
    }
    return out;
}

std::size_t first_pattern_mismatch(std::string_view data) {
    constexpr std::size_t k_chunk = 4096;
    for (std::size_t at = 0; at < data.size(); at += k_chunk) {
        const std::size_t size = std::min(k_chunk, data.size() - at);
        const std::string expected = bytes_pattern(at, size);
        for (std::size_t i = 0; i < size; ++i)
            if (data[at + i] != expected[i])
                return at + i;
    }
    return std::string_view::npos;
}

namespace {

// Reads the child's output until EOF, the deadline or the limit. Returns false when it had to
// stop early (reason set).
bool collect_output(int fd, const CommandLimits& limits, std::string& out, std::string& reason) {
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(limits.timeout_ms);
    char buffer[65536];
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            reason = "timed out after " + std::to_string(limits.timeout_ms) + " ms";
            return false;
        }
        pollfd entry{fd, POLLIN, 0};
        const int rc = ::poll(&entry, 1, static_cast<int>(left.count()));
        if (rc < 0 && errno == EINTR)
            continue;
        if (rc <= 0)
            continue; // timeout: the loop head reports it
        const ssize_t got = ::read(fd, buffer, sizeof buffer);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return true;
        if (out.size() + static_cast<std::size_t>(got) > limits.max_output) {
            reason = "output exceeds the limit of " + std::to_string(limits.max_output) + " bytes";
            return false;
        }
        out.append(buffer, static_cast<std::size_t>(got));
    }
}

} // namespace

CommandResult run_shell(const std::string& line, const CommandLimits& limits) {
    int pipe_fds[2];
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0)
        return fail("cannot create a pipe");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 1);
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 2);
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    // Own process group, so a timeout kills the shell and everything it started.
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attributes, 0);
    std::vector<char> command(line.begin(), line.end());
    command.push_back('\0');
    char sh[] = "/bin/sh";
    char dash_c[] = "-c";
    char* argv[] = {sh, dash_c, command.data(), nullptr};
    pid_t pid = -1;
    const int rc = posix_spawn(&pid, "/bin/sh", &actions, &attributes, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    ::close(pipe_fds[1]);
    if (rc != 0) {
        ::close(pipe_fds[0]);
        return fail("cannot start /bin/sh");
    }
    CommandResult result;
    std::string reason;
    const bool finished = collect_output(pipe_fds[0], limits, result.output, reason);
    ::close(pipe_fds[0]);
    if (!finished)
        ::kill(-pid, SIGKILL);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (!finished) {
        result.error = true;
        result.output += "\nerror: " + reason + "\n";
    }
    return result;
}

} // namespace sniff::commands
