// stomp: STOMP 1.0/1.1/1.2 frames (https://stomp.github.io/stomp-specification-1.2.html), one
// message per frame.
//
//   COMMAND EOL (header EOL)* EOL body NUL        EOL is LF or CRLF
// The body ends at the first NUL, or, when a content-length header is present (the first one
// counts, as the specification says), after exactly that many bytes, which must be followed by
// the NUL (the body may then hold NULs itself). An EOL where a frame would begin is a heart-beat:
// a message of its own, marked {"stomp":"heart-beat"}, so the frame count stays the protocol's.
// Frames are marked with their command ({"stomp":"SEND"}). The command and header lines are
// collected with a bounded copy (LineCollector); bodies are scanned (for the NUL) or skipped,
// never buffered. A frame that breaks the grammar is malformed and the direction resynchronises
// after the next NUL.

#include "dissectors/framings.hpp"
#include "dissectors/json_text.hpp"
#include "dissectors/line_collector.hpp"

#include <array>
#include <cstring>

namespace sniff::dissect {

namespace {

constexpr std::size_t k_command_max = 32; // the longest command is UNSUBSCRIBE
constexpr std::string_view k_heart_beat_json = R"({"stomp":"heart-beat"})";

enum class Phase : std::uint8_t { command, headers, counted_body, final_nul, body_to_nul };

struct Side {
    Phase phase = Phase::command;
    LineCollector line;
    std::optional<std::uint64_t> content_length;
    std::uint64_t body_left = 0;
    std::uint64_t header = 0;
    std::string command;
};

bool is_command(std::string_view text) {
    if (text.empty() || text.size() > k_command_max)
        return false;
    for (const char c : text)
        if (c < 'A' || c > 'Z')
            return false;
    return true;
}

class StompFraming final : public Framing {
public:
    explicit StompFraming(const FramingSpec& spec) : m_max(spec.max) {}

    FrameResult frame(model::Direction direction, util::Bytes bytes, std::uint64_t from) override {
        Side& side = m_sides[static_cast<std::size_t>(direction)];
        if (from == 0)
            side = Side{};
        std::size_t at = 0;
        while (at < bytes.size()) {
            const util::Bytes rest = bytes.subspan(at);
            switch (side.phase) {
            case Phase::command:
            case Phase::headers: {
                const auto used = side.line.feed(rest);
                if (!used) {
                    at = bytes.size();
                    break;
                }
                at += *used;
                const std::optional<FrameResult> done = on_line(side, from + at);
                side.line.reset();
                if (done)
                    return *done;
                break;
            }
            case Phase::counted_body: {
                const auto skip =
                    static_cast<std::size_t>(std::min<std::uint64_t>(side.body_left, rest.size()));
                side.body_left -= skip;
                at += skip;
                if (side.body_left == 0)
                    side.phase = Phase::final_nul;
                break;
            }
            case Phase::final_nul:
                if (rest[0] != std::byte{0})
                    return FrameResult::malformed("STOMP body of content-length bytes not "
                                                  "followed by NUL",
                                                  Resync::skip_to_delimiter, from + at);
                return finish(side, from + at + 1);
            case Phase::body_to_nul: {
                const void* nul = std::memchr(rest.data(), 0, rest.size());
                if (nul == nullptr) {
                    at = bytes.size();
                    break;
                }
                at += static_cast<std::size_t>(static_cast<const std::byte*>(nul) - rest.data());
                return finish(side, from + at + 1);
            }
            }
        }
        if (from + bytes.size() > m_max)
            return FrameResult::malformed("STOMP frame longer than max " + std::to_string(m_max),
                                          Resync::skip_to_delimiter, from + bytes.size());
        return FrameResult::need_more(from + bytes.size() + 1, Feed::tail);
    }

    // After a malformed frame or a gap: the next frame begins after a NUL.
    std::optional<std::size_t> find_resync(model::Direction, util::Bytes bytes, bool) override {
        const void* nul = std::memchr(bytes.data(), 0, bytes.size());
        if (nul == nullptr)
            return std::nullopt;
        return static_cast<std::size_t>(static_cast<const std::byte*>(nul) - bytes.data()) + 1;
    }

    bool can_resync() const override { return true; }

private:
    // A line ended at message offset `end`: the frame's answer, or nullopt to go on.
    std::optional<FrameResult> on_line(Side& side, std::uint64_t end) {
        const std::string_view text = side.line.text();
        if (side.phase == Phase::command) {
            if (text.empty() && !side.line.cut())
                return FrameResult::message(end, 0, std::string(k_heart_beat_json));
            if (side.line.cut() || !is_command(text))
                return FrameResult::malformed("not a STOMP command line", Resync::skip_to_delimiter,
                                              end);
            side.command = text;
            side.phase = Phase::headers;
            return std::nullopt;
        }
        if (!text.empty() || side.line.cut()) {
            constexpr std::string_view k_length = "content-length:";
            if (!side.content_length && text.starts_with(k_length)) {
                side.content_length = parse_size(text.substr(k_length.size()), m_max);
                if (!side.content_length)
                    return FrameResult::malformed("STOMP content-length not a size within max",
                                                  Resync::skip_to_delimiter, end);
            }
            if (end > m_max)
                return FrameResult::malformed("STOMP headers longer than max",
                                              Resync::skip_to_delimiter, end);
            return std::nullopt;
        }
        side.header = end;
        if (side.content_length) {
            side.body_left = *side.content_length;
            side.phase = side.body_left == 0 ? Phase::final_nul : Phase::counted_body;
        } else {
            side.phase = Phase::body_to_nul;
        }
        return std::nullopt;
    }

    FrameResult finish(const Side& side, std::uint64_t total) const {
        if (total > m_max)
            return FrameResult::malformed("STOMP frame of " + std::to_string(total) +
                                              " bytes over max " + std::to_string(m_max),
                                          Resync::skip_to_delimiter, total);
        return FrameResult::message(total, side.header,
                                    "{\"stomp\":" + json_quote(side.command) + "}");
    }

    std::uint64_t m_max;
    std::array<Side, 2> m_sides{};
};

SpecResult parse_stomp(const SpecParser& parser, std::span<const SpecPart> parts) {
    return parse_max_only(parser, parts, Family::stomp, "stomp", k_default_max);
}

std::string print_stomp(const FramingSpec& spec) {
    return print_max_only(spec, "stomp", k_default_max);
}

constexpr std::array<std::string_view, 3> k_fuzz_specs{"stomp", "stomp:max=1024", "stomp:max=8"};

std::unique_ptr<Framing> make_stomp_framing(const FramingSpec& spec) {
    return std::make_unique<StompFraming>(spec);
}

} // namespace

extern const FamilyInfo k_family_stomp{
    .family = Family::stomp,
    .name = "stomp",
    .grammar = "stomp[:max=N]",
    .parse = parse_stomp,
    .print = print_stomp,
    .make = make_stomp_framing,
    .lua_body = nullptr, // no Lua form yet
    .fuzz_specs = k_fuzz_specs,
};

} // namespace sniff::dissect
