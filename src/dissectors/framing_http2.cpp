// http2: the HTTP/2 client preface and frames from the first byte of each direction (cleartext
// h2c with prior knowledge); the frames are in http2_frames.hpp. Under `http`, the same frames
// follow a preface or a 101 to Upgrade: h2c.

#include "dissectors/family_registry.hpp"
#include "dissectors/http2_frames.hpp"

#include <array>

namespace sniff::dissect {

namespace {

class Http2Framing final : public Framing {
public:
    explicit Http2Framing(const FramingSpec& spec) : m_frames(spec.max) {}
    FrameResult frame(model::Direction direction, util::Bytes bytes, std::uint64_t) override {
        return m_frames.frame(direction, bytes);
    }
    std::optional<std::size_t> find_resync(model::Direction, util::Bytes bytes, bool) override {
        return m_frames.find_resync(bytes);
    }
    bool can_resync() const override { return true; }

private:
    Http2Frames m_frames;
};

SpecResult parse_http2(const SpecParser& parser, std::span<const SpecPart> parts) {
    SpecResult result = parse_max_only(parser, parts, Family::http2, "http2", k_default_http2_max);
    const auto* spec = std::get_if<FramingSpec>(&result);
    if (spec != nullptr && spec->max > k_default_http2_max)
        return parser.error("http2", "max must be 1..2^24-1 (the length field's range), not",
                            parts.back());
    return result;
}

std::string print_http2(const FramingSpec& spec) {
    return print_max_only(spec, "http2", k_default_http2_max);
}

std::unique_ptr<Framing> make_http2_framing(const FramingSpec& spec) {
    return std::make_unique<Http2Framing>(spec);
}

constexpr std::array<std::string_view, 2> k_fuzz_specs{"http2", "http2:max=100"};

} // namespace

extern const FamilyInfo k_family_http2{
    .family = Family::http2,
    .name = "http2",
    .grammar = "http2[:max=N]",
    .parse = parse_http2,
    .print = print_http2,
    .make = make_http2_framing,
    .lua_body = nullptr, // Wireshark dissects HTTP/2 itself; sniff exports no Lua form
    .fuzz_specs = k_fuzz_specs,
};

} // namespace sniff::dissect
