// Length-prefix framing, with the semantics of Netty's LengthFieldBasedFrameDecoder
// (https://netty.io/4.1/api/io/netty/handler/codec/LengthFieldBasedFrameDecoder.html):
//
//   +---- off bytes ----+-- size bytes --+------ value + adj bytes ------+
//   | anything (type..) | length value   | rest of the message           |
//   +-------------------+----------------+-------------------------------+
//   total = off + size + value + adj; header = off + size.
// size=varint is LEB128 (7 bits a byte, low group first, high bit = more), as MQTT's remaining
// length. A value over max is rejected before any arithmetic, so a 4 GB claim allocates nothing.

#include "dissectors/framings.hpp"
#include "dissectors/lua_export.hpp"

#include <algorithm>

namespace sniff::dissect {

namespace {

// protobuf's limit: 10 bytes carry 64 bits (encoders may pad a small value with 0x80 bytes).
constexpr std::size_t k_max_varint_bytes = 10;

struct LengthField {
    bool complete = false;
    std::uint64_t need = 0; // head bytes needed when incomplete
    std::uint64_t value = 0;
    std::uint64_t header = 0;
    std::string error;
};

LengthField read_varint(const FramingSpec& spec, util::ByteReader& reader) {
    LengthField field;
    for (std::size_t i = 0; i < k_max_varint_bytes; ++i) {
        if (!reader.has(1)) {
            field.need = spec.off + i + 1;
            return field;
        }
        const std::uint8_t byte = reader.read_u8();
        if (i == k_max_varint_bytes - 1 && (byte & 0x7e) != 0) {
            field.error = "varint length over 64 bits";
            return field;
        }
        field.value |= static_cast<std::uint64_t>(byte & 0x7f) << (7 * i);
        if ((byte & 0x80) == 0) {
            field.complete = true;
            field.header = spec.off + i + 1;
            return field;
        }
    }
    field.error = "varint length longer than 10 bytes";
    return field;
}

LengthField read_field(const FramingSpec& spec, util::Bytes head) {
    util::ByteReader reader(head);
    LengthField field;
    if (!reader.has(spec.off)) {
        field.need = spec.off + (spec.size == 0 ? 1 : spec.size);
        return field;
    }
    reader.skip(spec.off);
    if (spec.size == 0)
        return read_varint(spec, reader);
    if (!reader.has(spec.size)) {
        field.need = spec.off + spec.size;
        return field;
    }
    field.value = reader.read_uint(spec.size, spec.little_endian);
    field.header = spec.off + spec.size;
    field.complete = true;
    if (spec.is_signed) {
        const unsigned bits = 8u * spec.size;
        const bool negative = (field.value >> (bits - 1)) & 1u;
        if (negative) {
            const std::uint64_t magnitude =
                bits == 64 ? ~field.value + 1 : (1ull << bits) - field.value;
            field.error = "negative length -" + std::to_string(magnitude);
        }
    }
    return field;
}

// What a complete, well-formed length field says of its message.
enum class LengthVerdict : std::uint8_t { ok, value_over_max, shorter_than_header, total_over_max };

struct LengthCheck {
    LengthVerdict verdict = LengthVerdict::ok;
    std::uint64_t total = 0; // when ok
};

LengthCheck check_length(const FramingSpec& spec, const LengthField& field) {
    // Compare with max before adding anything: value may be up to 2^64-1.
    if (field.value > spec.max)
        return {LengthVerdict::value_over_max};
    // value <= 2^40, header <= 72, |adj| <= 2^32: the signed sum cannot overflow.
    const std::int64_t total = static_cast<std::int64_t>(field.header + field.value) + spec.adj;
    if (total < static_cast<std::int64_t>(field.header) || total <= 0)
        return {LengthVerdict::shorter_than_header};
    if (static_cast<std::uint64_t>(total) > spec.max)
        return {LengthVerdict::total_over_max, static_cast<std::uint64_t>(total)};
    return {LengthVerdict::ok, static_cast<std::uint64_t>(total)};
}

class LenFraming final : public Framing {
public:
    explicit LenFraming(FramingSpec spec) : m_spec(std::move(spec)) {}

    FrameResult frame(model::Direction, util::Bytes bytes, std::uint64_t) override {
        return frame_length_prefix(m_spec, bytes);
    }

    std::size_t frame_run(model::Direction, util::Bytes bytes, std::span<RunMessage> out) override {
        std::size_t count = 0;
        std::size_t at = 0;
        while (count < out.size() && at < bytes.size()) {
            const auto message = whole_message_at(bytes.subspan(at));
            if (!message)
                break;
            out[count++] = *message;
            at += static_cast<std::size_t>(message->total);
        }
        return count;
    }

private:
    // A valid message wholly inside bytes, else nullopt (frame() then says what is wrong).
    std::optional<RunMessage> whole_message_at(util::Bytes bytes) const {
        const LengthField field = read_field(m_spec, bytes);
        if (!field.complete || !field.error.empty())
            return std::nullopt;
        const LengthCheck check = check_length(m_spec, field);
        if (check.verdict != LengthVerdict::ok || check.total > bytes.size())
            return std::nullopt;
        return RunMessage{check.total, field.header};
    }

    FramingSpec m_spec;
};

} // namespace

FrameResult frame_length_prefix(const FramingSpec& spec, util::Bytes head) {
    const LengthField field = read_field(spec, head);
    // A malformed length covers its header bytes; the direction is given up after it.
    const std::uint64_t covers =
        field.header != 0 ? field.header
                          : std::min<std::uint64_t>(head.size(), spec.off + k_max_varint_bytes);
    if (!field.error.empty())
        return FrameResult::malformed(field.error, Resync::give_up, covers);
    if (!field.complete)
        return FrameResult::need_more(field.need);
    const LengthCheck check = check_length(spec, field);
    switch (check.verdict) {
    case LengthVerdict::ok:
        return FrameResult::message(check.total, field.header);
    case LengthVerdict::value_over_max:
        return FrameResult::malformed("length " + std::to_string(field.value) + " over max " +
                                          std::to_string(spec.max),
                                      Resync::give_up, covers);
    case LengthVerdict::shorter_than_header:
        return FrameResult::malformed("length " + std::to_string(field.value) +
                                          " with adjustment " + std::to_string(spec.adj) +
                                          " is shorter than its " + std::to_string(field.header) +
                                          "-byte header",
                                      Resync::give_up, covers);
    case LengthVerdict::total_over_max:
        break;
    }
    return FrameResult::malformed("message of " + std::to_string(check.total) + " bytes over max " +
                                      std::to_string(spec.max),
                                  Resync::give_up, covers);
}

namespace {

SpecResult parse_len(const SpecParser& parser, std::span<const SpecPart> parts) {
    FramingSpec spec;
    spec.family = Family::len;
    for (const SpecPart& part : parts) {
        const auto [key, value] = key_value(part.text);
        std::uint64_t number = 0;
        if (key == "be" || key == "le") {
            spec.little_endian = key == "le";
        } else if (key == "signed") {
            spec.is_signed = true;
        } else if (key == "off") {
            if (!parse_unsigned(value, number) || number > 64)
                return parser.error("len", "offset must be 0..64, not", part);
            spec.off = static_cast<std::uint32_t>(number);
        } else if (key == "size") {
            if (value == "varint")
                spec.size = 0;
            else if (parse_unsigned(value, number) &&
                     (number == 1 || number == 2 || number == 3 || number == 4 || number == 8))
                spec.size = static_cast<std::uint8_t>(number);
            else
                return parser.error("len", "size must be 1, 2, 3, 4, 8 or varint, not", part);
        } else if (key == "adj") {
            if (!parse_signed(value, spec.adj))
                return parser.error("len", "bad adjustment", part);
        } else if (key == "max") {
            if (!parse_max(value, spec.max))
                return parser.error("len", "max must be 1..2^40, not", part);
        } else {
            return parser.error("len", "unknown key", part);
        }
    }
    if (spec.size == 0 && spec.is_signed)
        return parser.error("len", "a varint length cannot be signed:", {"signed", 0});
    // Byte order means nothing for one byte or a varint, and print_len leaves it out: drop it
    // here so parse_spec(to_string(s)) == s holds (found by fuzz/spec_parser_fuzz.cpp).
    if (spec.size <= 1)
        spec.little_endian = false;
    return spec;
}

std::string print_len(const FramingSpec& spec) {
    std::string out = "len:";
    if (spec.off != 0)
        out += "off=" + std::to_string(spec.off) + ",";
    out += spec.size == 0 ? "size=varint" : "size=" + std::to_string(spec.size);
    if (spec.size > 1)
        out += spec.little_endian ? ",le" : ",be";
    if (spec.is_signed)
        out += ",signed";
    if (spec.adj != 0)
        out += ",adj=" + std::string(spec.adj > 0 ? "+" : "") + std::to_string(spec.adj);
    return out + max_suffix(spec, k_default_max);
}

// A fixed-size field: Wireshark's dissect_tcp_pdus() with a get_len callback.
std::string lua_fixed_body(const FramingSpec& spec) {
    const std::string header = std::to_string(spec.off + spec.size);
    std::string read;
    const std::string range =
        "tvb:range(offset + " + std::to_string(spec.off) + ", " + std::to_string(spec.size) + ")";
    if (spec.size == 8)
        read = range + (spec.little_endian ? ":le_uint64()" : ":uint64()") + ":tonumber()";
    else if (spec.is_signed)
        read = range + (spec.little_endian ? ":le_int()" : ":int()");
    else
        read = range + (spec.little_endian ? ":le_uint()" : ":uint()");
    return "local function get_len(tvb, pinfo, offset)\n"
           "    return " +
           header + " + " + read + " + (" + std::to_string(spec.adj) +
           ")\n"
           "end\n\n"
           "local function dissect_one(tvb, pinfo, tree)\n"
           "    add_message(tvb, pinfo, tree, " +
           header +
           ")\n"
           "    return tvb:len()\n"
           "end\n\n"
           "function proto.dissector(tvb, pinfo, tree)\n"
           "    dissect_tcp_pdus(tvb, tree, " +
           header +
           ", get_len, dissect_one)\n"
           "    return tvb:len()\n"
           "end\n";
}

// A varint field has no fixed header length, so the loop desegments by hand.
std::string lua_varint_body(const FramingSpec& spec) {
    const std::string off = std::to_string(spec.off);
    return "local function message_length(tvb, offset, available)\n"
           "    local value, shift = 0, 0\n"
           "    for i = 0, 9 do\n"
           "        if " +
           off +
           " + i >= available then return nil end\n"
           "        local byte = tvb(offset + " +
           off +
           " + i, 1):uint()\n"
           "        value = value + (byte % 128) * 2 ^ shift\n"
           "        shift = shift + 7\n"
           "        if byte < 128 then\n"
           "            local header = " +
           off + " + i + 1\n            return header + value + (" + std::to_string(spec.adj) +
           "), header\n"
           "        end\n"
           "    end\n"
           "    return available, available -- longer than 10 bytes: take the rest\n"
           "end\n\n" +
           lua_manual_loop();
}

std::string lua_len(const FramingSpec& spec) {
    return spec.varint() ? lua_varint_body(spec) : lua_fixed_body(spec);
}

constexpr std::array<std::string_view, 12> k_fuzz_specs{"len:size=4",
                                                        "len:size=1",
                                                        "len:size=2,le",
                                                        "len:size=3,le,adj=1",
                                                        "len:size=8,max=65536",
                                                        "len:size=varint",
                                                        "len:off=1,size=varint",
                                                        "len:off=3,size=2,be",
                                                        "len:size=4,le,signed",
                                                        "len:size=4,signed,adj=-4",
                                                        "len:off=8,size=4,be,adj=12",
                                                        "len:size=2,adj=-100,max=300"};

std::unique_ptr<Framing> make_len_framing(const FramingSpec& spec) {
    return std::make_unique<LenFraming>(spec);
}

} // namespace

extern const FamilyInfo k_family_len{
    .family = Family::len,
    .name = "len",
    .grammar = "len:off=N,size=1|2|3|4|8|varint,be|le,signed,adj=±N,max=N",
    .parse = parse_len,
    .print = print_len,
    .make = make_len_framing,
    .lua_body = lua_len,
    .fuzz_specs = k_fuzz_specs,
};

} // namespace sniff::dissect
