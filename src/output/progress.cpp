#include "output/progress.hpp"

#include <cinttypes>

namespace sniff::output {

Progress::Progress(bool enabled, std::uint64_t total_bytes)
    : m_enabled(enabled), m_total(total_bytes), m_start(std::chrono::steady_clock::now()),
      m_last_print(m_start) {}

void Progress::maybe_print(std::uint64_t bytes_done, std::uint64_t flows) {
    const auto now = std::chrono::steady_clock::now();
    if (now - m_last_print < std::chrono::milliseconds(250))
        return;
    m_last_print = now;
    const double seconds = std::chrono::duration<double>(now - m_start).count();
    const double megabytes = static_cast<double>(bytes_done) / 1e6;
    std::fprintf(stderr, "\r\x1b[K%.0f of %.0f MB (%.0f%%), %.0f MB/s, %" PRIu64 " flows",
                 megabytes, static_cast<double>(m_total) / 1e6,
                 m_total ? 100.0 * static_cast<double>(bytes_done) / static_cast<double>(m_total)
                         : 0.0,
                 seconds > 0 ? megabytes / seconds : 0.0, flows);
    m_printed = true;
}

void Progress::done() {
    if (m_printed)
        std::fputs("\r\x1b[K", stderr);
    m_printed = false;
}

} // namespace sniff::output
