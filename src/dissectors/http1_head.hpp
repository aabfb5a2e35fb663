#pragma once
// HTTP/1.x message heads (RFC 9112 sections 2-6): where the header section ends, and the start
// line and the few fields that decide where the body ends. Pure functions over bytes.
//
//   request:   METHOD SP target SP HTTP/1.x CRLF      response:  HTTP/1.x SP 3DIGIT SP reason CRLF
//              (field-name ":" OWS value OWS CRLF)*              (field-name ":" value CRLF)*
//              CRLF                                              CRLF
// Bare LF is accepted wherever CRLF is (RFC 9112 section 2.2).

#include "util/byte_reader.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace sniff::dissect {

struct HttpHead {
    bool request = false;
    std::string method;       // request
    std::string target;       // request, at most k_kept_target bytes
    std::uint16_t status = 0; // response
    bool chunked = false;     // Transfer-Encoding ends in chunked
    bool has_length = false;  // a valid Content-Length
    std::uint64_t content_length = 0;
    std::string upgrade;             // Upgrade field value, lower-cased ("websocket", "h2c", ...)
    bool connection_upgrade = false; // Connection lists "upgrade"
    bool http2_preface = false;      // "PRI * HTTP/2.0": the start of HTTP/2 with prior knowledge
};

inline constexpr std::size_t k_kept_target = 120;

// The length of the head (start line, fields and the empty line) in bytes, scanning from byte
// `from` (the caller's earlier scans found no end before it); nullopt when the empty line is not
// there yet.
std::optional<std::size_t> find_head_end(util::Bytes bytes, std::size_t from = 0);

// Parses a complete head (find_head_end's bytes). On failure returns nullopt and says why in
// `error`: a bad start line, a Content-Length that is not a number or over 2^40, two
// Content-Lengths that differ.
std::optional<HttpHead> parse_head(util::Bytes head, std::string& error);

// Whether bytes begin like an HTTP/1 start line (a known method and a space, or "HTTP/1."):
// yes, no, or not enough bytes to tell.
enum class StartLine : std::uint8_t { yes, no, unknown };
StartLine looks_like_start_line(util::Bytes bytes);

} // namespace sniff::dissect
