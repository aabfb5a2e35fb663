// memcache-text: memcached's text protocol, one message per command and per reply
// (https://github.com/memcached/memcached/blob/master/doc/protocol.txt).
//
//   client  set|add|replace|append|prepend <key> <flags> <exptime> <bytes> [noreply]\r\n
//           cas <key> <flags> <exptime> <bytes> <cas unique> [noreply]\r\n       then <bytes>\r\n
//           ms <key> <datalen> <flags>*\r\n                                       then
//           <datalen>\r\n any other command (get, gets, delete, incr, mg, md, ma, mn, ...)     one
//           line
//   server  VALUE <key> <flags> <bytes> [<cas>]\r\n<bytes>\r\n ... END\r\n          one message
//           STAT <name> <value>\r\n ... END\r\n                                  one message
//           VA <size> <flags>*\r\n<size>\r\n                                      one message
//           any other reply (STORED, NOT_FOUND, HD, EN, a number, ...)           one line
// `noreply` commands get no answer, so the two directions' counts differ by design.

#include "dissectors/framings.hpp"
#include "dissectors/line_framing.hpp"

#include <array>

namespace sniff::dissect {

namespace {

// Storage commands and the index of their <bytes> word.
struct StorageCommand {
    std::string_view name;
    std::size_t bytes_word;
};
constexpr std::array<StorageCommand, 7> k_storage{{
    {"set", 4},
    {"add", 4},
    {"replace", 4},
    {"append", 4},
    {"prepend", 4},
    {"cas", 4},
    {"ms", 2},
}};

class MemcacheTextFraming final : public LineFraming {
public:
    explicit MemcacheTextFraming(const FramingSpec& spec) : LineFraming(spec.max) {}

protected:
    LineAction on_line(model::Direction direction, std::string_view text, bool first,
                       bool) override {
        const auto words = split_words<6>(text);
        if (direction == model::Direction::c2s) {
            const LineAction action = command(words);
            if (action.kind != LineAction::Kind::malformed && asks_for_answer(words))
                ++m_exchanges[0];
            return action;
        }
        const LineAction action = reply(words, first);
        if (action.kind == LineAction::Kind::complete ||
            action.kind == LineAction::Kind::then_complete)
            ++m_exchanges[1];
        return action;
    }

public:
    // Requests: every command but `quit`, a classic command ending in `noreply` and a meta
    // command with the quiet flag `q` (answered only on failure: counted as unanswered, so a
    // failure's reply shows as one answer too many). Answers: every reply message.
    std::optional<ExchangeCount> exchanges(model::Direction direction) const override {
        return client_asks(direction, m_exchanges);
    }

private:
    static bool asks_for_answer(const Words<6>& words) {
        if (words.count == 0 || words.word[0] == "quit")
            return false;
        if (words.word[words.count - 1] == "noreply")
            return false;
        const bool meta = words.word[0].size() == 2 && words.word[0][0] == 'm';
        for (std::size_t i = 2; meta && i < words.count; ++i)
            if (words.word[i] == "q")
                return false;
        return true;
    }

    std::array<std::uint64_t, 2> m_exchanges{}; // commands (c2s) and replies (s2c) so far

    // <bytes> data bytes and their CRLF; nullopt when the word is not a size within max.
    std::optional<std::uint64_t> block(std::string_view word) const {
        const auto size = parse_size(word, max());
        return size ? std::optional<std::uint64_t>(*size + 2) : std::nullopt;
    }

    LineAction command(const Words<6>& words) const {
        for (const StorageCommand& storage : k_storage) {
            if (words.count == 0 || words.word[0] != storage.name)
                continue;
            const auto data = words.count > storage.bytes_word
                                  ? block(words.word[storage.bytes_word])
                                  : std::nullopt;
            if (!data)
                return LineAction::bad("storage command without a valid <bytes> within max");
            return LineAction::then_complete(*data);
        }
        return LineAction::complete();
    }

    LineAction reply(const Words<6>& words, bool first) const {
        const std::string_view name = words.count > 0 ? words.word[0] : std::string_view{};
        if (name == "VALUE") {
            const auto data = words.count > 3 ? block(words.word[3]) : std::nullopt;
            return data ? LineAction::then_line(*data)
                        : LineAction::bad("VALUE line without a valid <bytes> within max");
        }
        if (name == "STAT")
            return LineAction::then_line();
        if (name == "END")
            return LineAction::complete();
        if (!first)
            return LineAction::bad("a retrieval or stats reply goes on with neither VALUE, STAT "
                                   "nor END");
        if (name == "VA") {
            const auto data = words.count > 1 ? block(words.word[1]) : std::nullopt;
            return data ? LineAction::then_complete(*data)
                        : LineAction::bad("VA line without a valid <size> within max");
        }
        return LineAction::complete();
    }
};

SpecResult parse_memcache_text(const SpecParser& parser, std::span<const SpecPart> parts) {
    return parse_max_only(parser, parts, Family::memcache_text, "memcache-text", k_default_max);
}

std::string print_memcache_text(const FramingSpec& spec) {
    return print_max_only(spec, "memcache-text", k_default_max);
}

constexpr std::array<std::string_view, 3> k_fuzz_specs{"memcache-text", "memcache-text:max=1024",
                                                       "memcache-text:max=8"};

std::unique_ptr<Framing> make_memcache_text_framing(const FramingSpec& spec) {
    return std::make_unique<MemcacheTextFraming>(spec);
}

} // namespace

extern const FamilyInfo k_family_memcache_text{
    .family = Family::memcache_text,
    .name = "memcache-text",
    .grammar = "memcache-text[:max=N]",
    .parse = parse_memcache_text,
    .print = print_memcache_text,
    .make = make_memcache_text_framing,
    .lua_body = nullptr, // multi-line replies need state: no Lua form
    .fuzz_specs = k_fuzz_specs,
};

} // namespace sniff::dissect
