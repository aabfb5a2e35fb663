#pragma once
// `auto`'s recogniser for the web family: names HTTP/1.x, the HTTP/2 preface and an HTTP/2
// server's first SETTINGS frame from a direction's first bytes, so `auto` picks `http` (which
// follows upgrades to WebSocket and HTTP/2 itself) instead of CRLF lines.

#include "dissectors/auto_detect.hpp"

#include <optional>

namespace sniff::dissect {

inline constexpr double k_web_confidence = 0.95;

enum class WebSign : std::uint8_t { http, not_web, too_short };

// http: the bytes begin with a complete HTTP/1 start line (request or status line) or the
// HTTP/2 client preface, or (from the server) a SETTINGS frame header; too_short: they may yet.
WebSign recognise_web(util::Bytes first_bytes, model::Direction direction);

// The guess for a recognised direction.
Guess web_guess();

} // namespace sniff::dissect
