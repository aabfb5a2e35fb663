// JSON-header framing: the article's general fix (a struct-packed header length, a JSON header
// naming the body size, then the body).
//
//   +-- size bytes --+------ hlen bytes ------+------ header[field] bytes ------+
//   | hlen (be|le)   | {"data_size": n, ...}  | body                            |
//   +----------------+------------------------+---------------------------------+
// The header is capped (hmax) before parsing, its nesting depth is checked by a flat scan before
// nlohmann::json sees it, and parsing never throws (parse(..., nullptr, false)).

#include "dissectors/framings.hpp"
#include "dissectors/lua_export.hpp"

#include <array>
#include <nlohmann/json.hpp>
#include <string_view>

namespace sniff::dissect {

namespace {

constexpr std::size_t k_max_depth = 64;
constexpr std::array<std::string_view, 4> k_default_fields{"data_size", "file_size", "length",
                                                           "size"};

// True when brackets nest deeper than k_max_depth (strings are skipped, so brackets inside them
// do not count). Cheap and iterative: the header is rejected before a parser could recurse.
bool too_deep(util::Bytes header) {
    std::size_t depth = 0;
    bool in_string = false;
    bool escaped = false;
    for (const std::byte raw : header) {
        const char c = static_cast<char>(raw);
        if (in_string) {
            if (escaped)
                escaped = false;
            else if (c == '\\')
                escaped = true;
            else if (c == '"')
                in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '{' || c == '[') {
            if (++depth > k_max_depth)
                return true;
        } else if ((c == '}' || c == ']') && depth > 0) {
            --depth;
        }
    }
    return false;
}

class JsonFraming final : public Framing {
public:
    explicit JsonFraming(FramingSpec spec) : m_spec(std::move(spec)) {}

    FrameResult frame(model::Direction, util::Bytes bytes, std::uint64_t) override {
        util::ByteReader reader(bytes);
        const std::uint64_t header_length = reader.read_uint(m_spec.size, m_spec.little_endian);
        if (!reader.ok())
            return FrameResult::need_more(m_spec.size);
        // Cap before asking the engine to buffer the header: a 100 MB claim stops here.
        if (header_length > m_spec.header_max)
            return FrameResult::malformed("JSON header length " + std::to_string(header_length) +
                                              " over max " + std::to_string(m_spec.header_max),
                                          Resync::give_up, m_spec.size);
        if (header_length == 0)
            return FrameResult::malformed("empty JSON header", Resync::give_up, m_spec.size);
        const util::Bytes text = reader.take(header_length);
        if (!reader.ok())
            return FrameResult::need_more(m_spec.size + header_length);
        FrameResult result = decide(text, m_spec.size + header_length);
        if (result.kind == FrameResult::Kind::malformed)
            result.total = m_spec.size + header_length; // covers the bad header
        return result;
    }

private:
    FrameResult decide(util::Bytes text, std::uint64_t header) const {
        if (too_deep(text))
            return FrameResult::malformed("JSON header nested deeper than " +
                                          std::to_string(k_max_depth));
        const auto* first = reinterpret_cast<const char*>(text.data());
        const nlohmann::json json =
            nlohmann::json::parse(first, first + text.size(), nullptr, false);
        if (json.is_discarded() || !json.is_object())
            return FrameResult::malformed("header is not a JSON object");
        const nlohmann::json* size = find_size(json);
        if (size == nullptr)
            return FrameResult::malformed(
                m_spec.field.empty() ? "JSON header has none of data_size, file_size, length, size"
                                     : "JSON header has no field '" + m_spec.field + "'");
        if (!size->is_number_integer() ||
            (size->is_number_integer() && !size->is_number_unsigned() &&
             size->get<std::int64_t>() < 0))
            return FrameResult::malformed("JSON size field is not a non-negative integer");
        const auto body = size->get<std::uint64_t>();
        // Compare before adding: body may be near 2^64; header <= 8 + hmax <= 2^41.
        if (body > m_spec.max || header + body > m_spec.max)
            return FrameResult::malformed("length " + std::to_string(body) + " over max " +
                                          std::to_string(m_spec.max));
        return FrameResult::message(
            header + body, header,
            json.dump(-1, ' ', true, nlohmann::json::error_handler_t::replace));
    }

    const nlohmann::json* find_size(const nlohmann::json& json) const {
        if (!m_spec.field.empty()) {
            const auto it = json.find(m_spec.field);
            return it == json.end() ? nullptr : &*it;
        }
        for (const std::string_view name : k_default_fields) {
            const auto it = json.find(std::string(name));
            if (it != json.end())
                return &*it;
        }
        return nullptr;
    }

    FramingSpec m_spec;
};

} // namespace

namespace {

SpecResult parse_json(const SpecParser& parser, std::span<const SpecPart> parts) {
    FramingSpec spec;
    spec.family = Family::json;
    for (const SpecPart& part : parts) {
        const auto [key, value] = key_value(part.text);
        std::uint64_t number = 0;
        if (key == "be" || key == "le") {
            spec.little_endian = key == "le";
        } else if (key == "size") {
            if (!parse_unsigned(value, number) ||
                (number != 1 && number != 2 && number != 4 && number != 8))
                return parser.error("json", "size must be 1, 2, 4 or 8, not", part);
            spec.size = static_cast<std::uint8_t>(number);
        } else if (key == "field") {
            if (value.empty())
                return parser.error("json", "empty field name", part);
            spec.field = std::string(value);
        } else if (key == "max") {
            if (!parse_max(value, spec.max))
                return parser.error("json", "max must be 1..2^40, not", part);
        } else if (key == "hmax") {
            if (!parse_max(value, spec.header_max))
                return parser.error("json", "hmax must be 1..2^40, not", part);
        } else {
            return parser.error("json", "unknown key", part);
        }
    }
    return spec;
}

std::string print_json(const FramingSpec& spec) {
    std::string out = "json:size=" + std::to_string(spec.size);
    out += spec.little_endian ? ",le" : ",be";
    if (!spec.field.empty())
        out += ",field=" + spec.field;
    if (spec.header_max != k_default_json_header_max)
        out += ",hmax=" + std::to_string(spec.header_max);
    return out + max_suffix(spec, k_default_max);
}

// The size field is found in the header's text by a pattern: Lua has no JSON parser built in.
std::string lua_json(const FramingSpec& spec) {
    const std::string size = std::to_string(spec.size);
    std::string fields = spec.field.empty()
                             ? "{ \"data_size\", \"file_size\", \"length\", \"size\" }"
                             : "{ " + lua_string(spec.field) + " }";
    return "local FIELDS = " + fields +
           "\n"
           "local function message_length(tvb, offset, available)\n"
           "    if available < " +
           size +
           " then return nil end\n"
           "    local hlen = tvb(offset, " +
           size + ")" + (spec.little_endian ? ":le_uint()" : ":uint()") +
           "\n"
           "    if " +
           size + " + hlen > available then return " + size +
           " + hlen end\n"
           "    local text = tvb(offset + " +
           size +
           ", hlen):string()\n"
           "    for _, name in ipairs(FIELDS) do\n"
           "        local value = text:match('\"' .. name .. '\"%s*:%s*(%d+)')\n"
           "        if value then return " +
           size + " + hlen + tonumber(value), " + size +
           " + hlen end\n"
           "    end\n"
           "    return available, available -- no size field: take the rest\n"
           "end\n\n" +
           lua_manual_loop();
}

constexpr std::array<std::string_view, 6> k_fuzz_specs{"json",
                                                       "json:size=4,le",
                                                       "json:size=2,field=len,hmax=256",
                                                       "json:size=1,max=1000",
                                                       "json:size=8,be,hmax=1024",
                                                       "json:size=4,le,field=file_size,max=100"};

std::unique_ptr<Framing> make_json_framing(const FramingSpec& spec) {
    return std::make_unique<JsonFraming>(spec);
}

} // namespace

extern const FamilyInfo k_family_json{
    .family = Family::json,
    .name = "json",
    .grammar = "json:size=1|2|4|8,le|be,field=NAME,hmax=N,max=N",
    .parse = parse_json,
    .print = print_json,
    .make = make_json_framing,
    .lua_body = lua_json,
    .fuzz_specs = k_fuzz_specs,
};

} // namespace sniff::dissect
