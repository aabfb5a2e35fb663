// grpc: gRPC length-prefixed messages (grpc_messages.hpp) cut out of the DATA payloads of each
// HTTP/2 stream (http2_frames.hpp). A layered framing (framing.hpp): the HTTP/2 frames are the
// layer underneath, framed here but not shown as messages (`--framing http2` shows them); each
// gRPC message is one message of the engine, made of the pieces of the DATA frames that carried
// it, interleaved with other streams' frames. As in Wireshark's `grpc` filter, HEADERS,
// SETTINGS, WINDOW_UPDATE and the other frames are not gRPC messages: the direction's summary
// counts them. An HTTP/2 frame that is malformed or cut short (a gap, the end of the capture) is
// shown as a message of its own, so damage underneath stays visible.
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

enum : std::uint8_t { k_data = 0x0, k_headers = 0x1, k_rst_stream = 0x3 };
constexpr std::uint8_t k_end_stream = 0x1, k_padded = 0x8;

class GrpcFraming final : public Framing {
public:
    explicit GrpcFraming(const FramingSpec& spec)
        : m_frames(k_http2_default_max), m_grpc(spec.max) {}

    FrameResult frame(model::Direction direction, util::Bytes bytes, std::uint64_t from) override {
        Data& data = m_data[static_cast<std::size_t>(direction)];
        if (from > 0)
            return scan(direction, data, bytes, from);
        FrameResult result = m_frames.frame(direction, bytes);
        if (result.kind != FrameResult::Kind::message || result.header != 9)
            return result; // the preface, or not yet a frame
        util::ByteReader reader(bytes.subspan(3, 6));
        const auto type = reader.read_u8();
        const auto flags = reader.read_u8();
        const std::uint32_t stream = reader.read_be32() & 0x7fffffffu;
        if (type == k_headers) {
            m_grpc.headers(direction, stream);
            if ((flags & k_end_stream) != 0)
                m_grpc.end_stream(direction, stream, 9, "the stream ended");
        } else if (type == k_rst_stream) {
            m_grpc.end_stream(direction, stream, 9, "the stream was reset");
            m_grpc.drop_stream(direction == model::Direction::c2s ? model::Direction::s2c
                                                                  : model::Direction::c2s,
                               stream);
        }
        if (type != k_data)
            return result;
        const std::uint64_t length = result.total - 9;
        std::uint64_t padding = 0; // bytes after the data
        if ((flags & k_padded) != 0 && length > 0) {
            if (bytes.size() < 10)
                return FrameResult::need_more(10);
            padding = std::to_integer<std::uint64_t>(bytes[9]);
        }
        data = Data{};
        data.total = result.total;
        data.data_begin = 9 + std::min<std::uint64_t>(length, (flags & k_padded) != 0 ? 1 : 0);
        data.data_end = std::max(data.data_begin, result.total - std::min(length, padding));
        data.end_stream = (flags & k_end_stream) != 0;
        data.json = std::move(result.header_json);
        m_grpc.begin_frame(direction, stream, data.data_begin, data.data_end);
        return scan(direction, data, bytes, 0);
    }

    bool can_resync() const override { return true; }
    std::optional<std::size_t> find_resync(model::Direction direction, util::Bytes bytes,
                                           bool restart) override {
        if (restart) // the streams' places in their messages are lost
            m_grpc.forget(direction);
        return m_frames.find_resync(bytes);
    }
    std::string_view layer_name() const override { return "HTTP/2 frames"; }
    void set_inner_sink(model::Direction direction, InnerSink* sink) override {
        m_grpc.set_sink(direction, sink);
    }

private:
    struct Data {
        std::uint64_t total = 0, data_begin = 0, data_end = 0;
        bool end_stream = false;
        std::string json;
    };

    // Feeds the part of bytes (frame offset from) that is gRPC data; ends the frame when its last
    // byte is in bytes.
    FrameResult scan(model::Direction direction, Data& data, util::Bytes bytes,
                     std::uint64_t from) {
        const std::uint64_t begin = std::max(from, data.data_begin);
        const std::uint64_t end = std::min(from + bytes.size(), data.data_end);
        if (begin < end)
            m_grpc.feed(direction,
                        bytes.subspan(static_cast<std::size_t>(begin - from),
                                      static_cast<std::size_t>(end - begin)),
                        begin);
        if (from + bytes.size() < data.total)
            return FrameResult::need_more(from + bytes.size() + 1, Feed::tail);
        m_grpc.end_frame(direction, data.end_stream);
        return FrameResult::message(data.total, 9, std::move(data.json));
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
    .lua_body = nullptr, // messages are pieces of frames of one stream among others: no Lua form
    .fuzz_specs = k_fuzz_specs,
};

} // namespace sniff::dissect
