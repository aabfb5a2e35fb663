#pragma once
// The bytes of a capture file held in memory: a private read-only mapping for regular files, or
// a heap copy for standard input, pipes and anything else that cannot be mapped. Readers parse
// straight out of bytes() and hand out views into it, so it must outlive every RawPacket.

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

    util::Bytes bytes() const { return m_bytes; }

    // Tells the kernel the mapped pages before offset are not needed now, so a long sequential
    // read does not keep the whole file resident (peak memory stays flat whatever the file size).
    // The bytes stay readable: untouched private file pages fault back in from the page cache.
    // No-op for a heap copy.
    void release_before(std::size_t offset);
    bool is_mapped() const { return m_mapping != nullptr; }

private:
    bool read_all(int fd, const std::string& path, std::string& error);

    void* m_mapping = nullptr;
    std::size_t m_mapping_size = 0;
    std::size_t m_released = 0; // bytes at the start of the mapping already released
    std::vector<std::byte> m_copy;
    util::Bytes m_bytes;
};

} // namespace sniff::capture
