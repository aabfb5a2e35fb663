#include "capture/input_buffer.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace sniff::capture {

namespace {

std::string system_error(const std::string& what, const std::string& path) {
    return what + " " + (path == "-" ? std::string("standard input") : path) + ": " +
           std::strerror(errno);
}

// Closes the descriptor on every return path, except standard input which is not ours.
class FdGuard {
public:
    explicit FdGuard(int fd, bool owned) : m_fd(fd), m_owned(owned) {}
    ~FdGuard() {
        if (m_owned && m_fd >= 0)
            ::close(m_fd);
    }
    FdGuard(const FdGuard&) = delete;
    FdGuard& operator=(const FdGuard&) = delete;

private:
    int m_fd;
    bool m_owned;
};

} // namespace

InputBuffer::~InputBuffer() {
    if (m_mapping != nullptr)
        ::munmap(m_mapping, m_mapping_size);
}

bool InputBuffer::load(const std::string& path, std::string& error) {
    const bool is_stdin = path == "-";
    const int fd = is_stdin ? STDIN_FILENO : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        error = system_error("cannot open", path);
        return false;
    }
    const FdGuard guard(fd, !is_stdin);

    struct stat info {};
    if (::fstat(fd, &info) != 0) {
        error = system_error("cannot stat", path);
        return false;
    }
    // Only non-empty regular files are mapped: mmap refuses length 0, and pipes, FIFOs and
    // character devices either cannot be mapped or have no meaningful size. A redirected
    // standard input that was partly consumed must be read from where it stands, not mapped.
    const bool at_start = !is_stdin || ::lseek(fd, 0, SEEK_CUR) == 0;
    if (S_ISREG(info.st_mode) && info.st_size > 0 && at_start) {
        const auto size = static_cast<std::size_t>(info.st_size);
        void* mapping = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (mapping != MAP_FAILED) {
            // Advice only: a failure changes nothing but read-ahead.
            (void)::madvise(mapping, size, MADV_SEQUENTIAL);
            m_mapping = mapping;
            m_mapping_size = size;
            m_bytes = util::as_bytes(mapping, size);
            return true;
        }
        // Some file systems cannot map; fall through to reading.
    }
    return read_all(fd, path, error);
}

bool InputBuffer::read_all(int fd, const std::string& path, std::string& error) {
    constexpr std::size_t k_chunk = 1 << 20;
    std::size_t used = 0;
    for (;;) {
        if (m_copy.size() - used < k_chunk)
            m_copy.resize(used + k_chunk);
        const ssize_t got = ::read(fd, m_copy.data() + used, m_copy.size() - used);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            error = system_error("cannot read", path);
            return false;
        }
        if (got == 0)
            break;
        used += static_cast<std::size_t>(got);
    }
    m_copy.resize(used);
    m_copy.shrink_to_fit();
    m_bytes = util::Bytes(m_copy.data(), m_copy.size());
    return true;
}

void InputBuffer::release_before(std::size_t offset) {
    if (m_mapping == nullptr)
        return;
    const auto page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
    const std::size_t end = std::min(offset, m_mapping_size) / page * page;
    if (end <= m_released)
        return;
    madvise(static_cast<std::byte*>(m_mapping) + m_released, end - m_released, MADV_DONTNEED);
    m_released = end;
}

} // namespace sniff::capture
