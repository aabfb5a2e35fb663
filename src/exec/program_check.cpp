#include "exec/program_check.hpp"

#include "util/byte_reader.hpp"

#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <string_view>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace sniff::exec {

namespace {

constexpr std::size_t k_max_program_headers = 512;
constexpr std::uint32_t k_pt_interp = 3;
constexpr int k_max_script_depth = 4;

const char* const k_suggestion =
    "; run it with `sniff --proxy` or capture it with `sniff -i` instead";

std::vector<std::byte> read_at(int fd, std::uint64_t offset, std::size_t size) {
    std::vector<std::byte> bytes(size);
    const ssize_t got = ::pread(fd, bytes.data(), size, static_cast<off_t>(offset));
    bytes.resize(got > 0 ? static_cast<std::size_t>(got) : 0);
    return bytes;
}

enum class ElfKind { not_elf, dynamic, static_binary, unreadable };

// ELF header: e_ident[16], type, machine, version, entry, phoff, shoff, flags, ehsize,
// phentsize, phnum (addresses 4 or 8 bytes by class). Program header: p_type first.
ElfKind elf_kind(int fd) {
    const std::vector<std::byte> header = read_at(fd, 0, 64);
    util::ByteReader reader(header);
    if (reader.read_be32() != 0x7f454c46u) // "\x7fELF"
        return ElfKind::not_elf;
    const std::uint8_t elf_class = reader.read_u8();
    const bool little = reader.read_u8() == 1;
    if (elf_class != 1 && elf_class != 2)
        return ElfKind::unreadable;
    const std::size_t word = elf_class == 2 ? 8 : 4;
    reader.skip(10 + 2 + 2 + 4 + word); // rest of e_ident, type, machine, version, entry
    const std::uint64_t phoff = reader.read_uint(word, little);
    reader.skip(word + 4 + 2); // shoff, flags, ehsize
    const std::uint16_t phentsize = reader.read_u16(little);
    const std::uint16_t phnum = reader.read_u16(little);
    if (!reader.ok() || phentsize < 4 || phnum > k_max_program_headers)
        return ElfKind::unreadable;
    const std::vector<std::byte> table =
        read_at(fd, phoff, static_cast<std::size_t>(phentsize) * phnum);
    util::ByteReader headers(table);
    for (std::uint16_t i = 0; i < phnum && headers.has(phentsize); ++i) {
        util::ByteReader entry(headers.take(phentsize));
        if (entry.read_u32(little) == k_pt_interp)
            return ElfKind::dynamic;
    }
    return ElfKind::static_binary;
}

// "#!/usr/bin/env python3" → "/usr/bin/env"; empty when the file is no script.
std::string script_interpreter(int fd) {
    const std::vector<std::byte> head = read_at(fd, 0, 256);
    util::ByteReader reader(head);
    if (reader.read_u8() != '#' || reader.read_u8() != '!')
        return {};
    std::string interpreter;
    while (reader.remaining() > 0) {
        const char c = static_cast<char>(reader.read_u8());
        if (c == '\n' || ((c == ' ' || c == '\t') && !interpreter.empty()))
            break;
        if (c != ' ' && c != '\t')
            interpreter.push_back(c);
    }
    return interpreter;
}

ProgramCheck refuse(const std::string& path, const std::string& why) {
    return ProgramCheck{false, path, "sniff exec: " + path + " " + why + k_suggestion};
}

ProgramCheck check_file(const std::string& path, int depth) {
    struct stat status {};
    if (::stat(path.c_str(), &status) != 0 || !S_ISREG(status.st_mode))
        return ProgramCheck{false, path, "sniff exec: " + path + ": no such program"};
    const bool setuid = (status.st_mode & S_ISUID) && status.st_uid != ::geteuid();
    const bool setgid = (status.st_mode & S_ISGID) && status.st_gid != ::getegid();
    if (setuid || setgid)
        return refuse(path, setuid ? "is set-user-ID: the loader ignores the preload library for it"
                                   : "is set-group-ID: the loader ignores the preload library for "
                                     "it");
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return ProgramCheck{false, path, "sniff exec: cannot read " + path};
    const ElfKind kind = elf_kind(fd);
    const std::string interpreter = kind == ElfKind::not_elf ? script_interpreter(fd) : "";
    ::close(fd);
    switch (kind) {
    case ElfKind::dynamic:
        return ProgramCheck{true, path, ""};
    case ElfKind::static_binary:
        return refuse(path, "is statically linked (no dynamic loader, as Go programs and "
                            "`gcc -static` builds): the preload library cannot see its calls");
    case ElfKind::unreadable:
        return refuse(path, "is an ELF file sniff cannot read");
    case ElfKind::not_elf:
        break;
    }
    if (interpreter.empty() || depth >= k_max_script_depth)
        return refuse(path, "is neither a dynamically linked program nor a script");
    ProgramCheck inner = check_file(interpreter, depth + 1);
    inner.path = path;
    return inner;
}

} // namespace

std::string find_program(const std::string& command) {
    if (command.empty())
        return {};
    if (command.find('/') != std::string::npos)
        return command;
    const char* path_variable = std::getenv("PATH");
    std::string_view rest = path_variable != nullptr ? path_variable : "/usr/bin:/bin";
    while (true) {
        const std::size_t colon = rest.find(':');
        // An empty PATH entry means the current directory.
        const std::filesystem::path dir(colon == 0 ? std::string_view(".") : rest.substr(0, colon));
        const std::filesystem::path candidate = dir / command;
        if (::access(candidate.c_str(), X_OK) == 0)
            return candidate.string();
        if (colon == std::string_view::npos)
            return {};
        rest.remove_prefix(colon + 1);
    }
}

ProgramCheck check_program(const std::string& command) {
    const std::string path = find_program(command);
    if (path.empty())
        return ProgramCheck{false, command, "sniff exec: " + command + ": command not found"};
    return check_file(path, 0);
}

} // namespace sniff::exec
