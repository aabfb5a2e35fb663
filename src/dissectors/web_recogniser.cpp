// auto's web recogniser (see web_recogniser.hpp).

#include "dissectors/web_recogniser.hpp"

#include "dissectors/http1_head.hpp"
#include "dissectors/http2_frames.hpp"

#include <algorithm>

namespace sniff::dissect {

namespace {

constexpr std::size_t k_longest_start_line = 8192; // nginx's default large_client_header_buffers

} // namespace

WebSign recognise_web(util::Bytes first_bytes, model::Direction direction) {
    if (direction == model::Direction::s2c && first_bytes.size() >= 9 &&
        first_bytes[3] == std::byte{0x4} && plausible_http2_header(first_bytes.first(9)))
        return WebSign::http;
    const StartLine start = looks_like_start_line(first_bytes);
    if (start == StartLine::no)
        return WebSign::not_web;
    if (start == StartLine::unknown)
        return WebSign::too_short;
    const std::size_t scanned = std::min(first_bytes.size(), k_longest_start_line);
    for (std::size_t i = 0; i < scanned; ++i) {
        if (first_bytes[i] != std::byte{'\n'})
            continue;
        std::string error;
        return parse_head(first_bytes.first(i + 1), error) ? WebSign::http : WebSign::not_web;
    }
    return scanned == k_longest_start_line ? WebSign::not_web : WebSign::too_short;
}

Guess web_guess() {
    Guess guess;
    guess.spec.family = Family::http;
    guess.spec.max = k_default_http_max;
    guess.text = to_string(guess.spec);
    guess.protocol = "http";
    guess.confidence = k_web_confidence;
    guess.uncertain = false;
    return guess;
}

} // namespace sniff::dissect
