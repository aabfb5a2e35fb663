// sniff replay's pure parts: the turns of a conversation, the comparison, the option values.

#include "dissectors/spec.hpp"
#include "replay/compare.hpp"
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
