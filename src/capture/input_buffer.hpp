#pragma once
// The bytes of a capture file: a private read-only mapping for regular files, or, for standard
// input, pipes and anything else that cannot be mapped, a window over the stream that is read as
// the readers ask for bytes and drops what they are done with. `tcpdump -w - | sniff -r -` thus
// shows packets as they come and holds only the bytes around the read position, however long it
// runs. Readers parse out of window() and hand out views into it: a mapping's views stay valid
// while the buffer lives, a stream's only until the next release_before().

#include "util/byte_reader.hpp"

#include <cstddef>
#include <string>
#include <vector>

namespace sniff::capture {

class InputBuffer {
public:
    InputBuffer() = default;
    ~InputBuffer();
    InputBuffer(const InputBuffer&) = delete;
    InputBuffer& operator=(const InputBuffer&) = delete;

    // Maps path (or reads it, see above); "-" is standard input. On failure returns false and
    // sets error to a message naming the path and the system error.
    bool load(const std::string& path, std::string& error);

    // The bytes from stream offset `offset` that are at hand, after reading until at least `want`
    // of them are (fewer only at the end of the input). The buffer grows with the bytes that
    // actually arrive, never with `want`. A read error ends the input (see read_error()).
    util::Bytes window(std::size_t offset, std::size_t want);
    // The whole mapping; empty for a stream (it has no stable whole).
    util::Bytes mapped() const { return m_mapping != nullptr ? m_bytes : util::Bytes{}; }
    // The file's size when mapped; for a stream the bytes read so far (its size is not known).
    std::size_t size_known() const { return m_mapping != nullptr ? m_bytes.size() : m_end; }
    const std::string& read_error() const { return m_read_error; }

    // The reader is done with the bytes before offset. A mapping tells the kernel the pages are
    // not needed now (they fault back in from the page cache if read again), so a long read
    // does not keep the whole file resident; a stream drops them for good.
    void release_before(std::size_t offset);
    bool is_mapped() const { return m_mapping != nullptr; }

private:
    bool read_more(); // one read() into the stream window; false at the end or on an error
    // Maps the pages of the next few MiB after offset at once (a mapping only).
    void populate_ahead(std::size_t offset);

    void* m_mapping = nullptr;
    std::size_t m_mapping_size = 0;
    std::size_t m_released = 0;  // bytes at the start of the mapping already released
    std::size_t m_swept = 0;     // where the last release of everything behind ended
    std::size_t m_populated = 0; // bytes at the start of the mapping already populated
    util::Bytes m_bytes;         // the mapping
    // Stream: m_window holds stream bytes [m_base, m_end); m_fd is read for more until m_eof.
    int m_fd = -1;
    bool m_owns_fd = false;
    bool m_eof = false;
    std::string m_path;
    std::string m_read_error;
    std::vector<std::byte> m_window;
    std::size_t m_base = 0;
    std::size_t m_end = 0;
};

} // namespace sniff::capture
