// Delimiter framing: a message ends with the separator bytes (lines, CRLF lines, NUL-terminated).
//
//   +------------ body ------------+-- SEP --+
// The separator counts as part of the message it ends (header length 0). The scan is incremental
// (Knuth-Morris-Pratt state per direction), so every byte is looked at once however the stream is
// chunked; nothing is buffered. A message longer than max is malformed and the framing resyncs
// after the next separator; after a gap it resyncs the same way.

#include "dissectors/framings.hpp"
#include "dissectors/lua_export.hpp"
#include "dissectors/separator_count.hpp"

#include <array>
#include <cstring>
#include <vector>

namespace sniff::dissect {

namespace {

class Matcher {
public:
    explicit Matcher(const std::string& separator) : m_sep(separator), m_fail(separator.size(), 0) {
        for (std::size_t i = 1, k = 0; i < m_sep.size(); ++i) {
            while (k > 0 && m_sep[i] != m_sep[k])
                k = m_fail[k - 1];
            if (m_sep[i] == m_sep[k])
                ++k;
            m_fail[i] = k;
        }
    }

    // Scans bytes with `matched` separator bytes already matched; returns the count of bytes up
    // to and including the first complete separator, or 0 when there is none (matched updated).
    std::size_t scan(util::Bytes bytes, std::size_t& matched) const {
        const auto* data = reinterpret_cast<const unsigned char*>(bytes.data());
        const std::size_t size = bytes.size();
        std::size_t i = 0;
        while (i < size) {
            if (matched == 0) {
                // Fast path: jump to the next possible separator start.
                const void* hit = std::memchr(data + i, m_sep[0], size - i);
                if (hit == nullptr)
                    return 0;
                i = static_cast<std::size_t>(static_cast<const unsigned char*>(hit) - data);
            }
            const char c = static_cast<char>(data[i]);
            while (matched > 0 && c != m_sep[matched])
                matched = m_fail[matched - 1];
            if (c == m_sep[matched])
                ++matched;
            ++i;
            if (matched == m_sep.size()) {
                matched = 0;
                return i;
            }
        }
        return 0;
    }

    // Like scan() from a fresh start, for the fast path: the count of bytes up to and including
    // the first separator, or 0. No state machine: a candidate first byte, then the rest compared.
    std::size_t find_end(util::Bytes bytes) const {
        const auto* data = reinterpret_cast<const unsigned char*>(bytes.data());
        const std::size_t size = bytes.size();
        const std::size_t sep_size = m_sep.size();
        for (std::size_t i = 0; i + sep_size <= size;) {
            const void* hit = std::memchr(data + i, m_sep[0], size - sep_size + 1 - i);
            if (hit == nullptr)
                return 0;
            i = static_cast<std::size_t>(static_cast<const unsigned char*>(hit) - data);
            // Separators are a few bytes: a loop beats a call to memcmp.
            std::size_t k = 1;
            while (k < sep_size && data[i + k] == static_cast<unsigned char>(m_sep[k]))
                ++k;
            if (k == sep_size)
                return i + sep_size;
            ++i;
        }
        return 0;
    }

private:
    std::string m_sep;
    std::vector<std::size_t> m_fail;
};

class DelimFraming final : public Framing {
public:
    explicit DelimFraming(FramingSpec spec) : m_spec(std::move(spec)), m_matcher(m_spec.bytes) {}

    FrameResult frame(model::Direction direction, util::Bytes bytes, std::uint64_t from) override {
        std::size_t& matched = m_matched[static_cast<std::size_t>(direction)];
        if (from == 0)
            matched = 0;
        // The engine never calls with from >= max (it got malformed at max), so room >= 1.
        const std::uint64_t room = m_spec.max - from;
        const util::Bytes window = bytes.size() > room ? bytes.first(room) : bytes;
        const std::size_t end = m_matcher.scan(window, matched);
        if (end != 0)
            return FrameResult::message(from + end, 0);
        if (window.size() == room)
            return FrameResult::malformed("no " + escape_spec_bytes(m_spec.bytes) + " within " +
                                              std::to_string(m_spec.max) + " bytes",
                                          Resync::skip_to_delimiter, m_spec.max);
        return FrameResult::need_more(from + bytes.size() + 1, Feed::tail);
    }

    std::size_t frame_run(model::Direction, util::Bytes bytes, std::span<RunMessage> out) override {
        std::size_t count = 0;
        std::size_t at = 0;
        while (count < out.size() && at < bytes.size()) {
            const std::size_t left = bytes.size() - at;
            const util::Bytes window = bytes.subspan(
                at, static_cast<std::size_t>(std::min<std::uint64_t>(left, m_spec.max)));
            const std::size_t end = m_matcher.find_end(window);
            if (end == 0)
                break;
            out[count++] = RunMessage{end, 0};
            at += end;
        }
        return count;
    }

    RunCount count_run(model::Direction direction, util::Bytes bytes) override {
        // In a block no longer than max, no message can be over max: counting separators is then
        // the same as finding the messages one by one.
        if (bytes.size() <= m_spec.max)
            if (const auto counted = count_separators(bytes, m_spec.bytes))
                return RunCount{counted->count, counted->end};
        return Framing::count_run(direction, bytes);
    }

    std::optional<std::size_t> find_resync(model::Direction direction, util::Bytes bytes,
                                           bool restart) override {
        std::size_t& matched = m_matched[static_cast<std::size_t>(direction)];
        if (restart)
            matched = 0;
        const std::size_t end = m_matcher.scan(bytes, matched);
        if (end == 0)
            return std::nullopt;
        return end;
    }

    bool can_resync() const override { return true; }

private:
    FramingSpec m_spec;
    Matcher m_matcher;
    std::array<std::size_t, 2> m_matched{};
};

} // namespace

namespace {

SpecResult parse_delim(const SpecParser& parser, std::span<const SpecPart> parts) {
    if (parts.empty())
        return parser.error("delim", "needs a separator, e.g. delim:\\n; got", {parser.whole(), 0});
    FramingSpec spec;
    spec.family = Family::delim;
    spec.max = k_default_delim_max;
    if (!unescape(parts.front().text, spec.bytes) || spec.bytes.empty() || spec.bytes.size() > 64)
        return parser.error("delim", "separator must be 1..64 bytes with valid escapes, not",
                            parts.front());
    for (const SpecPart& part : parts.subspan(1)) {
        const auto [key, value] = key_value(part.text);
        if (key != "max")
            return parser.error("delim", "unknown key", part);
        if (!parse_max(value, spec.max))
            return parser.error("delim", "max must be 1..2^40, not", part);
    }
    return spec;
}

std::string print_delim(const FramingSpec& spec) {
    return "delim:" + escape_spec_bytes(spec.bytes) + max_suffix(spec, k_default_delim_max);
}

std::string lua_delim(const FramingSpec& spec) {
    return "local SEPARATOR = " + lua_string(spec.bytes) +
           "\n"
           "local function message_length(tvb, offset, available)\n"
           "    local first, last = tvb:raw(offset, available):find(SEPARATOR, 1, true)\n"
           "    if first == nil then return nil end\n"
           "    return last, 0\n"
           "end\n\n" +
           lua_manual_loop();
}

constexpr std::array<std::string_view, 6> k_fuzz_specs{"delim:\\n",        "delim:\\r\\n",
                                                       "delim:\\0,max=64", "delim:abcab,max=16",
                                                       "delim:\\x2c",      "delim:\\n\\n,max=1000"};

std::unique_ptr<Framing> make_delim_framing(const FramingSpec& spec) {
    return std::make_unique<DelimFraming>(spec);
}

} // namespace

extern const FamilyInfo k_family_delim{
    .family = Family::delim,
    .name = "delim",
    .grammar = "delim:SEP,max=N",
    .parse = parse_delim,
    .print = print_delim,
    .make = make_delim_framing,
    .lua_body = lua_delim,
    .fuzz_specs = k_fuzz_specs,
};

} // namespace sniff::dissect
