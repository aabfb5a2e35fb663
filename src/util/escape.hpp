#pragma once
// Escaping of untrusted bytes before they reach a terminal, a log line or a JSON preview.
// Printable ASCII passes; everything else becomes a C-style escape (\n, \r, \t, \0, \\, \xNN), so
// no escape sequence, control byte or invalid UTF-8 from the network ever reaches the terminal.

#include "util/byte_reader.hpp"

#include <string>

namespace sniff::util {

// Escapes bytes; stops after max_output characters of output and appends "…" when cut.
std::string escape_bytes(Bytes bytes, std::size_t max_output = SIZE_MAX);

// Escapes a string received from outside (names, JSON strings) the same way.
std::string escape_text(std::string_view text, std::size_t max_output = SIZE_MAX);

} // namespace sniff::util
