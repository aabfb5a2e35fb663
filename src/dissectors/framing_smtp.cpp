// smtp: SMTP (RFC 5321) with CHUNKING (RFC 3030) and STARTTLS (RFC 3207), one message per
// command, reply, or mail content, with the two directions paired.
//
//   client: a command line                                   one message
//           BDAT <size> [LAST] CRLF <size bytes>              one message
//           the content after DATA, up to the line "." (CRLF.CRLF; lines that begin with a dot
//           are dot-stuffed and do not end it)               one message, marked {"smtp":"data"}
//   server: a reply: "250-..." lines up to the "250 ..." line  one message
// Replies answer commands in order (PIPELINING sends several before the first reply), so the one
// framing instance of the flow keeps the unanswered commands: the content follows DATA unless
// the server refused DATA before the content began, and once STARTTLS is answered 220 both
// directions are TLS records (the tls preset). Lines are collected with a bounded copy
// (LineCollector); BDAT chunks are skipped, DATA content is scanned line by line. A line that is
// not a reply is malformed and the direction resynchronises at the next line.

#include "dissectors/framings.hpp"
#include "dissectors/json_text.hpp"
#include "dissectors/line_collector.hpp"

#include <array>
#include <cstring>
#include <deque>
#include <utility>

namespace sniff::dissect {

namespace {

constexpr std::size_t k_pending_max = 1024; // unanswered commands remembered
constexpr std::uint64_t k_line_max = 64ull << 10;

enum class Command : std::uint8_t { other, data, bdat, starttls };
enum class DataReply : std::uint8_t { none, awaited, accepted, refused };

struct Side {
    LineCollector line;
    bool in_data = false; // this client message is DATA content
    std::uint64_t lines = 0;
};

std::optional<int> reply_code(std::string_view text) {
    if (text.size() < 3)
        return std::nullopt;
    int code = 0;
    for (std::size_t i = 0; i < 3; ++i) {
        if (text[i] < '0' || text[i] > '9')
            return std::nullopt;
        code = code * 10 + (text[i] - '0');
    }
    if (text.size() > 3 && text[3] != ' ' && text[3] != '-')
        return std::nullopt;
    return code;
}

class SmtpFraming final : public Framing {
public:
    explicit SmtpFraming(const FramingSpec& spec) : m_max(spec.max) {
        m_tls.family = Family::len;
        m_tls.off = 3;
        m_tls.size = 2;
    }

    FrameResult frame(model::Direction direction, util::Bytes bytes, std::uint64_t from) override {
        Side& side = m_sides[static_cast<std::size_t>(direction)];
        const bool client = direction == model::Direction::c2s;
        if (from == 0) {
            side = Side{};
            // A TLS handshake record right after STARTTLS, before the answer was seen.
            if (client && m_starttls_sent && !bytes.empty() && bytes[0] == std::byte{0x16})
                m_tls_on = true;
            side.in_data =
                client && (m_data == DataReply::awaited || m_data == DataReply::accepted);
            if (side.in_data)
                m_data = DataReply::none;
        }
        if (m_tls_on)
            return frame_length_prefix(m_tls, bytes);
        std::size_t at = 0;
        while (at < bytes.size()) {
            const auto used = side.line.feed(bytes.subspan(at));
            if (!used) {
                at = bytes.size();
                break;
            }
            at += *used;
            const std::uint64_t end = from + at;
            std::optional<FrameResult> done = side.in_data ? data_line(side, end)
                                              : client     ? command_line(side, end)
                                                           : reply_line(side, end);
            side.line.reset();
            if (done) {
                m_line_start[static_cast<std::size_t>(direction)] =
                    done->kind == FrameResult::Kind::malformed;
                return *done;
            }
        }
        const std::uint64_t so_far = from + bytes.size();
        if (so_far > (side.in_data ? m_max : k_line_max))
            return FrameResult::malformed("SMTP " + std::string(side.in_data ? "content" : "line") +
                                              " longer than its limit",
                                          Resync::skip_to_delimiter, so_far);
        return FrameResult::need_more(so_far + 1, Feed::tail);
    }

    std::optional<std::size_t> find_resync(model::Direction direction, util::Bytes bytes,
                                           bool) override {
        if (m_tls_on)
            return std::nullopt;
        // A malformed line was covered up to its end: the next line is the next message.
        if (std::exchange(m_line_start[static_cast<std::size_t>(direction)], false))
            return 0;
        const auto* data = reinterpret_cast<const char*>(bytes.data());
        const void* lf = std::memchr(data, '\n', bytes.size());
        if (lf == nullptr)
            return std::nullopt;
        return static_cast<std::size_t>(static_cast<const char*>(lf) - data) + 1;
    }

    bool can_resync() const override { return !m_tls_on; }

private:
    std::optional<FrameResult> data_line(Side& side, std::uint64_t end) {
        ++side.lines;
        if (side.line.cut() || side.line.text() != ".")
            return std::nullopt;
        remember(Command::other); // the content gets a reply of its own
        std::string json = "{";
        json_field(json, "smtp", json_quote("data"));
        json_field(json, "lines", side.lines);
        return FrameResult::message(end, 0, json + "}");
    }

    std::optional<FrameResult> command_line(Side& side, std::uint64_t end) {
        const auto words = split_words<4>(side.line.text());
        const std::string_view verb = words.count > 0 ? words.word[0] : std::string_view{};
        Command command = Command::other;
        std::uint64_t chunk = 0;
        if (equals_nocase(verb, "DATA") && words.count == 1) {
            command = Command::data;
            m_data = DataReply::awaited;
        } else if (equals_nocase(verb, "STARTTLS")) {
            command = Command::starttls;
            m_starttls_sent = true;
        } else if (equals_nocase(verb, "BDAT")) {
            const auto size = words.count >= 2 ? parse_size(words.word[1], m_max) : std::nullopt;
            if (!size)
                return FrameResult::malformed("BDAT without a size within max",
                                              Resync::skip_to_delimiter, end);
            command = Command::bdat;
            chunk = *size;
        }
        remember(command);
        std::string json = "{";
        json_field(json, "smtp", json_quote(verb, 16));
        if (command == Command::bdat)
            json_field(json, "chunk", chunk);
        return FrameResult::message(end + chunk, end, json + "}");
    }

    std::optional<FrameResult> reply_line(Side& side, std::uint64_t end) {
        ++side.lines;
        const std::string_view text = side.line.text();
        const std::optional<int> code = reply_code(text);
        if (!code)
            return FrameResult::malformed("not an SMTP reply line", Resync::skip_to_delimiter, end);
        if (text.size() > 3 && text[3] == '-' && !side.line.cut())
            return std::nullopt;
        answer(*code);
        std::string json = "{";
        json_field(json, "smtp", std::uint64_t(*code));
        if (side.lines > 1)
            json_field(json, "lines", side.lines);
        return FrameResult::message(end, 0, json + "}");
    }

    void remember(Command command) {
        if (m_pending.size() == k_pending_max)
            m_pending.pop_front();
        m_pending.push_back(command);
    }

    // A complete reply: the greeting, or the answer to the oldest unanswered command.
    void answer(int code) {
        if (!m_greeted) {
            m_greeted = true;
            return;
        }
        if (m_pending.empty())
            return;
        const Command command = m_pending.front();
        m_pending.pop_front();
        if (command == Command::data && m_data == DataReply::awaited)
            m_data = code == 354 ? DataReply::accepted : DataReply::refused;
        if (command == Command::starttls) {
            m_starttls_sent = false;
            if (code == 220)
                m_tls_on = true;
        }
    }

    std::uint64_t m_max;
    FramingSpec m_tls;
    std::array<Side, 2> m_sides{};
    std::deque<Command> m_pending;
    std::array<bool, 2> m_line_start{}; // a malformed message just ended at a line end
    DataReply m_data = DataReply::none;
    bool m_greeted = false;
    bool m_starttls_sent = false;
    bool m_tls_on = false;
};

SpecResult parse_smtp(const SpecParser& parser, std::span<const SpecPart> parts) {
    return parse_max_only(parser, parts, Family::smtp, "smtp", k_default_max);
}

std::string print_smtp(const FramingSpec& spec) {
    return print_max_only(spec, "smtp", k_default_max);
}

constexpr std::array<std::string_view, 3> k_fuzz_specs{"smtp", "smtp:max=1024", "smtp:max=8"};

std::unique_ptr<Framing> make_smtp_framing(const FramingSpec& spec) {
    return std::make_unique<SmtpFraming>(spec);
}

} // namespace

extern const FamilyInfo k_family_smtp{
    .family = Family::smtp,
    .name = "smtp",
    .grammar = "smtp[:max=N]",
    .parse = parse_smtp,
    .print = print_smtp,
    .make = make_smtp_framing,
    .lua_body = nullptr, // replies and content depend on the other direction: no Lua form
    .fuzz_specs = k_fuzz_specs,
};

} // namespace sniff::dissect
