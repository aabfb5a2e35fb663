// grpc: HTTP/2 frames (http2_frames.hpp) with, on each DATA frame, the gRPC length-prefixed
// messages of its stream (grpc_messages.hpp): both levels in one view. The messages are the
// HTTP/2 frames, mapped onto TCP segments as usual; a DATA frame's header_json adds
// "grpc":{"starts","ends","lengths","frames","continues"}: how many gRPC messages begin and end in
// it, the ended ones' lengths and how many DATA frames each spanned.
//
// A DATA frame's payload is scanned as it passes (tail mode), never buffered: only the 9-byte
// header (and the pad length byte of a PADDED frame) are asked for in head mode.

#include "dissectors/family_registry.hpp"
#include "dissectors/grpc_messages.hpp"
#include "dissectors/http2_frames.hpp"

#include <array>

namespace sniff::dissect {

namespace {

constexpr std::uint64_t k_default_grpc_max = 1ull << 30; // one gRPC message's length

class GrpcFraming final : public Framing {
public:
    explicit GrpcFraming(const FramingSpec& spec)
        : m_frames(k_http2_default_max), m_grpc(spec.max) {}

    FrameResult frame(model::Direction direction, util::Bytes bytes, std::uint64_t from) override {
        Data& data = m_data[static_cast<std::size_t>(direction)];
        if (from > 0)
            return scan(data, bytes, from);
        FrameResult result = m_frames.frame(direction, bytes);
        if (result.kind != FrameResult::Kind::message || result.header != 9 ||
            bytes[3] != std::byte{0x0})
            return result; // not a DATA frame: as http2 frames it
        util::ByteReader reader(bytes.subspan(4, 5));
        const auto flags = reader.read_u8();
        const std::uint32_t stream = reader.read_be32() & 0x7fffffffu;
        const std::uint64_t length = result.total - 9;
        std::uint64_t pad = 0;
        if ((flags & 0x8) != 0 && length > 0) {
            if (bytes.size() < 10)
                return FrameResult::need_more(10);
            pad = 1 + std::to_integer<std::uint64_t>(bytes[9]);
        }
        data = Data{};
        data.total = result.total;
        data.data_begin = 9 + std::min<std::uint64_t>(length, (flags & 0x8) != 0 ? 1 : 0);
        data.data_end = result.total - std::min(length, pad > 0 ? pad - 1 : 0);
        data.end_stream = (flags & 0x1) != 0;
        data.json = std::move(result.header_json);
        m_grpc.begin_frame(direction, stream);
        return scan(data, bytes, 0);
    }

    bool can_resync() const override { return true; }
    std::optional<std::size_t> find_resync(model::Direction, util::Bytes bytes, bool) override {
        return m_frames.find_resync(bytes);
    }

private:
    struct Data {
        std::uint64_t total = 0, data_begin = 0, data_end = 0;
        bool end_stream = false;
        std::string json;
    };

    // Feeds the part of bytes (message offset from) that is gRPC data; ends the frame when its
    // last byte is in bytes.
    FrameResult scan(Data& data, util::Bytes bytes, std::uint64_t from) {
        const std::uint64_t begin = std::max(from, data.data_begin);
        const std::uint64_t end = std::min(from + bytes.size(), data.data_end);
        if (begin < end)
            m_grpc.feed(bytes.subspan(static_cast<std::size_t>(begin - from),
                                      static_cast<std::size_t>(end - begin)));
        if (from + bytes.size() < data.total)
            return FrameResult::need_more(from + bytes.size() + 1, Feed::tail);
        std::string json = std::move(data.json);
        json.pop_back(); // the closing brace
        json += m_grpc.end_frame(data.end_stream) + "}";
        return FrameResult::message(data.total, 9, std::move(json));
    }

    Http2Frames m_frames;
    GrpcMessages m_grpc;
    std::array<Data, 2> m_data{};
};

SpecResult parse_grpc(const SpecParser& parser, std::span<const SpecPart> parts) {
    return parse_max_only(parser, parts, Family::grpc, "grpc", k_default_grpc_max);
}

std::string print_grpc(const FramingSpec& spec) {
    return print_max_only(spec, "grpc", k_default_grpc_max);
}

std::unique_ptr<Framing> make_grpc_framing(const FramingSpec& spec) {
    return std::make_unique<GrpcFraming>(spec);
}

constexpr std::array<std::string_view, 2> k_fuzz_specs{"grpc", "grpc:max=100"};

} // namespace

extern const FamilyInfo k_family_grpc{
    .family = Family::grpc,
    .name = "grpc",
    .grammar = "grpc[:max=N]",
    .parse = parse_grpc,
    .print = print_grpc,
    .make = make_grpc_framing,
    .lua_body = nullptr, // messages span frames of one stream among others: no Lua form
    .fuzz_specs = k_fuzz_specs,
};

} // namespace sniff::dissect
