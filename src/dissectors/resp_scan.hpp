#pragma once
// The RESP value scanner behind the resp framing (framing_resp.cpp): a resumable state machine
// that finds where one top-level RESP2/RESP3 value ends, however the bytes are chunked.
// https://redis.io/docs/latest/develop/reference/protocol-spec/
//
//   simple   + - : _ # , (   TYPE text CRLF
//   blob     $ ! =           TYPE length CRLF, length bytes, CRLF     ($-1 CRLF: null)
//   aggregate * ~ >          TYPE count CRLF, count values            (*-1 CRLF: null)
//            %               TYPE count CRLF, 2 x count values (key, value)
//            |               TYPE count CRLF, 2 x count values, then the value they annotate
//   inline   any other first byte of a top-level value: one line up to LF (`PING\r\n`)
// Counts, lengths and depth are untrusted: a count or length over max, or nesting deeper than
// k_resp_max_depth, is malformed before anything is added up. Nothing is buffered or allocated:
// the state is a fixed array of remaining counts.

#include "util/byte_reader.hpp"

#include <array>
#include <cstdint>
#include <string>

namespace sniff::dissect {

inline constexpr std::size_t k_resp_max_depth = 64;

class RespScan {
public:
    enum class Verdict : std::uint8_t {
        more,     // every byte used; the value goes on
        complete, // the value ends `used` bytes into the chunk
        body,     // a top-level blob: the value ends `rest` bytes after the `used` bytes
        malformed // `reason` says why; `used` bytes were read
    };
    struct Step {
        Verdict verdict = Verdict::more;
        std::size_t used = 0;
        std::uint64_t rest = 0;
        const char* reason = "";
    };

    explicit RespScan(std::uint64_t max) : m_max(max) {}

    // Starts a new value (drops all state).
    void reset() {
        m_phase = Phase::type;
        m_depth = 0;
        m_header = 0;
        m_push = false;
        m_seen = 0;
    }
    // Scans the next chunk of the current value.
    Step advance(util::Bytes chunk);

    std::uint64_t header() const { return m_header; } // the first line's length, once read
    bool push() const { return m_push; }              // the value is a RESP3 push (>)

private:
    enum class Phase : std::uint8_t { type, text_line, number_line, body, inline_line };

    Step line_end(std::size_t used);
    Step value_done(std::size_t used);
    Step start_value(std::uint8_t type, std::size_t used);
    Step number_chunk(const std::uint8_t* data, std::size_t size, std::size_t& i);

    std::uint64_t m_max;
    Phase m_phase = Phase::type;
    std::uint8_t m_type = 0;
    bool m_negative = false;
    bool m_digits = false;
    bool m_cr = false;
    bool m_push = false;
    std::uint8_t m_depth = 0;
    std::uint64_t m_number = 0;
    std::uint64_t m_body_left = 0;
    std::uint64_t m_header = 0;
    std::uint64_t m_seen = 0; // bytes of the value before the current chunk
    std::array<std::uint64_t, k_resp_max_depth> m_left{};
};

} // namespace sniff::dissect
