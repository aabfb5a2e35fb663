// Fuzz target: the command server's request/answer frame decoder (commands/framing.hpp), for each
// wire framing (byte 0 picks it), plus the line and decimal parsers it builds on.
// Checks: a complete frame fits in the bytes given and its parts add up; a body never exceeds
// max_body.

#include "commands/framing.hpp"
#include "fuzz/fuzz_support.hpp"

#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace sniff::commands;
    sniff::fuzz::Input input(data, size);
    const std::uint8_t pick = input.u8();
    const Framing framing = k_framings[pick % k_framings.size()].value;
    const std::size_t max_body = (pick & 0x80) != 0 ? 64 : k_max_request;
    const sniff::util::Bytes bytes = input.rest();

    const Decoded frame = decode_frame(framing, bytes, max_body);
    if (frame.state == DecodeState::complete) {
        SNIFF_FUZZ_CHECK(frame.frame_length <= bytes.size());
        SNIFF_FUZZ_CHECK(frame.header_length + frame.body_length <= frame.frame_length);
        SNIFF_FUZZ_CHECK(frame.body_length <= max_body);
    }
    const Decoded line = decode_line(bytes, k_max_length_line);
    if (line.state == DecodeState::complete)
        SNIFF_FUZZ_CHECK(line.frame_length <= bytes.size());
    const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    if (const auto value = parse_decimal(text, k_struct_max))
        SNIFF_FUZZ_CHECK(*value <= k_struct_max);
    return 0;
}
