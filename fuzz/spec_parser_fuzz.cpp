// Fuzz target: the framing spec language and the --framing PORT=SPEC selector.
// Checks the documented properties: parse_spec(to_string(s)) == s for every accepted spec, an
// error's position lies inside the text, and escape_spec_bytes is the inverse of the delim
// parser's escapes.

#include "dissectors/selector.hpp"
#include "dissectors/spec.hpp"
#include "fuzz/fuzz_support.hpp"

#include <cstdint>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace sniff::dissect;
    const std::string_view text(reinterpret_cast<const char*>(data), size);

    const auto result = parse_spec(text);
    if (const auto* spec = std::get_if<FramingSpec>(&result)) {
        const std::string canonical = to_string(*spec);
        const auto again = parse_spec(canonical);
        const auto* reparsed = std::get_if<FramingSpec>(&again);
        SNIFF_FUZZ_CHECK(reparsed != nullptr);
        SNIFF_FUZZ_CHECK(*reparsed == *spec);
    } else {
        SNIFF_FUZZ_CHECK(std::get<SpecError>(result).position <= size);
    }

    FramingSelector selector;
    (void)selector.add(text);

    // Any separator the parser allows (1..64 bytes) survives escaping and parsing unchanged.
    if (!text.empty() && size <= 64) { // separators are 1..64 bytes
        const auto delim = parse_spec("delim:" + escape_spec_bytes(text));
        const auto* spec = std::get_if<FramingSpec>(&delim);
        SNIFF_FUZZ_CHECK(spec != nullptr);
        SNIFF_FUZZ_CHECK(spec->bytes == text);
    }
    return 0;
}
