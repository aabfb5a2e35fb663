#pragma once
// Helpers shared by the capture tests: a temporary directory, whole-file I/O, little-endian
// byte builders for hand-made blocks, and reading every packet of a capture into owned copies.

#include "capture/file_reader.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace sniff::capture::test {

using ByteVector = std::vector<std::byte>;

class TempDir {
public:
    TempDir() {
        std::string pattern = (std::filesystem::temp_directory_path() / "sniff-capture-XXXXXX");
        if (::mkdtemp(pattern.data()) == nullptr)
            throw std::runtime_error("mkdtemp failed");
        m_path = pattern;
    }
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(m_path, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    std::string file(const std::string& name) const { return (m_path / name).string(); }

private:
    std::filesystem::path m_path;
};

inline ByteVector read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    const std::vector<char> chars((std::istreambuf_iterator<char>(in)),
                                  std::istreambuf_iterator<char>());
    ByteVector bytes(chars.size());
    for (std::size_t i = 0; i < chars.size(); ++i)
        bytes[i] = static_cast<std::byte>(chars[i]);
    return bytes;
}

inline void write_file(const std::string& path, const ByteVector& bytes, std::size_t size) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(size));
}

inline void write_file(const std::string& path, const ByteVector& bytes) {
    write_file(path, bytes, bytes.size());
}

inline ByteVector bytes_of(std::initializer_list<int> values) {
    ByteVector out;
    for (const int value : values)
        out.push_back(static_cast<std::byte>(value));
    return out;
}

// Little-endian field appenders for hand-made block bodies.
inline void put_le16(ByteVector& out, std::uint16_t value) {
    for (int i = 0; i < 2; ++i)
        out.push_back(static_cast<std::byte>(value >> (8 * i)));
}
inline void put_le32(ByteVector& out, std::uint32_t value) {
    for (int i = 0; i < 4; ++i)
        out.push_back(static_cast<std::byte>(value >> (8 * i)));
}
inline void put_le64(ByteVector& out, std::uint64_t value) {
    for (int i = 0; i < 8; ++i)
        out.push_back(static_cast<std::byte>(value >> (8 * i)));
}
inline void append(ByteVector& out, const ByteVector& more) {
    out.insert(out.end(), more.begin(), more.end());
}
inline void patch_le32(ByteVector& bytes, std::size_t offset, std::uint32_t value) {
    for (std::size_t i = 0; i < 4; ++i)
        bytes.at(offset + i) = static_cast<std::byte>(value >> (8 * i));
}

// A payload whose bytes depend on its seed, so swapped or shifted data shows.
inline ByteVector payload(std::size_t size, int seed) {
    ByteVector out(size);
    for (std::size_t i = 0; i < size; ++i)
        out[i] = static_cast<std::byte>((seed * 31 + static_cast<int>(i) * 7) & 0xFF);
    return out;
}

struct Frame {
    std::uint64_t frame = 0;
    std::int64_t time = 0;
    std::uint32_t link_type = 0;
    std::uint32_t interface_id = 0;
    std::uint32_t original_length = 0;
    ByteVector data;
};

struct ReadResult {
    bool opened = false;
    CaptureError open_error;
    std::vector<Frame> frames;
    std::optional<CaptureError> error;
};

inline ReadResult read_capture(const std::string& path) {
    ReadResult result;
    auto reader = FileReader::open(path, result.open_error);
    if (!reader)
        return result;
    result.opened = true;
    RawPacket packet;
    while (reader->next(packet)) {
        result.frames.push_back({packet.frame, packet.time, packet.link_type, packet.interface_id,
                                 packet.original_length,
                                 ByteVector(packet.data.begin(), packet.data.end())});
    }
    result.error = reader->error();
    return result;
}

} // namespace sniff::capture::test
