// sniff replay's pure parts: the turns of a conversation, the comparison, the option values.

#include "dissectors/spec.hpp"
#include "replay/compare.hpp"
#include "replay/fields.hpp"
#include "replay/message_finder.hpp"
#include "replay/script.hpp"
#include "replay/settings.hpp"

#include <catch2/catch.hpp>
#include <cstring>

using namespace sniff;
using namespace sniff::replay;
using model::Direction;

namespace {

// A conversation built chunk by chunk, frames in the order of the calls.
struct Builder {
    Conversation conversation;
    std::uint64_t frame = 0;
    Builder() {
        conversation.flow.id = 1;
        conversation.flow.saw_syn = true;
        conversation.flow.server.port = 6379;
    }
    Builder& send(Direction direction, const std::string& text) {
        auto& side = conversation.of(direction);
        side.chunks.push_back(Chunk{side.bytes.size(), text.size(),
                                    static_cast<model::Timestamp>(++frame * 1000), frame});
        for (const char c : text)
            side.bytes.push_back(static_cast<std::byte>(c));
        return *this;
    }
};

dissect::FramingSpec spec(const char* text) {
    return std::get<dissect::FramingSpec>(dissect::parse_spec(text));
}

util::Bytes bytes_of(const std::string& text) {
    return util::Bytes(reinterpret_cast<const std::byte*>(text.data()), text.size());
}

} // namespace

TEST_CASE("turns follow the captured order and end on message boundaries", "[replay][model]") {
    Builder b;
    // A request split over two segments, two pipelined requests in one, answers coalesced.
    b.send(Direction::c2s, "PING\r")
        .send(Direction::c2s, "\n")
        .send(Direction::s2c, "+PONG\r\n")
        .send(Direction::c2s, "GET a\r\nGET b\r\n")
        .send(Direction::s2c, "$-1\r\n$-")
        .send(Direction::s2c, "1\r\n");
    find_messages(b.conversation, spec("crlf"));
    CHECK(b.conversation.of(Direction::c2s).messages.size() == 3);
    CHECK(b.conversation.of(Direction::s2c).messages.size() == 3);
    const Script script = build_script(b.conversation);
    REQUIRE(script.steps.size() == 4);
    CHECK(script.steps[0].direction == Direction::c2s);
    CHECK(script.steps[0].bytes == Span{0, 6});
    CHECK(script.steps[0].messages == 1);
    CHECK(script.steps[1].direction == Direction::s2c);
    CHECK(script.steps[1].messages == 1);
    CHECK(script.steps[2].bytes == Span{6, 14});
    CHECK(script.steps[2].messages == 3);
    CHECK(script.steps[3].bytes == Span{7, 10});
    CHECK(script.steps[3].messages == 3);
    CHECK(script.cut_reason.empty());
}

TEST_CASE("a request that the capture shows in two turns is sent whole in the first",
          "[replay][model]") {
    Builder b;
    // The client wrote half a line, the server said something, the client finished the line.
    b.send(Direction::c2s, "HEL").send(Direction::s2c, "hi\n").send(Direction::c2s, "LO\n");
    find_messages(b.conversation, spec("lines"));
    const Script script = build_script(b.conversation);
    REQUIRE(script.steps.size() == 2);
    CHECK(script.steps[0].bytes == Span{0, 6});
    CHECK(script.steps[1].direction == Direction::s2c);
}

TEST_CASE("a gap ends the script where it was found, and says so", "[replay][model]") {
    Builder b;
    b.send(Direction::c2s, "A\n").send(Direction::s2c, "a\n");
    b.conversation.of(Direction::s2c).gap = model::Gap{2, 100, model::GapReason::lost, 3};
    b.send(Direction::c2s, "B\n"); // frame 3: decided with the gap, not replayed
    const Script script = build_script(b.conversation);
    REQUIRE(script.steps.size() == 2);
    CHECK(script.cut_reason.find("the server's stream has a gap at byte 2") != std::string::npos);
}

TEST_CASE("comparison finds the first difference and escapes both versions", "[replay][model]") {
    const std::string expected_text = "+OK 12:00\r\n", got_text = "+OK 13:00\r\n",
                      short_text = "+OK";
    const auto expected = bytes_of(expected_text);
    const auto got = bytes_of(got_text);
    auto result = compare_message(0, &expected, &got, {});
    CHECK(result.verdict == Verdict::different);
    CHECK(result.first_difference == 5u);
    CHECK(result.expected == "+OK 12:00\\r\\n");
    CHECK(result.got == "+OK 13:00\\r\\n");
    // Ignoring bytes 4..8 makes them equal.
    result = compare_message(0, &expected, &got, {IgnoredBytes{4, 5}});
    CHECK(result.verdict == Verdict::equal);
    const auto shorter = bytes_of(short_text);
    result = compare_message(1, &expected, &shorter, {});
    CHECK(result.verdict == Verdict::different);
    CHECK(result.first_difference == 3u);
    CHECK(compare_message(2, &expected, nullptr, {}).verdict == Verdict::missing);
    CHECK(compare_message(2, nullptr, &got, {}).verdict == Verdict::extra);
}

TEST_CASE("the replay's option values parse, and bad ones say what was expected",
          "[replay][model]") {
    std::string error;
    AwaitSpec await;
    CHECK(parse_await("idle:50", await, error));
    CHECK(await.mode == AwaitMode::idle);
    CHECK(await.idle_ms == 50);
    CHECK_FALSE(parse_await("idle:0", await, error));
    CHECK_FALSE(parse_await("sometimes", await, error));
    TimingSpec timing;
    CHECK(parse_timing("scale:0.5", timing, error));
    CHECK(timing.pause_ns(1'000'000) == 500'000);
    timing.max_gap_ms = 1;
    CHECK(timing.pause_ns(10'000'000) == 500'000);
    CHECK_FALSE(parse_timing("scale:-1", timing, error));
    CHECK_FALSE(parse_timing("scale:inf", timing, error));
    FlowSelection flows;
    CHECK(flows.wants(9)); // nothing given: every flow
    CHECK(parse_flow("2", flows, error));
    CHECK(parse_flow("5", flows, error));
    CHECK(flows.wants(5));
    CHECK_FALSE(flows.wants(9));
    CHECK_FALSE(parse_flow("0", flows, error));
    Target target;
    CHECK(parse_target("[::1]:6379", target, error));
    CHECK(target.host == "::1");
    CHECK_FALSE(parse_target("localhost", target, error));
    CHECK_FALSE(parse_target("h:70000", target, error));
    IgnoredBytes range;
    CHECK(parse_ignored_bytes("4:8", range, error));
    CHECK_FALSE(parse_ignored_bytes("4:0", range, error));
}

TEST_CASE("a RESP element named by --ignore resp:K is cut out of both messages before comparing",
          "[replay][model][fields]") {
    // TIME's answer: seconds and microseconds, the second of another length in the live answer.
    const std::string captured = "*2\r\n$10\r\n1700000000\r\n$6\r\n123456\r\n";
    const std::string live = "*2\r\n$10\r\n1700000099\r\n$5\r\n98765\r\n";
    const auto expected = bytes_of(captured);
    const auto got = bytes_of(live);
    IgnoredField seconds;
    std::string error;
    REQUIRE(parse_ignored_field("3:resp:1", seconds, error));
    CHECK(seconds.message == 3u);
    CHECK(seconds.element == 1u);
    IgnoredField micros;
    REQUIRE(parse_ignored_field("resp:2", micros, error));
    CHECK_FALSE(micros.message);

    // Where the elements are: "$10\r\n1700000000\r\n" at 4, 17 bytes; then 12 bytes.
    const auto ranges = resp_field_ranges(expected, 3, {seconds, micros});
    REQUIRE(ranges.size() == 2);
    CHECK(ranges[0].offset == 4);
    CHECK(ranges[0].length == 17);
    CHECK(ranges[1].offset == 21);
    CHECK(ranges[1].length == 12);
    // Message 4: only resp:2 (every message) applies.
    CHECK(resp_field_ranges(expected, 4, {seconds, micros}).size() == 1);

    auto cut = [](util::Bytes message, std::uint64_t number,
                  const std::vector<IgnoredField>& fields) {
        return resp_field_ranges(message, number, fields);
    };
    // Both fields left out: equal although the lengths differ.
    const std::vector<IgnoredField> both{seconds, micros};
    auto result =
        compare_message(2, &expected, &got, {}, cut(expected, 3, both), cut(got, 3, both));
    CHECK(result.verdict == Verdict::equal);
    // Only the seconds: the microseconds differ, at their length line in the captured message.
    const std::vector<IgnoredField> first{seconds};
    result = compare_message(2, &expected, &got, {}, cut(expected, 3, first), cut(got, 3, first));
    CHECK(result.verdict == Verdict::different);
    CHECK(result.first_difference == 22u); // "$6" against "$5"
    CHECK(result.expected.find("$6") != std::string::npos);
    CHECK(result.got.find("$5") != std::string::npos);
    // Nothing left out: the first difference is in the seconds.
    result = compare_message(2, &expected, &got, {});
    CHECK(result.first_difference == 17u);
}

TEST_CASE("RESP fields of messages that are no aggregate or are cut short give no range",
          "[replay][model][fields]") {
    std::string error;
    IgnoredField field;
    REQUIRE(parse_ignored_field("resp:2", field, error));
    const std::vector<IgnoredField> fields{field};
    for (const std::string text :
         {"+OK\r\n", "$5\r\nhello\r\n", "*-1\r\n", "*2\r\n$3\r\nabc\r\n$9\r\nshort",
          "*99999999999\r\n", "*2\r\n", "*x\r\n", "", "*2\r\n:1\r\n*1\r\n$2\r\nab"}) {
        INFO(text);
        CHECK(resp_field_ranges(bytes_of(text), 1, fields).empty());
    }
    // A nested aggregate is one element; a map's keys and values count one by one.
    const std::string nested_text = "*3\r\n:1\r\n*2\r\n+a\r\n+b\r\n:3\r\n";
    const auto nested = bytes_of(nested_text);
    const auto ranges = resp_field_ranges(nested, 1, fields);
    REQUIRE(ranges.size() == 1);
    CHECK(ranges[0].offset == 8);
    CHECK(ranges[0].length == 12);
    const std::string map_text = "%1\r\n+key\r\n:42\r\n";
    const auto map = bytes_of(map_text);
    REQUIRE(resp_field_ranges(map, 1, fields).size() == 1);
    CHECK(resp_field_ranges(map, 1, fields)[0].offset == 10);
    // Every prefix of a message (bytes cut anywhere) is safe and never gives a range past it.
    const std::string whole = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nvalue\r\n";
    for (std::size_t size = 0; size <= whole.size(); ++size) {
        const std::string part = whole.substr(0, size);
        const auto prefix = bytes_of(part);
        for (const auto& range : resp_field_ranges(prefix, 1, fields))
            CHECK(range.offset + range.length <= size);
    }
    for (const std::string bad : {"resp:0", "resp:", "0:resp:1", "x:resp:1", "resp:1x", "3resp:1"})
        CHECK_FALSE(parse_ignored_field(bad, field, error));
}
