// auto decides once per service: a flow whose own bytes only allow an inference takes the
// framing an earlier flow to the same server address and port was recognised by; a flow whose
// own signature differs keeps it and says which decision it disagrees with.

#include "support.hpp"

#include <catch2/catch.hpp>

using namespace sniff;
using namespace sniff::dissect;
using namespace sniff::dissect::test;

namespace {

using model::Direction;

const FramingChoice& choice_of(const Recorder& recorder, std::uint64_t flow, Direction direction,
                               const std::vector<std::uint64_t>& flow_of_choice) {
    for (std::size_t i = 0; i < recorder.choices.size(); ++i)
        if (flow_of_choice[i] == flow && recorder.choices[i].direction == direction)
            return recorder.choices[i];
    throw std::runtime_error("no choice for that flow and direction");
}

// A recorder that also notes which flow each framing choice was for.
struct FlowRecorder final : MessageSink {
    Recorder inner;
    std::vector<std::uint64_t> flows;
    bool wants_each_message(const model::Flow& flow, Direction direction) override {
        return inner.wants_each_message(flow, direction);
    }
    void on_message(const model::Flow& flow, const Message& message, util::Bytes bytes) override {
        inner.on_message(flow, message, bytes);
    }
    void on_segment(const model::Flow& flow, const SegmentReport& report) override {
        inner.on_segment(flow, report);
    }
    void on_framing(const model::Flow& flow, const FramingChoice& choice) override {
        flows.push_back(flow.id);
        inner.on_framing(flow, choice);
    }
    void on_direction_end(const model::Flow& flow, const DirectionSummary& summary) override {
        inner.on_direction_end(flow, summary);
    }
};

std::string redis_command(const std::string& word) {
    return "*1\r\n$" + std::to_string(word.size()) + "\r\n" + word + "\r\n";
}

} // namespace

TEST_CASE("auto decides per service: a later flow's inference gives way to the service's "
          "signature",
          "[dissectors][auto]") {
    FlowRecorder recorder;
    DissectorEngine engine(selector_of("auto"), recorder);
    // Flow 1: a Redis client and server, recognised by their first bytes.
    Driver first(engine, make_flow(1, model::Protocol::tcp, 6390));
    first.send(Direction::c2s, redis_command("PING") + redis_command("PING"));
    first.send(Direction::s2c, "+PONG\r\n+PONG\r\n");
    first.close();
    // Flow 2 to the same service, captured mid-command: its bytes begin with a bulk string, which
    // no signature takes, and its server said nothing.
    Driver second(engine, make_flow(2, model::Protocol::tcp, 6390));
    second.send(Direction::c2s, "$4\r\nPING\r\n" + redis_command("ECHO") + redis_command("PING"));
    second.close();
    // Flow 3 to the same service speaks TLS: its own signature stands, and says so.
    Driver third(engine, make_flow(3, model::Protocol::tcp, 6390));
    std::string hello("\x16\x03\x01\x00\x05hello", 10);
    third.send(Direction::c2s, hello);
    third.close();

    const auto& one_c2s = choice_of(recorder.inner, 1, Direction::c2s, recorder.flows);
    const auto& one_s2c = choice_of(recorder.inner, 1, Direction::s2c, recorder.flows);
    CHECK(one_c2s.spec == "resp");
    CHECK(one_c2s.basis == "signature");
    CHECK(one_s2c.spec == "resp");
    CHECK(one_s2c.basis == "peer"); // decided with the client's direction
    const auto& two = choice_of(recorder.inner, 2, Direction::c2s, recorder.flows);
    CHECK(two.spec == "resp");
    CHECK(two.basis == "service");
    const auto& three = choice_of(recorder.inner, 3, Direction::c2s, recorder.flows);
    CHECK(three.spec == "len:off=3,size=2,be");
    CHECK(three.basis == "signature");
    CHECK(three.disagrees == "resp");
    // Flow 2's bytes under resp: the orphan bulk string is a value of its own, then two commands.
    std::size_t flow_two_messages = 0;
    for (const auto& message : recorder.inner.messages)
        flow_two_messages += message.flow_id == 2 ? 1 : 0;
    CHECK(flow_two_messages == 3);
}
