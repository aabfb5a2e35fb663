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

// Linux 5.14's MADV_POPULATE_READ, named here for C libraries that predate it.
#ifdef MADV_POPULATE_READ
constexpr int k_madv_populate_read = MADV_POPULATE_READ;
#else
constexpr int k_madv_populate_read = 22;
#endif

std::string system_error(const std::string& what, const std::string& path) {
    // A file's name is said by whoever reports the error ("sniff: cap.pcap: cannot open: ...").
    return what + (path == "-" ? std::string(" standard input") : std::string()) + ": " +
           std::strerror(errno);
}

} // namespace

InputBuffer::~InputBuffer() {
    if (m_mapping != nullptr)
        ::munmap(m_mapping, m_mapping_size);
    if (m_owns_fd)
        ::close(m_fd);
}

bool InputBuffer::load(const std::string& path, std::string& error) {
    const bool is_stdin = path == "-";
    const int fd = is_stdin ? STDIN_FILENO : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        error = system_error("cannot open", path);
        return false;
    }
    const auto close_unless_stdin = [&] {
        if (!is_stdin)
            ::close(fd);
    };
    struct stat info {};
    if (::fstat(fd, &info) != 0) {
        error = system_error("cannot stat", path);
        close_unless_stdin();
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
            populate_ahead(0);
            close_unless_stdin(); // the mapping stays valid without the descriptor
            return true;
        }
        // Some file systems cannot map; fall through to reading.
    }
    m_fd = fd;
    m_owns_fd = !is_stdin;
    m_path = path;
    return true;
}

util::Bytes InputBuffer::window(std::size_t offset, std::size_t want) {
    if (m_mapping != nullptr)
        return offset < m_bytes.size() ? m_bytes.subspan(offset) : util::Bytes{};
    if (offset < m_base)
        return {}; // released: readers only go forward
    while ((offset >= m_end || m_end - offset < want) && read_more()) {
    }
    if (offset >= m_end)
        return {};
    return util::Bytes(m_window.data() + (offset - m_base), m_end - offset);
}

bool InputBuffer::read_more() {
    // Reads of this size keep system calls few; the window grows by at most this much per call,
    // so its size follows the bytes that arrived, not what a length field asked for.
    constexpr std::size_t k_chunk = 256u << 10;
    if (m_eof)
        return false;
    const std::size_t used = m_end - m_base;
    if (m_window.size() - used < k_chunk)
        m_window.resize(used + k_chunk);
    ssize_t got = 0;
    do {
        got = ::read(m_fd, m_window.data() + used, m_window.size() - used);
    } while (got < 0 && errno == EINTR);
    if (got <= 0) {
        if (got < 0)
            m_read_error = system_error("cannot read", m_path);
        m_eof = true;
        return false;
    }
    m_end += static_cast<std::size_t>(got);
    return true;
}

void InputBuffer::release_before(std::size_t offset) {
    if (m_mapping == nullptr) {
        if (offset <= m_base)
            return;
        const std::size_t drop = std::min(offset, m_end) - m_base;
        std::memmove(m_window.data(), m_window.data() + drop, m_end - m_base - drop);
        m_base += drop;
        return;
    }
    const auto page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
    const std::size_t end = std::min(offset, m_mapping_size) / page * page;
    if (end <= m_released)
        return;
    // Released pages fault back in when a consumer reads an old view again (reassembly delivers
    // bytes held behind a hole from the frames that carried them): the recent past is released
    // again each time, and everything behind once per k_sweep_step, so those stay bounded too.
    constexpr std::size_t k_lookback = 64u << 20;
    constexpr std::size_t k_sweep_step = 1u << 30;
    std::size_t from = std::min(m_released, end > k_lookback ? end - k_lookback : 0);
    if (end >= m_swept + k_sweep_step) {
        from = 0;
        m_swept = end;
    }
    madvise(static_cast<std::byte*>(m_mapping) + from, end - from, MADV_DONTNEED);
    m_released = end;
    populate_ahead(offset);
}

void InputBuffer::populate_ahead(std::size_t offset) {
    // Mapping the next pages with one call instead of a page fault per 64 KiB: on a virtual
    // machine each fault is an exit, and they cost ~15 % of reading a capture of small packets.
    // Advice only: an older kernel refuses it and the pages fault in as before.
    constexpr std::size_t k_populate_ahead = 16u << 20;
    const auto page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
    const std::size_t from = std::max(m_populated, offset / page * page);
    // madvise wants a page-aligned start, so every range ends on a page (or the mapping's end).
    const std::size_t to = std::min(m_mapping_size, (offset + k_populate_ahead) / page * page);
    if (to <= from)
        return;
    madvise(static_cast<std::byte*>(m_mapping) + from, to - from, k_madv_populate_read);
    m_populated = to;
}

} // namespace sniff::capture
