#pragma once
// The end of an HTTP/1.1 chunked body (RFC 9112 section 7.1), found by a scan that is fed the
// body's bytes in pieces and keeps its place between them. Chunk data is skipped by count, never
// read; only size lines and trailer lines are looked at, each capped at k_chunk_line_max bytes.
//
//   chunk      = chunk-size [ ";" ext ] CRLF  chunk-data CRLF      (chunk-size: hex digits)
//   last-chunk = "0" [ ";" ext ] CRLF
//   body       = *chunk last-chunk *( trailer-field CRLF ) CRLF

#include "util/byte_reader.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace sniff::dissect {

inline constexpr std::size_t k_chunk_line_max = 4096;
inline constexpr std::size_t k_chunk_parts_listed = 16; // chunks whose place is kept

struct ChunkScan {
    enum class Status : std::uint8_t { more, done, bad };
    Status status = Status::more;
    std::size_t used = 0; // done: bytes of this piece up to and including the body's last byte
    std::string reason;   // bad
};

class ChunkedBody {
public:
    // `max_chunk` bounds one chunk's declared size (hostile sizes are reported, not trusted).
    ChunkedBody() = default;
    explicit ChunkedBody(std::uint64_t max_chunk) : m_max_chunk(max_chunk) {}

    // Scans the next piece of the body. more: all of it was body; done: the body ended within
    // it; bad: a size line or the CRLF after a chunk is not what RFC 9112 says.
    ChunkScan feed(util::Bytes piece);
    std::uint64_t chunks() const { return m_chunks; }
    // The message's parts: where each chunk's data begins (from the body's first byte) and its
    // size, for the first k_chunk_parts_listed chunks; the chunks past them are only counted.
    struct Part {
        std::uint64_t offset = 0;
        std::uint64_t size = 0;
    };
    const std::vector<Part>& parts() const { return m_parts; }

private:
    enum class Phase : std::uint8_t { size_line, data, data_end, trailer };
    // A line is complete when its LF arrives; bytes before it are counted, not kept, except the
    // size line's digits (kept in m_value as they come).
    bool size_line_byte(char c, ChunkScan& scan);
    bool trailer_byte(char c, ChunkScan& scan);

    std::uint64_t m_max_chunk = 1ull << 40;
    Phase m_phase = Phase::size_line;
    std::uint64_t m_value = 0; // chunk size so far, or data bytes left
    std::size_t m_line = 0;    // bytes of the current line so far
    bool m_in_extension = false;
    bool m_digits = false;
    bool m_data_cr = false; // data_end: the CR was seen
    std::uint64_t m_chunks = 0;
    std::uint64_t m_fed = 0; // body bytes fed before the current piece
    std::vector<Part> m_parts;
};

} // namespace sniff::dissect
