#pragma once
// Can the preload library see this program's calls? Checked before it runs: the loader honours
// LD_PRELOAD only for dynamically linked ELF programs (those with a PT_INTERP program header) and
// ignores it for setuid/setgid programs run by someone else. A script (#!) is judged by its
// interpreter. The file is untrusted: headers are parsed through util::ByteReader, at most
// k_max_program_headers of them.

#include <string>

namespace sniff::exec {

struct ProgramCheck {
    bool ok = false;
    std::string path;    // the program found (PATH searched like execvp)
    std::string message; // why it is refused, ready to print
};

ProgramCheck check_program(const std::string& command);

// Finds `command` as execvp would: a name with a slash as it is, else along PATH. Empty when
// not found.
std::string find_program(const std::string& command);

} // namespace sniff::exec
