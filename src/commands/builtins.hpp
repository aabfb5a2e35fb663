#pragma once
// The command set the server runs: a safe built-in set by default, or /bin/sh -c with --shell.
// Built-ins are deterministic, so a client can predict every answer (predict mode) and check
// what it reassembled byte for byte.
//
//   echo TEXT        TEXT '\n'
//   repeat N TEXT    N lines of TEXT '\n'
//   bytes N          N bytes of the offset pattern (see bytes_pattern)
//   sleep MS         sleeps, answers "slept MS ms\n"
//   help             the list of commands
// Anything else answers "error: unknown command ..." with error set.

#include <cstddef>
#include <string>
#include <string_view>

namespace sniff::commands {

struct CommandLimits {
    std::size_t max_output = 16 * 1024 * 1024; // bytes an answer may hold
    int timeout_ms = 10'000;                   // per command
};

struct CommandResult {
    std::string output;
    bool error = false; // output is an error message
};

// real: sleep really sleeps. predict: compute the answer without side effects or waiting.
enum class RunMode { real, predict };

CommandResult run_builtin(std::string_view line, const CommandLimits& limits, RunMode mode);

// Runs `/bin/sh -c line` with stdin from /dev/null, capturing stdout and stderr together.
// Kills the process group on timeout or when output passes the limit (error set, with what was
// captured so far followed by a note).
CommandResult run_shell(const std::string& line, const CommandLimits& limits);

// Deterministic payload: 16-byte records "OOOOOOOO LLLLLL\n" where OOOOOOOO is the record's
// offset in hex and LLLLLL six letters rotating with the record number, cut at count bytes. A
// slice at any offset is reproducible, so a corrupted or misplaced byte is visible and locatable.
std::string bytes_pattern(std::size_t offset, std::size_t count);

// Offset of the first byte of `data` that differs from bytes_pattern(0, ...); npos when equal.
std::size_t first_pattern_mismatch(std::string_view data);

} // namespace sniff::commands
