// websocket: RFC 6455 frames from the first byte of each direction (a capture of the upgraded
// connection alone, or a WebSocket port); the frames themselves are in websocket_frames.hpp.
// Under `http`, the same frames follow a 101 to Upgrade: websocket.

#include "dissectors/family_registry.hpp"
#include "dissectors/websocket_frames.hpp"

#include <array>

namespace sniff::dissect {

namespace {

class WebSocketFraming final : public Framing {
public:
    explicit WebSocketFraming(const FramingSpec& spec) : m_frames(spec.max) {}
    FrameResult frame(model::Direction direction, util::Bytes bytes, std::uint64_t) override {
        return m_frames.frame(direction, bytes);
    }

private:
    WebSocketFrames m_frames;
};

SpecResult parse_websocket(const SpecParser& parser, std::span<const SpecPart> parts) {
    return parse_max_only(parser, parts, Family::websocket, "websocket", k_default_http_max);
}

std::string print_websocket(const FramingSpec& spec) {
    return print_max_only(spec, "websocket", k_default_http_max);
}

std::unique_ptr<Framing> make_websocket_framing(const FramingSpec& spec) {
    return std::make_unique<WebSocketFraming>(spec);
}

constexpr std::array<std::string_view, 2> k_fuzz_specs{"websocket", "websocket:max=200"};

} // namespace

extern const FamilyInfo k_family_websocket{
    .family = Family::websocket,
    .name = "websocket",
    .grammar = "websocket[:max=N]",
    .parse = parse_websocket,
    .print = print_websocket,
    .make = make_websocket_framing,
    .lua_body = nullptr, // Wireshark dissects WebSocket itself; sniff exports no Lua form
    .fuzz_specs = k_fuzz_specs,
};

} // namespace sniff::dissect
