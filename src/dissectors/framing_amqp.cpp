// amqp: AMQP 0-9-1 (https://www.rabbitmq.com/resources/specs/amqp0-9-1.pdf, 2.3.5 and 4.2.3),
// one message per frame, or with `amqp:content` one message per content.
//
//   "AMQP" 0 0 9 1                                  the protocol header (8 bytes), either side
//   type(1) channel(2) size(4) payload(size) 0xCE   a frame: 1 method, 2 content header,
//                                                   3 content body, 8 (or 4) heartbeat
// A frame whose end octet is not 0xCE is malformed and the direction is given up (AMQP has no
// marker to resynchronise on). Frames are marked with what they are ({"amqp":"method",
// "channel":1,"class":60,"method":40}); the payload is skipped, only the first 19 bytes of a
// frame (the header, a method's class and method ids, a content header's body size) are kept.
// With `content`, a method that carries content (Basic.Publish, Return, Deliver, GetOk) and the
// content header and body frames that follow it are one message ("frames" counts them); a frame
// of another channel between them is counted as "interleaved".

#include "dissectors/framings.hpp"
#include "dissectors/json_text.hpp"
#include "dissectors/lua_export.hpp"

#include <algorithm>
#include <array>

namespace sniff::dissect {

namespace {

constexpr std::size_t k_frame_header = 7;
constexpr std::size_t k_kept = k_frame_header + 12; // a content header's class, weight, size
constexpr std::array<std::byte, 4> k_protocol_name{std::byte{'A'}, std::byte{'M'}, std::byte{'Q'},
                                                   std::byte{'P'}};
constexpr std::uint8_t k_method = 1, k_content_header = 2, k_content_body = 3;
constexpr std::uint16_t k_basic_class = 60;

// The frame being read: its first bytes, and once they are known its size and kind.
struct Frame {
    std::array<std::byte, k_kept> head{};
    std::size_t held = 0;
    std::size_t want = k_frame_header; // head bytes to collect before deciding
    bool decoded = false;
    std::uint8_t type = 0;
    std::uint16_t channel = 0;
    std::uint64_t total = 0; // header + payload + end octet
};

struct Side {
    Frame frame;
    std::uint64_t frame_at = 0; // message offset of the current frame
    // Content grouping (amqp:content): the message's first frame and what is still expected.
    std::string json;
    std::uint64_t frames = 0;
    std::uint64_t interleaved = 0;
    std::uint16_t content_channel = 0;
    bool awaiting_header = false;
    std::uint64_t body_left = 0;
};

bool carries_content(std::uint16_t class_id, std::uint16_t method_id) {
    return class_id == k_basic_class &&
           (method_id == 40 || method_id == 50 || method_id == 60 || method_id == 71);
}

class AmqpFraming final : public Framing {
public:
    explicit AmqpFraming(const FramingSpec& spec) : m_max(spec.max), m_group(spec.group) {}

    FrameResult frame(model::Direction direction, util::Bytes bytes, std::uint64_t from) override {
        Side& side = m_sides[static_cast<std::size_t>(direction)];
        if (from == 0)
            side = Side{};
        std::size_t at = 0;
        while (at < bytes.size()) {
            Frame& frame = side.frame;
            const std::uint64_t into = from + at - side.frame_at; // offset in the frame
            if (frame.held < frame.want) {
                const std::size_t take = std::min(frame.want - frame.held, bytes.size() - at);
                std::copy_n(bytes.begin() + static_cast<std::ptrdiff_t>(at), take,
                            frame.head.begin() + static_cast<std::ptrdiff_t>(frame.held));
                frame.held += take;
                at += take;
                if (frame.held == frame.want)
                    if (auto bad = on_head(side))
                        return *bad;
                if (frame.type == 0 && frame.decoded) // the protocol header is complete
                    return FrameResult::message(8, 8, R"({"amqp":"protocol-header"})");
                continue;
            }
            if (into + 1 < frame.total) {
                const auto skip = static_cast<std::size_t>(
                    std::min<std::uint64_t>(frame.total - 1 - into, bytes.size() - at));
                at += skip;
                continue;
            }
            if (bytes[at] != std::byte{0xCE})
                return FrameResult::malformed("AMQP frame end octet is not 0xCE", Resync::give_up,
                                              from + at + 1);
            ++at;
            if (auto done = on_frame_end(side, from + at))
                return *done;
        }
        return FrameResult::need_more(from + bytes.size() + 1, Feed::tail);
    }

private:
    // The frame's first `want` bytes are held: decode them, or ask for more of them.
    std::optional<FrameResult> on_head(Side& side) {
        Frame& frame = side.frame;
        const util::Bytes held = util::Bytes(frame.head).first(frame.held);
        if (held[0] == k_protocol_name[0] && side.frame_at == 0) {
            if (frame.want < 8) {
                frame.want = 8;
                return std::nullopt;
            }
            if (!std::equal(k_protocol_name.begin(), k_protocol_name.end(), held.begin()))
                return FrameResult::malformed("not an AMQP protocol header", Resync::give_up, 8);
            frame.decoded = true; // type 0: the protocol header
            return std::nullopt;
        }
        if (!frame.decoded) {
            util::ByteReader reader(held);
            frame.type = reader.read_u8();
            frame.channel = reader.read_be16();
            const std::uint32_t size = reader.read_be32();
            frame.total = k_frame_header + std::uint64_t{size} + 1;
            frame.decoded = true;
            if (frame.type != k_method && frame.type != k_content_header &&
                frame.type != k_content_body && frame.type != 8 && frame.type != 4)
                return FrameResult::malformed("AMQP frame of unknown type " +
                                                  std::to_string(frame.type),
                                              Resync::give_up, side.frame_at + k_frame_header);
            if (side.frame_at + frame.total > m_max)
                return FrameResult::malformed("AMQP frame of " + std::to_string(frame.total) +
                                                  " bytes over max " + std::to_string(m_max),
                                              Resync::give_up, side.frame_at + k_frame_header);
            // Keep the payload's first ids too: 4 bytes of a method, 12 of a content header.
            const std::size_t payload_kept = frame.type == k_method           ? 4
                                             : frame.type == k_content_header ? 12
                                                                              : 0;
            frame.want = k_frame_header +
                         static_cast<std::size_t>(std::min<std::uint64_t>(payload_kept, size));
        }
        return std::nullopt;
    }

    // A frame ended at message offset `end`: the message's answer, or nullopt when the content
    // it belongs to goes on.
    std::optional<FrameResult> on_frame_end(Side& side, std::uint64_t end) {
        const Frame& frame = side.frame;
        util::ByteReader payload(util::Bytes(frame.head).first(frame.held).subspan(k_frame_header));
        std::string json = "{";
        std::uint16_t class_id = 0, method_id = 0;
        std::uint64_t body_size = 0;
        switch (frame.type) {
        case k_method:
            class_id = payload.read_be16();
            method_id = payload.read_be16();
            json_field(json, "amqp", json_quote("method"));
            json_field(json, "channel", frame.channel);
            if (payload.ok()) {
                json_field(json, "class", class_id);
                json_field(json, "method", method_id);
            }
            break;
        case k_content_header:
            payload.skip(4); // class, weight
            body_size = payload.read_be64();
            json_field(json, "amqp", json_quote("content-header"));
            json_field(json, "channel", frame.channel);
            json_field(json, "body_size", body_size);
            break;
        case k_content_body:
            json_field(json, "amqp", json_quote("content-body"));
            json_field(json, "channel", frame.channel);
            break;
        default:
            json_field(json, "amqp", json_quote("heartbeat"));
            break;
        }
        if (!m_group)
            return FrameResult::message(end, k_frame_header, json + "}");
        return group(side, json, class_id, method_id, body_size, end);
    }

    std::optional<FrameResult> group(Side& side, const std::string& json, std::uint16_t class_id,
                                     std::uint16_t method_id, std::uint64_t body_size,
                                     std::uint64_t end) {
        const Frame frame = side.frame;
        side.frame = Frame{};
        side.frame_at = end;
        if (side.frames == 0) {
            side.json = json;
            side.frames = 1;
            if (frame.type != k_method || !carries_content(class_id, method_id))
                return FrameResult::message(end, k_frame_header, json + "}");
            side.content_channel = frame.channel;
            side.awaiting_header = true;
            return std::nullopt;
        }
        ++side.frames;
        const bool ours = frame.channel == side.content_channel;
        if (ours && side.awaiting_header && frame.type == k_content_header) {
            side.awaiting_header = false;
            side.body_left = body_size;
        } else if (ours && !side.awaiting_header && frame.type == k_content_body) {
            const std::uint64_t body = frame.total - k_frame_header - 1;
            side.body_left -= std::min(body, side.body_left);
        } else {
            ++side.interleaved;
        }
        if (side.awaiting_header || side.body_left > 0)
            return std::nullopt;
        std::string out = side.json;
        json_field(out, "frames", side.frames);
        if (side.interleaved > 0)
            json_field(out, "interleaved", side.interleaved);
        return FrameResult::message(end, k_frame_header, out + "}");
    }

    std::uint64_t m_max;
    bool m_group;
    std::array<Side, 2> m_sides{};
};

SpecResult parse_amqp(const SpecParser& parser, std::span<const SpecPart> parts) {
    FramingSpec spec;
    spec.family = Family::amqp;
    for (const SpecPart& part : parts) {
        const auto [key, value] = key_value(part.text);
        if (key == "content" && value.empty()) {
            spec.group = true;
        } else if (key == "max") {
            if (!parse_max(value, spec.max))
                return parser.error("amqp", "max must be 1..2^40, not", part);
        } else {
            return parser.error("amqp", "unknown key", part);
        }
    }
    return spec;
}

std::string print_amqp(const FramingSpec& spec) {
    std::string params = spec.group ? ",content" : "";
    params += max_suffix(spec, k_default_max);
    return params.empty() ? "amqp" : "amqp:" + params.substr(1);
}

// The Lua form frames frame by frame (the end octet is not checked; `content` is not grouped).
std::string lua_amqp(const FramingSpec&) {
    return "local function message_length(tvb, offset, available)\n"
           "    if available < 1 then return nil end\n"
           "    if tvb(offset, 1):uint() == 65 then return 8, 8 end -- \"AMQP\" 0 0 9 1\n"
           "    if available < 7 then return nil end\n"
           "    return 7 + tvb(offset + 3, 4):uint() + 1, 7\n"
           "end\n\n" +
           lua_manual_loop();
}

constexpr std::array<std::string_view, 4> k_fuzz_specs{"amqp", "amqp:content", "amqp:max=1024",
                                                       "amqp:content,max=64"};

std::unique_ptr<Framing> make_amqp_framing(const FramingSpec& spec) {
    return std::make_unique<AmqpFraming>(spec);
}

} // namespace

extern const FamilyInfo k_family_amqp{
    .family = Family::amqp,
    .name = "amqp",
    .grammar = "amqp[:content,max=N]",
    .parse = parse_amqp,
    .print = print_amqp,
    .make = make_amqp_framing,
    .lua_body = lua_amqp,
    .fuzz_specs = k_fuzz_specs,
};

} // namespace sniff::dissect
