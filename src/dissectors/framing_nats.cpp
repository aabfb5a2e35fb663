// nats: the NATS client protocol, one message per protocol operation
// (https://docs.nats.io/reference/reference-protocols/nats-protocol).
//
//   PUB <subject> [reply-to] <#bytes>\r\n<payload>\r\n                 one message
//   HPUB <subject> [reply-to] <#header bytes> <#total bytes>\r\n<headers+payload>\r\n
//   MSG <subject> <sid> [reply-to] <#bytes>\r\n<payload>\r\n             one message
//   HMSG <subject> <sid> [reply-to] <#header bytes> <#total bytes>\r\n<headers+payload>\r\n
//   INFO {...}, CONNECT {...}, SUB, UNSUB, PING, PONG, +OK, -ERR '...'  one line each
// Operation names are case-insensitive. The size is the line's last word, checked against max
// before anything is added.

#include "dissectors/framings.hpp"
#include "dissectors/line_framing.hpp"

#include <array>

namespace sniff::dissect {

namespace {

class NatsFraming final : public LineFraming {
public:
    explicit NatsFraming(const FramingSpec& spec) : LineFraming(spec.max) {}

protected:
    LineAction on_line(model::Direction direction, std::string_view text, bool, bool) override {
        const auto words = split_words<8>(text);
        if (words.count == 0)
            return LineAction::complete();
        const std::string_view name = words.word[0];
        const bool client = direction == model::Direction::c2s;
        if (equals_nocase(name, client ? "PING" : "PONG"))
            ++m_exchanges[client ? 0 : 1];
        const bool plain = equals_nocase(name, "PUB") || equals_nocase(name, "MSG");
        const bool headers = equals_nocase(name, "HPUB") || equals_nocase(name, "HMSG");
        if (!plain && !headers)
            return LineAction::complete();
        // PUB needs subject and size, MSG subject, sid and size; H* one more (header size).
        const std::size_t least =
            (equals_nocase(name.substr(name.size() - 3), "MSG") ? 4 : 3) + (headers ? 1 : 0);
        const auto size = words.count >= least && words.count < words.word.size()
                              ? parse_size(words.word[words.count - 1], max())
                              : std::nullopt;
        if (!size)
            return LineAction::bad("PUB/MSG line without a valid size within max");
        return LineAction::then_complete(*size + 2);
    }

public:
    // The one exchange of NATS with a fixed answer: the client's PING, answered by a PONG.
    // Messages (MSG) are deliveries, not answers, and +OK depends on the client's verbose
    // setting; the server's own PINGs (answered by the client) are not counted.
    std::optional<ExchangeCount> exchanges(model::Direction direction) const override {
        return client_asks(direction, m_exchanges);
    }

private:
    std::array<std::uint64_t, 2> m_exchanges{}; // client PINGs and server PONGs so far
};

SpecResult parse_nats(const SpecParser& parser, std::span<const SpecPart> parts) {
    return parse_max_only(parser, parts, Family::nats, "nats", k_default_max);
}

std::string print_nats(const FramingSpec& spec) {
    return print_max_only(spec, "nats", k_default_max);
}

constexpr std::array<std::string_view, 3> k_fuzz_specs{"nats", "nats:max=1024", "nats:max=8"};

std::unique_ptr<Framing> make_nats_framing(const FramingSpec& spec) {
    return std::make_unique<NatsFraming>(spec);
}

} // namespace

extern const FamilyInfo k_family_nats{
    .family = Family::nats,
    .name = "nats",
    .grammar = "nats[:max=N]",
    .parse = parse_nats,
    .print = print_nats,
    .make = make_nats_framing,
    .lua_body = nullptr, // no Lua form yet
    .fuzz_specs = k_fuzz_specs,
};

} // namespace sniff::dissect
