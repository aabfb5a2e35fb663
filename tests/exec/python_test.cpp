// sniff exec on Python 3 (the system's /usr/bin/python3): socket.recv, recv_into, makefile and
// sendall, and the article's naive client whose recv(1024) mixes two length-prefixed answers —
// the collector's events go through the dissector engine with len:size=4 as in `sniff exec`.

#include "dissectors/engine.hpp"
#include "exec/mixed_reads.hpp"
#include "exec/support.hpp"
#include "support/process.hpp"

#include <catch2/catch.hpp>

namespace {

using sniff::model::Direction;
namespace dissect = sniff::dissect;

class MessageRecorder final : public dissect::MessageSink {
public:
    void on_message(const sniff::model::Flow& flow, const dissect::Message& message,
                    sniff::util::Bytes) override {
        messages[flow.id].push_back(message);
    }
    void on_segment(const sniff::model::Flow& flow, const dissect::SegmentReport& report) override {
        segments[flow.id].push_back(report);
    }
    std::map<std::uint64_t, std::vector<dissect::Message>> messages;
    std::map<std::uint64_t, std::vector<dissect::SegmentReport>> segments;
};

struct PythonRun {
    sniff::test::RecordingSink events;
    MessageRecorder framed;
    std::vector<std::string> mixed_listed;
    std::uint64_t mixed = 0;
    sniff::test::ExecRun run;
};

const PythonRun& python_run() {
    static PythonRun* result = [] {
        auto* r = new PythonRun;
        const auto spec = dissect::parse_spec("len:size=4");
        sniff::exec::MixedReads mixed(r->framed);
        dissect::DissectorEngine engine(
            dissect::FramingSelector(std::get<dissect::FramingSpec>(spec)), mixed);
        sniff::reassembly::SinkFanout fanout;
        fanout.add(r->events);
        fanout.add(mixed); // before the engine: it learns each segment's call first
        fanout.add(engine);
        r->run = sniff::test::run_exec(
            {"/usr/bin/python3", SNIFF_SOURCE_DIR "/tests/exec/programs/naive_client.py"}, fanout);
        r->mixed_listed = mixed.listed();
        r->mixed = mixed.mixed_reads();
        return r;
    }();
    return *result;
}

// The client's own flow: its s2c segments are its reads.
const sniff::test::SeenFlow* client_flow(const PythonRun& run) {
    for (const auto& [id, flow] : run.events.flows)
        if (flow.calls(Direction::s2c, "recv") > 0 && flow.flow.saw_syn &&
            flow.stream(Direction::c2s).rfind("GET two\n", 0) == 0 &&
            flow.calls(Direction::c2s, "send") > 0)
            return &flow;
    return nullptr;
}

} // namespace

TEST_CASE("exec sees Python's recv, recv_into, makefile and sendall", "[exec][python]") {
    const PythonRun& run = python_run();
    REQUIRE(run.run.error.empty());
    REQUIRE(run.run.status == 0);
    const auto* client = client_flow(run);
    REQUIRE(client != nullptr);
    CHECK(client->stream(Direction::c2s) == "GET two\nline please\n");
    const std::string in = client->stream(Direction::s2c);
    CHECK(in.size() == 2 * 3004 + 12);
    CHECK(in.substr(in.size() - 12) == "a line back\n");
    // recv(1024) six times; recv_into with its 64-byte buffer for the line.
    std::size_t naive_reads = 0;
    for (const auto& segment : client->segments)
        if (segment.direction == Direction::s2c && segment.info.asked == 1024)
            ++naive_reads;
    CHECK(naive_reads == 6);
    bool recv_into_seen = false;
    for (const auto& segment : client->segments)
        recv_into_seen |= segment.direction == Direction::s2c && segment.info.asked == 64 &&
                          segment.bytes == "a line back\n";
    CHECK(recv_into_seen);
    // The server side: makefile's buffered reads (asked 8192 or more) found the line.
    bool makefile_seen = false;
    for (const auto& [id, flow] : run.events.flows)
        for (const auto& segment : flow.segments)
            makefile_seen |= segment.bytes.find("line please\n") != std::string::npos &&
                             segment.call == "recv" && segment.info.asked >= 8192;
    CHECK(makefile_seen);
}

TEST_CASE("exec with len:size=4 names the naive client's read that mixed two answers",
          "[exec][python]") {
    const PythonRun& run = python_run();
    const auto* client = client_flow(run);
    REQUIRE(client != nullptr);
    const auto& reports = run.framed.segments.at(client->flow.id);
    std::vector<dissect::SegmentReport> reads;
    for (const auto& report : reports)
        if (report.direction == Direction::s2c)
            reads.push_back(report);
    REQUIRE(reads.size() >= 3);
    // Read #2 (0-based) returned bytes 2048..3071: the last 956 of answer 0, the first 68 of 1.
    const auto& mixed = reads[2];
    CHECK(mixed.offset == 2048);
    CHECK(mixed.length == 1024);
    CHECK(mixed.first_message == 0);
    CHECK(mixed.last_message == 1);
    CHECK(mixed.message_ends == 1);
    CHECK(mixed.message_starts == 1);
    for (std::size_t i = 0; i < reads.size(); ++i)
        if (i != 2)
            CHECK(reads[i].first_message == reads[i].last_message);
    const auto& messages = run.framed.messages.at(client->flow.id);
    std::vector<dissect::Message> answers;
    for (const auto& message : messages)
        if (message.direction == Direction::s2c)
            answers.push_back(message);
    REQUIRE(answers.size() >= 2);
    CHECK(answers[0].length == 3004);
    CHECK(answers[0].message_class == dissect::MessageClass::coalesced_split);
    CHECK(answers[1].message_class == dissect::MessageClass::coalesced_split);
    CHECK(answers[0].last_segment == answers[1].first_segment);
}

TEST_CASE("exec puts the naive client's mixing read into words", "[exec][python]") {
    const PythonRun& run = python_run();
    const auto* client = client_flow(run);
    REQUIRE(client != nullptr);
    const std::string wanted = "recv #3 of s2c (call ";
    const std::string said =
        "returned the last 956 bytes of message 0 and the first 68 of message 1";
    bool found = false;
    for (const auto& line : run.mixed_listed)
        found |= line.rfind(wanted, 0) == 0 && line.find(said) != std::string::npos &&
                 line.find(client->flow.server.to_string() + " -> " +
                           client->flow.client.to_string()) != std::string::npos;
    INFO(run.mixed_listed.size() << " listed; first: "
                                 << (run.mixed_listed.empty() ? "" : run.mixed_listed.front()));
    CHECK(found);
    // The server's one sendall of both answers is listed too, as the write it was.
    bool write_listed = false;
    for (const auto& line : run.mixed_listed)
        write_listed |= line.rfind("send", 0) == 0;
    CHECK(write_listed);
    CHECK(run.mixed >= 2);
}
