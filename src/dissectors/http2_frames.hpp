#pragma once
// HTTP/2 frames (RFC 9113 sections 3.4 and 4.1) for both directions of one connection. Used by
// the `http2` framing and by `http` after an h2c upgrade or a prior-knowledge preface.
//
//   client preface: "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" (24 bytes), once, before the first frame
//   frame: | length (24, be) | type (8) | flags (8) | R (1) stream id (31) | payload: length bytes
// Each frame is one message (header 9 bytes); header_json gives its type, stream id, flags and
// length. A direction whose first bytes are not a preface or a plausible frame header (a capture
// that began mid-connection) is resynchronised on the next plausible header: known type, flags
// that type defines, stream id zero exactly for the connection-level types, a length within the
// default SETTINGS_MAX_FRAME_SIZE (16384) and consistent with the type.

#include "dissectors/framing.hpp"

#include <array>

namespace sniff::dissect {

inline constexpr std::uint64_t k_http2_default_max = (1ull << 24) - 1; // the 24-bit field's limit
inline constexpr std::size_t k_http2_preface_size = 24;

class Http2Frames {
public:
    explicit Http2Frames(std::uint64_t max) : m_max(max) {}

    // The framing contract in head mode (from is always 0). malformed(skip_to_delimiter) when a
    // direction does not start on a preface or plausible frame header, or a frame is over max.
    FrameResult frame(model::Direction direction, util::Bytes bytes);
    // Bytes before the next plausible frame header in `bytes` (see the file comment), or nullopt.
    std::optional<std::size_t> find_resync(util::Bytes bytes) const;
    // After an h2c upgrade the client's next bytes are the preface.
    void expect_preface() { m_started = {}; }

private:
    std::uint64_t m_max;
    std::array<bool, 2> m_started{}; // the direction has framed something
};

// Whether 9 bytes are a plausible frame header (see the file comment).
bool plausible_http2_header(util::Bytes header);
// The frame type's name ("DATA", "HEADERS", ...), or empty for an unknown type.
std::string_view http2_type_name(std::uint8_t type);

} // namespace sniff::dissect
