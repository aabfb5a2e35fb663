#include "dissectors/auto_detect.hpp"

namespace sniff::dissect {

Guess guess_framing(util::Bytes, std::span<const std::uint64_t>, bool) {
    Guess guess;
    guess.text = "raw";
    return guess;
}

} // namespace sniff::dissect
