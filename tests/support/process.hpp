#pragma once
// Test support: run a command through the shell and collect its output, make scratch directories.

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>

namespace sniff::test {

struct CommandResult {
    int exit_code = -1;
    std::string out; // standard output (standard error goes to err)
    std::string err;
};

inline std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream content;
    content << in.rdbuf();
    return content.str();
}

inline std::filesystem::path scratch_dir(const std::string& name) {
    auto dir = std::filesystem::temp_directory_path() /
               ("sniff-test-" + name + "-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    return dir;
}

inline CommandResult run_command(const std::string& command) {
    static int counter = 0;
    const auto err_path =
        std::filesystem::temp_directory_path() /
        ("sniff-test-stderr-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    CommandResult result;
    const std::string full = command + " 2>'" + err_path.string() + "'";
    FILE* pipe = ::popen(full.c_str(), "r");
    if (pipe == nullptr)
        return result;
    char buffer[65536];
    std::size_t got = 0;
    while ((got = std::fread(buffer, 1, sizeof buffer, pipe)) > 0)
        result.out.append(buffer, got);
    const int status = ::pclose(pipe);
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    result.err = read_file(err_path);
    std::filesystem::remove(err_path);
    return result;
}

inline bool have_program(const std::string& name) {
    return run_command("command -v " + name + " >/dev/null").exit_code == 0;
}

} // namespace sniff::test
