// ConnectionTwins (`sniff exec -i`): one connection's views — the client's calls, the wire's
// segments, the server's calls — matched and printed together behind the real dissector engine.

#include "dissectors/engine.hpp"
#include "dissectors/message_fanout.hpp"
#include "dissectors/spec.hpp"
#include "output/connection_twins.hpp"

#include <catch2/catch.hpp>
#include <cstdio>
#include <variant>

namespace {

using namespace sniff;
using model::Direction;

// Three struct-framed requests (4-byte little-endian length, then the body).
std::string requests() {
    std::string bytes;
    for (const std::string body : {"one", "two", "three"}) {
        const auto size = static_cast<std::uint32_t>(body.size());
        for (int shift = 0; shift < 32; shift += 8)
            bytes += static_cast<char>((size >> shift) & 0xff);
        bytes += body;
    }
    return bytes;
}

model::Flow flow_of(std::uint64_t id, model::FlowOrigin origin, model::ProgramEnd end) {
    model::Flow flow;
    flow.id = id;
    flow.protocol = model::Protocol::tcp;
    flow.client = {model::IpAddress::v4(0x7f000001), 40000};
    flow.server = {model::IpAddress::v4(0x7f000001), 9000};
    flow.saw_syn = true;
    flow.origin = origin;
    flow.program_end = end;
    return flow;
}

// Runs the three views through an engine with `struct` and returns what the twins printed.
std::string printed(const std::vector<std::size_t>& wire_cuts,
                    const std::vector<std::size_t>& read_cuts, bool one_line = false,
                    bool drop_wire_byte = false) {
    std::FILE* out = std::tmpfile();
    output::ConnectionTwins twins(out, one_line);
    dissect::MessageFanout messages;
    messages.add(twins);
    const auto spec = dissect::parse_spec("struct");
    dissect::DissectorEngine engine(dissect::FramingSelector(std::get<dissect::FramingSpec>(spec)),
                                    messages);
    reassembly::SinkFanout sinks;
    sinks.add(engine);
    sinks.add(twins);

    const std::string bytes = requests();
    const auto feed = [&](const model::Flow& flow, const std::vector<std::size_t>& cuts,
                          const std::string& stream, const char* call) {
        std::size_t start = 0;
        std::uint64_t index = 0;
        for (std::size_t end : cuts) {
            model::SegmentInfo segment;
            segment.index = index++;
            segment.offset = start;
            segment.length = static_cast<std::uint32_t>(end - start);
            segment.call = call;
            sinks.on_data(flow, Direction::c2s, segment,
                          util::as_bytes(stream.data() + start, end - start));
            start = end;
        }
    };
    const auto wire = flow_of(1, model::FlowOrigin::capture, model::ProgramEnd::none);
    const auto client = flow_of(2, model::FlowOrigin::exec, model::ProgramEnd::client);
    const auto server = flow_of(3, model::FlowOrigin::exec, model::ProgramEnd::server);
    for (const auto* flow : {&wire, &client, &server})
        sinks.on_flow_open(*flow);
    std::string wire_bytes = bytes;
    if (drop_wire_byte)
        wire_bytes[5] = 'X';
    feed(client, {bytes.size()}, bytes, "write");
    feed(wire, wire_cuts, wire_bytes, nullptr);
    feed(server, read_cuts, bytes, "read");
    for (const auto* flow : {&client, &server, &wire})
        sinks.on_flow_close(*flow, reassembly::CloseReason::fin);

    std::string text(4096, '\0');
    std::rewind(out);
    text.resize(std::fread(text.data(), 1, text.size(), out));
    std::fclose(out);
    return text;
}

} // namespace

TEST_CASE("connection twins print the client's write, the wire and the server's reads together",
          "[output][exec]") {
    const std::string bytes = requests(); // 7 + 7 + 9 = 23 bytes
    REQUIRE(bytes.size() == 23);
    // The wire carried it in two segments; the server read it in three calls, the second of
    // which returned the end of request 0 and the start of request 1.
    const std::string text = printed({12, 23}, {5, 10, 23});
    INFO(text);
    CHECK(text.rfind("same connection, seen three ways: 127.0.0.1:40000 -> 127.0.0.1:9000  "
                     "(flow #1 on the wire, #2 the client's calls, #3 the server's calls)\n",
                     0) == 0);
    CHECK(text.find("  c2s  client writes: 1 call (1 with bytes of two or more messages)  "
                    "wire: 2 segments  server reads: 3 calls (2 with bytes of two or more "
                    "messages)  · 3 messages\n") != std::string::npos);
    // Each lane has a boundary wherever its own chunks start, over the same escaped bytes.
    const auto lane = [&](const std::string& name) {
        const auto at = text.find("    " + name);
        REQUIRE(at != std::string::npos);
        return text.substr(at + 19, text.find('\n', at) - at - 19);
    };
    const std::string writes = lane("client writes");
    const std::string wire = lane("wire");
    const std::string reads = lane("server reads");
    const std::string messages = lane("msgs");
    const auto marks = [](const std::string& lane_text) {
        std::vector<std::size_t> at;
        for (std::size_t i = 0; i < lane_text.size(); ++i)
            if (lane_text[i] == '|')
                at.push_back(i);
        return at;
    };
    CHECK(marks(writes).size() == 2);   // start and end of the one write
    CHECK(marks(wire).size() == 3);     // two segments
    CHECK(marks(reads).size() == 4);    // three reads
    CHECK(marks(messages).size() == 4); // three messages
    // The lanes line up: the wire's second segment starts where no message does.
    CHECK(marks(wire).front() == marks(messages).front());
    CHECK(marks(wire).back() == marks(messages).back());
    CHECK(text.find("s2c") == std::string::npos); // nothing went back
}

TEST_CASE("connection twins: --summary gives one line, a differing view is not drawn",
          "[output][exec]") {
    const std::string line = printed({23}, {23}, true);
    CHECK(line == "same connection 127.0.0.1:40000 -> 127.0.0.1:9000: wire #1 · c2s 1 segment, "
                  "client 1 call, server 1 call · s2c 0 segments, client 0 calls, server 0 "
                  "calls\n");
    const std::string differing = printed({23}, {23}, false, true);
    INFO(differing);
    CHECK(differing.find("    wire           (its first bytes differ from these: not drawn)") !=
          std::string::npos);
}
