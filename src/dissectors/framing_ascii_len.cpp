// ascii-len: the article's naive protocol. The sender writes the body length as decimal text,
// waits (with ack=TEXT) for the peer's acknowledgement, then writes the body.
//
//   sender:   "1234"                    <body: 1234 bytes>
//   peer:              "ready"
// Where the length text ends: with an ack, at the sender's stream position when the peer's ack
// arrives (the sender is waiting then, so the body cannot have started); the ack text itself is
// a message of the peer direction. Without an ack, or when bytes follow the digits before the ack,
// the text ends at the first non-digit, and a "\n" or "\r\n" right after the digits belongs to the
// header. Bytes in a direction that start with neither digits nor the ack (the article's shell
// command) are a "turn": a message that ends when the peer starts to answer. At most 20 digits.
//
// The ack's line end: clients differ (the article's Python client sends "ready", sniff's own
// "ready\n"), so an ack TEXT that does not end in "\n" also takes one optional "\n" or "\r\n"
// (or a lone "\r") right after it: "ready\n" is one message, not "ready" then "\n". Whether a
// line end follows is known when that direction's next byte arrives, or when the peer starts
// sending (the body), which ends the ack as it stands.

#include "dissectors/framings.hpp"

#include <array>

namespace sniff::dissect {

namespace {

constexpr std::size_t k_max_digits = 20;

bool is_digit(std::byte b) {
    return b >= std::byte{'0'} && b <= std::byte{'9'};
}

class AsciiLenFraming final : public Framing {
public:
    explicit AsciiLenFraming(FramingSpec spec) : m_spec(std::move(spec)) {}

    FrameResult frame(model::Direction direction, util::Bytes bytes, std::uint64_t from) override {
        FrameResult result = frame_message(direction, bytes, from);
        if (result.kind == FrameResult::Kind::message && from == 0 && !bytes.empty())
            count_exchange(direction, is_digit(bytes[0]) ? Kind::digits : Kind::ack);
        return result;
    }

    std::optional<FrameResult> on_peer_data(model::Direction direction,
                                            std::uint64_t pending) override {
        const Kind before = m_state[static_cast<std::size_t>(direction)].kind;
        auto result = end_on_peer_data(direction, pending);
        if (result && result->kind == FrameResult::Kind::message)
            count_exchange(direction, before);
        return result;
    }

    // The handshake as an exchange: a length text asks for the ack, the peer's ack answers it
    // (a sender that does not wait still gets its ack, later), whichever side sends the length
    // (`sniff serve` answers a command with a length, and its client acks). Without an ack
    // there is nothing to pair; a turn (a command line) is not counted.
    std::optional<ExchangeCount> exchanges(model::Direction direction) const override {
        if (m_spec.bytes.empty())
            return std::nullopt;
        return m_exchanges[static_cast<std::size_t>(direction)];
    }

private:
    FrameResult frame_message(model::Direction direction, util::Bytes bytes, std::uint64_t from) {
        State& state = m_state[static_cast<std::size_t>(direction)];
        if (from != 0)
            return FrameResult::need_more(from + bytes.size() + 1, Feed::tail); // a turn goes on
        if (bytes.empty())
            return FrameResult::need_more(1);
        if (!is_digit(bytes[0]))
            return frame_other(direction, bytes);
        std::size_t digits = 0;
        std::uint64_t value = 0;
        while (digits < bytes.size() && is_digit(bytes[digits])) {
            if (digits == k_max_digits)
                return FrameResult::malformed("length text longer than 20 digits", Resync::give_up,
                                              digits);
            value = value > m_spec.max
                        ? value
                        : value * 10 + static_cast<std::uint64_t>(bytes[digits]) - '0';
            ++digits;
        }
        state.kind = Kind::digits;
        state.value = value;
        if (digits == bytes.size()) {
            if (state.acked)
                return finish(state, digits);
            return FrameResult::need_more(digits + 1);
        }
        // A terminator: "\n" or "\r\n" is header; any other byte starts the body.
        std::size_t header = digits;
        util::ByteReader reader(bytes.subspan(digits));
        const std::uint8_t next = reader.read_u8();
        if (next == '\n') {
            header += 1;
        } else if (next == '\r') {
            if (!reader.has(1))
                return FrameResult::need_more(digits + 2);
            if (reader.read_u8() == '\n')
                header += 2;
        }
        return finish(state, header);
    }

    std::optional<FrameResult> end_on_peer_data(model::Direction direction, std::uint64_t pending) {
        State& state = m_state[static_cast<std::size_t>(direction)];
        if (pending == 0)
            return std::nullopt;
        if (state.kind == Kind::turn) {
            state = State{};
            return FrameResult::message(pending, 0);
        }
        if (state.kind == Kind::digits && state.acked)
            return finish(state, pending);
        if (state.kind == Kind::ack) {
            state = State{};
            return FrameResult::message(pending, 0); // no line end came before the body
        }
        return std::nullopt;
    }

    // ack: the ack text was seen; an optional line end may still follow.
    enum class Kind : std::uint8_t { none, digits, turn, ack };
    struct State {
        Kind kind = Kind::none;
        std::uint64_t value = 0;
        bool acked = false; // the peer acknowledged this direction's length text
    };

    FrameResult finish(State& state, std::uint64_t header) {
        const std::uint64_t value = state.value;
        state = State{};
        if (value > m_spec.max)
            return FrameResult::malformed("length " + std::to_string(value) + " over max " +
                                              std::to_string(m_spec.max),
                                          Resync::give_up, header);
        return FrameResult::message(header + value, header);
    }

    FrameResult frame_other(model::Direction direction, util::Bytes bytes) {
        const std::string& ack = m_spec.bytes;
        const std::size_t common = std::min(ack.size(), bytes.size());
        const bool ack_prefix =
            !ack.empty() &&
            std::equal(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(common),
                       reinterpret_cast<const std::byte*>(ack.data()));
        if (ack_prefix && bytes.size() < ack.size())
            return FrameResult::need_more(ack.size());
        State& state = m_state[static_cast<std::size_t>(direction)];
        if (ack_prefix) {
            State& peer = m_state[static_cast<std::size_t>(model::opposite(direction))];
            if (peer.kind == Kind::digits)
                peer.acked = true;
            return frame_ack_line_end(state, bytes, ack.size());
        }
        state.kind = Kind::turn;
        return FrameResult::need_more(bytes.size() + 1, Feed::tail);
    }

    // The ack's optional "\n" or "\r\n" (see the file comment); `ack` bytes matched already.
    FrameResult frame_ack_line_end(State& state, util::Bytes bytes, std::size_t ack) {
        state = State{};
        if (m_spec.bytes.back() == '\n')
            return FrameResult::message(ack, 0); // the ack brings its own line end
        util::ByteReader reader(bytes.subspan(ack));
        const std::uint8_t first = reader.read_u8();
        if (!reader.ok()) {
            state.kind = Kind::ack;
            return FrameResult::need_more(ack + 1);
        }
        if (first == '\n')
            return FrameResult::message(ack + 1, 0);
        if (first != '\r')
            return FrameResult::message(ack, 0);
        const std::uint8_t second = reader.read_u8();
        if (!reader.ok()) {
            state.kind = Kind::ack;
            return FrameResult::need_more(ack + 2);
        }
        // A lone "\r" stays with the ack: the engine has passed it already (it asked for one byte
        // more), and an old Mac line end it may be.
        return FrameResult::message(second == '\n' ? ack + 2 : ack + 1, 0);
    }

    // A message just ended in `direction`; `kind` says what it was.
    void count_exchange(model::Direction direction, Kind kind) {
        auto& count = m_exchanges[static_cast<std::size_t>(direction)];
        if (kind == Kind::digits)
            ++count.asks;
        else if (kind == Kind::ack)
            ++count.answers;
    }

    FramingSpec m_spec;
    std::array<State, 2> m_state{};
    std::array<ExchangeCount, 2> m_exchanges{}; // length texts and acks per direction so far
};

} // namespace

namespace {

SpecResult parse_ascii_len(const SpecParser& parser, std::span<const SpecPart> parts) {
    FramingSpec spec;
    spec.family = Family::ascii_len;
    for (const SpecPart& part : parts) {
        const auto [key, value] = key_value(part.text);
        if (key == "max") {
            if (!parse_max(value, spec.max))
                return parser.error("ascii-len", "max must be 1..2^40, not", part);
        } else if (key == "ack") {
            if (!unescape(value, spec.bytes) || spec.bytes.size() > 64)
                return parser.error("ascii-len", "ack must be 0..64 bytes with valid escapes, not",
                                    part);
        } else if (key == "noack") {
            spec.bytes.clear();
        } else {
            return parser.error("ascii-len", "unknown key", part);
        }
    }
    return spec;
}

std::string print_ascii_len(const FramingSpec& spec) {
    const std::string out =
        spec.bytes.empty() ? "ascii-len:noack" : "ascii-len:ack=" + escape_spec_bytes(spec.bytes);
    return out + max_suffix(spec, k_default_max);
}

constexpr std::array<std::string_view, 4> k_fuzz_specs{
    "ascii-len", "ascii-len:ack=ready", "ascii-len:ack=ready\\n,max=100", "ascii-len:max=10"};

std::unique_ptr<Framing> make_ascii_len_framing(const FramingSpec& spec) {
    return std::make_unique<AsciiLenFraming>(spec);
}

} // namespace

extern const FamilyInfo k_family_ascii_len{
    .family = Family::ascii_len,
    .name = "ascii-len",
    .grammar = "ascii-len[:ack=TEXT,noack,max=N]",
    .parse = parse_ascii_len,
    .print = print_ascii_len,
    .make = make_ascii_len_framing,
    .lua_body = nullptr, // the length's end depends on the peer's ack: no Lua form
    .fuzz_specs = k_fuzz_specs,
};

} // namespace sniff::dissect
