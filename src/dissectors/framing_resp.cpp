// resp: Redis's serialization protocol, RESP2 and RESP3: one top-level value is one message
// (https://redis.io/docs/latest/develop/reference/protocol-spec/). A request is an array of bulk
// strings (or an inline command line); a reply is any value; a RESP3 push (`>`), which may
// arrive between replies, is marked {"resp":"push"}.
//
//   *3\r\n $3\r\nSET\r\n $1\r\nk\r\n $200\r\n<200 bytes>\r\n     one message (request)
//   +OK\r\n                                                     one message (reply)
//   >3\r\n $7\r\nmessage\r\n $2\r\nch\r\n $2\r\nhi\r\n            one message, marked push
// The value structure is scanned by RespScan (resp_scan.hpp), incrementally (tail feed): a
// reply of 22,000 nested lines is scanned once, nothing buffered. A top-level bulk string's body
// is skipped unread. Counts, lengths and nesting are bounded; a value that breaks them is
// malformed and the direction is given up (RESP has no marker to resynchronise on).

#include "dissectors/framings.hpp"
#include "dissectors/resp_scan.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <optional>
#include <span>
#include <vector>

namespace sniff::dissect {

namespace {

// Redis's own cap on a bulk string (proto-max-bulk-len) is 512 MB; nothing is buffered, so a
// large default costs nothing.
constexpr std::uint64_t k_default_resp_max = 512ull << 20;
constexpr std::string_view k_push_json = R"({"resp":"push"})";

// "[-]digits\r\n" from `at`: the value (-1 for a null), `at` moved past the LF. False for
// anything else, including a value over max or a negative other than -1 (RespScan then says
// what is wrong).
[[gnu::always_inline]] inline bool quick_number(const std::uint8_t*& at, const std::uint8_t* end,
                                                std::uint64_t max, std::int64_t& out) {
    const std::uint8_t* p = at;
    const bool negative = p < end && *p == '-';
    p += negative ? 1 : 0;
    // 19 digits fit in 64 bits, and max (<= 2^40) has fewer: a longer run stops on a digit where
    // the CR must be, and is refused. One comparison with max at the end, not one per digit.
    const std::uint8_t* digits = p;
    const std::uint8_t* last = p + std::min<std::ptrdiff_t>(end - p, 19);
    std::uint64_t value = 0;
    for (; p < last && static_cast<std::uint8_t>(*p - '0') <= 9; ++p)
        value = value * 10 + static_cast<std::uint64_t>(*p - '0');
    if (p == digits || value > max || end - p < 2 || p[0] != '\r' || p[1] != '\n')
        return false;
    if (negative && value != 1)
        return false;
    at = p + 2;
    out = negative ? -1 : static_cast<std::int64_t>(value);
    return true;
}

// The first LF in [at, end), or nullptr. Simple values are short ("+OK"): a loop over their first
// bytes finds it before a call to memchr would have started.
inline const std::uint8_t* find_lf(const std::uint8_t* at, const std::uint8_t* end) {
    const std::uint8_t* near_end = at + std::min<std::ptrdiff_t>(end - at, 32);
    for (; at < near_end; ++at)
        if (*at == '\n')
            return at;
    return at == end ? nullptr
                     : static_cast<const std::uint8_t*>(
                           std::memchr(at, '\n', static_cast<std::size_t>(end - at)));
}

// One simple or blob value from `at` (moved past it); false when it is not whole in the bytes
// or is of another kind. first_line_end: past the LF of the value's first line.
[[gnu::always_inline]] inline bool quick_scalar(const std::uint8_t*& at, const std::uint8_t* end,
                                                std::uint64_t max,
                                                const std::uint8_t*& first_line_end) {
    if (at == end)
        return false;
    const std::uint8_t type = *at++;
    if (type == '$' || type == '!' || type == '=') {
        std::int64_t length = 0;
        if (!quick_number(at, end, max, length) || (length < 0 && type != '$'))
            return false;
        first_line_end = at;
        if (length < 0)
            return true;
        // length <= max <= 2^40: compared as a size, no pointer arithmetic past `end`.
        if (static_cast<std::uint64_t>(end - at) < static_cast<std::uint64_t>(length) + 2)
            return false;
        at += length + 2;
        return true;
    }
    if (type != '+' && type != '-' && type != ':' && type != '_' && type != '#' && type != ',' &&
        type != '(')
        return false;
    const std::uint8_t* lf = find_lf(at, end);
    if (lf == nullptr)
        return false;
    at = lf + 1;
    first_line_end = at;
    return true;
}

// The shapes nearly all traffic has, parsed in place for frame_run: a simple or blob value, or
// an array, set or map of them (a command, a GET reply, an MGET reply). Returns the message, or
// false for anything else, which RespScan then decides: the answers are the same (the
// property tests run both paths on the same streams). named_like_pubsub: the value is an array
// whose first element is a blob of a pub/sub name's length, the only shape pubsub_value can
// accept from this path; nearly every message is told apart here, at no extra cost.
bool quick_message(util::Bytes bytes, std::uint64_t max, RunMessage& message,
                   bool& named_like_pubsub) {
    const auto* begin = reinterpret_cast<const std::uint8_t*>(bytes.data());
    const auto* end = begin + bytes.size();
    const std::uint8_t* at = begin;
    std::uint64_t header = 0;
    const std::uint8_t type = bytes.empty() ? 0 : *begin;
    if (type == '*' || type == '~' || type == '%') {
        ++at;
        std::int64_t count = 0;
        if (!quick_number(at, end, max, count) || (count < 0 && type != '*'))
            return false;
        header = static_cast<std::uint64_t>(at - begin);
        const std::uint64_t elements =
            count < 0 ? 0 : static_cast<std::uint64_t>(count) * (type == '%' ? 2 : 1);
        if (elements > max / 3) // RespScan's bound
            return false;
        const std::uint8_t* first = at;
        const std::uint8_t* line_end = nullptr;
        std::ptrdiff_t first_size = 0;
        for (std::uint64_t i = 0; i < elements; ++i) {
            if (!quick_scalar(at, end, max, line_end))
                return false;
            first_size = i == 0 ? at - first : first_size;
        }
        // "$7\r\n" + 7 + CRLF is 13 bytes, "$12\r\n" + 12 + CRLF is 19 (a few others too).
        named_like_pubsub = first_size >= 13 && first_size <= 19 && *first == '$';
    } else {
        named_like_pubsub = false;
        const std::uint8_t* line_end = nullptr;
        if (!quick_scalar(at, end, max, line_end))
            return false;
        header = static_cast<std::uint64_t>(line_end - begin);
    }
    const auto total = static_cast<std::uint64_t>(at - begin);
    if (total > max)
        return false;
    message.total = total;
    message.header = header;
    return true;
}

// Bytes enough to name a command: "*3\r\n$12\r\npunsubscribe" and some.
constexpr std::size_t k_name_bytes = 64;

// Pub/sub names are 7 to 12 bytes long ("message" .. "punsubscribe").
constexpr std::size_t k_shortest_name = 7;
constexpr std::size_t k_longest_name = 12;

// A command's name, lowercase; empty when it is not a pub/sub name's length.
struct CommandName {
    std::array<char, k_longest_name> text{};
    std::size_t size = 0;
    std::string_view view() const { return {text.data(), size}; }
};

// The command's name of a request: the first bulk string of an array ("*2\r\n$9\r\nsubscribe"),
// or an inline command's first word. Runs for every message of a run, so a name of another
// length is refused from its "$LEN" (SET, GET) before a byte of it is read.
CommandName command_name(util::Bytes bytes) {
    util::ByteReader reader(bytes.first(std::min(bytes.size(), k_name_bytes)));
    auto skip_line = [&reader] {
        while (reader.ok() && reader.remaining() > 0 && reader.read_u8() != '\n') {
        }
    };
    if (reader.has(1) && bytes[0] == std::byte{'*'}) {
        skip_line(); // "*N\r\n"
        if (!reader.has(1) || reader.read_u8() != '$')
            return {};
        std::size_t length = 0;
        while (reader.has(1) && length <= k_longest_name) {
            const std::uint8_t c = reader.read_u8();
            if (c < '0' || c > '9')
                break;
            length = length * 10 + (c - '0');
        }
        if (length < k_shortest_name || length > k_longest_name)
            return {};
        skip_line(); // the rest of "$LEN\r\n"
    }
    CommandName name;
    while (reader.remaining() > 0) {
        const auto c = static_cast<char>(reader.read_u8());
        if (c == '\r' || c == '\n' || c == ' ')
            break;
        if (name.size == k_longest_name)
            return {};
        name.text[name.size++] = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    }
    return name.size < k_shortest_name ? CommandName{} : name;
}

// Pub/sub outside the request/answer pairing. A client's (un)subscription is answered by one
// confirmation per channel; in RESP2 the confirmations and the messages are plain arrays named by
// their first element (in RESP3 they are pushes, left out already), so neither side counts them.
bool pubsub_value(model::Direction direction, util::Bytes bytes) {
    constexpr std::array<std::string_view, 9> k_names{"subscribe",   "psubscribe",   "ssubscribe",
                                                      "unsubscribe", "punsubscribe", "sunsubscribe",
                                                      "message",     "pmessage",     "smessage"};
    // A server's are arrays; a client may also type an inline command.
    if (direction == model::Direction::s2c && (bytes.empty() || bytes[0] != std::byte{'*'}))
        return false;
    const CommandName name = command_name(bytes);
    if (name.size == 0)
        return false;
    // Commands: the first six; server values: all nine (a client does not send "message").
    const auto names = direction == model::Direction::c2s
                           ? std::span<const std::string_view>(k_names).first(6)
                           : std::span<const std::string_view>(k_names);
    return std::find(names.begin(), names.end(), name.view()) != names.end();
}

class RespFraming final : public Framing {
public:
    explicit RespFraming(const FramingSpec& spec)
        : m_max(spec.max), m_scans{RespScan(spec.max), RespScan(spec.max)}, m_run_scan(spec.max) {}

    FrameResult frame(model::Direction direction, util::Bytes bytes, std::uint64_t from) override {
        RespScan& scan = m_scans[static_cast<std::size_t>(direction)];
        if (from == 0) {
            scan.reset();
            m_head[static_cast<std::size_t>(direction)].clear();
        }
        // The message's first bytes, which name a pub/sub value; they may come a few at a time.
        auto& head = m_head[static_cast<std::size_t>(direction)];
        const std::size_t keep = std::min(bytes.size(), k_name_bytes - head.size());
        head.insert(head.end(), bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(keep));
        const RespScan::Step step = scan.advance(bytes);
        switch (step.verdict) {
        case RespScan::Verdict::more:
            return FrameResult::need_more(from + bytes.size() + 1, Feed::tail);
        case RespScan::Verdict::complete:
            return finish(direction, scan, from + step.used);
        case RespScan::Verdict::body:
            return finish(direction, scan, from + step.used + step.rest);
        case RespScan::Verdict::malformed:
            break;
        }
        return FrameResult::malformed(step.reason, Resync::give_up, from + step.used);
    }

    std::size_t frame_run(model::Direction direction, util::Bytes bytes,
                          std::span<RunMessage> out) override {
        // Pushes never come in runs; pub/sub values are not counted.
        std::size_t pubsub = 0;
        const std::size_t count = run(direction, bytes, out, pubsub);
        m_exchanges[static_cast<std::size_t>(direction)] += count - pubsub;
        return count;
    }

    // Every command asks for one reply, except (un)subscriptions; every value the server sends
    // is one, except a RESP3 push and a RESP2 subscription confirmation or message (an array
    // named "subscribe", "message", ...). MONITOR lines are not marked: on such a connection the
    // server sends more values than it was asked for.
    std::optional<ExchangeCount> exchanges(model::Direction direction) const override {
        return client_asks(direction, m_exchanges);
    }

private:
    // The messages at the start of bytes into out; pubsub: how many of them are pub/sub values.
    std::size_t run(model::Direction direction, util::Bytes bytes, std::span<RunMessage> out,
                    std::size_t& pubsub) {
        std::size_t count = 0;
        std::size_t at = 0;
        while (count < out.size() && at < bytes.size()) {
            const util::Bytes rest = bytes.subspan(at);
            bool named_like_pubsub = false;
            if (quick_message(rest, m_max, out[count], named_like_pubsub)) {
                pubsub += named_like_pubsub && pubsub_value(direction, rest) ? 1 : 0;
                at += static_cast<std::size_t>(out[count++].total);
                continue;
            }
            m_run_scan.reset();
            const RespScan::Step step = m_run_scan.advance(rest);
            std::uint64_t total = step.used;
            if (step.verdict == RespScan::Verdict::body)
                total += step.rest;
            else if (step.verdict != RespScan::Verdict::complete)
                break;
            // A push carries a mark (header fields): frame() reports it.
            if (total > rest.size() || m_run_scan.push())
                break;
            pubsub += pubsub_value(direction, rest) ? 1 : 0;
            out[count++] = RunMessage{total, m_run_scan.header()};
            at += static_cast<std::size_t>(total);
        }
        return count;
    }

    FrameResult finish(model::Direction direction, const RespScan& scan, std::uint64_t total) {
        if (!scan.push() && !pubsub_value(direction, m_head[static_cast<std::size_t>(direction)]))
            ++m_exchanges[static_cast<std::size_t>(direction)];
        return FrameResult::message(total, scan.header(),
                                    scan.push() ? std::string(k_push_json) : std::string{});
    }

    std::array<std::uint64_t, 2> m_exchanges{}; // commands (c2s) and replies (s2c) so far
    // The first bytes of each direction's message being framed (at most k_name_bytes).
    std::array<std::vector<std::byte>, 2> m_head;
    std::uint64_t m_max;
    std::array<RespScan, 2> m_scans;
    RespScan m_run_scan; // frame_run's, reset for each message
};

SpecResult parse_resp(const SpecParser& parser, std::span<const SpecPart> parts) {
    return parse_max_only(parser, parts, Family::resp, "resp", k_default_resp_max);
}

std::string print_resp(const FramingSpec& spec) {
    return print_max_only(spec, "resp", k_default_resp_max);
}

constexpr std::array<std::string_view, 3> k_fuzz_specs{"resp", "resp:max=1024", "resp:max=16"};

std::unique_ptr<Framing> make_resp_framing(const FramingSpec& spec) {
    return std::make_unique<RespFraming>(spec);
}

} // namespace

extern const FamilyInfo k_family_resp{
    .family = Family::resp,
    .name = "resp",
    .grammar = "resp[:max=N]",
    .parse = parse_resp,
    .print = print_resp,
    .make = make_resp_framing,
    .lua_body = nullptr, // nested counts need a scanner: no Lua form yet
    .fuzz_specs = k_fuzz_specs,
};

} // namespace sniff::dissect
