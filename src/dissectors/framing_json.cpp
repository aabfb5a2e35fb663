// JSON-header framing: the article's general fix (a struct-packed header length, a JSON header
// naming the body size, then the body).
//
//   +-- size bytes --+------ hlen bytes ------+------ header[field] bytes ------+
//   | hlen (be|le)   | {"data_size": n, ...}  | body                            |
//   +----------------+------------------------+---------------------------------+
// The header is capped (hmax) before parsing, its nesting depth is checked by a flat scan before
// nlohmann::json sees it, and parsing never throws (parse(..., nullptr, false)).

#include "dissectors/framings.hpp"

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

std::unique_ptr<Framing> make_json_framing(const FramingSpec& spec) {
    return std::make_unique<JsonFraming>(spec);
}

} // namespace sniff::dissect
