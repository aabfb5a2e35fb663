#pragma once
// Progress of reading a large file, on standard error only when it is a terminal: bytes read of
// the total, rate, flows so far. Silent otherwise, so scripts and pipes see nothing.

#include <chrono>
#include <cstdint>
#include <cstdio>

namespace sniff::output {

class Progress {
public:
    // enabled: usually isatty(stderr) and not -q.
    Progress(bool enabled, std::uint64_t total_bytes);
    // Cheap to call per packet: looks at the clock only every few thousand calls.
    void update(std::uint64_t bytes_done, std::uint64_t flows) {
        if (m_enabled && ++m_calls % 4096 == 0)
            maybe_print(bytes_done, flows);
    }
    void done(); // erases the progress line

private:
    void maybe_print(std::uint64_t bytes_done, std::uint64_t flows);

    bool m_enabled;
    std::uint64_t m_total;
    std::uint64_t m_calls = 0;
    bool m_printed = false;
    std::chrono::steady_clock::time_point m_start;
    std::chrono::steady_clock::time_point m_last_print;
};

} // namespace sniff::output
