// The grpc framing: a layered framing whose messages are the gRPC length-prefixed messages cut
// out of each HTTP/2 stream's DATA payloads (the frames are the layer underneath), the same
// however messages, frames and segments are cut.

#include "web_support.hpp"

using namespace sniff;
using namespace sniff::dissect;
using namespace sniff::dissect::test;

namespace {

std::string grpc_message(const std::string& body) {
    std::string out(1, '\0');
    put_uint(out, body.size(), 4, false);
    return out + body;
}

std::string headers(std::uint32_t stream) {
    return h2_frame(0x1, 0x4, stream, "hdrs");
}

// Stream 1: "hello" split over two DATA frames, then two messages in one frame. Stream 3
// interleaved: an empty message and one of 300 bytes in a PADDED frame.
std::string two_streams() {
    const std::string first = grpc_message("hello"), pair = grpc_message("ab") + grpc_message("");
    std::string padded_payload = "\x04" + grpc_message("") + grpc_message(std::string(300, 'p'));
    padded_payload += std::string(4, '\0');
    return k_h2_preface + h2_frame(0x4, 0, 0, "") + headers(1) + headers(3) +
           h2_frame(0x0, 0, 1, first.substr(0, 3)) + h2_frame(0x0, 0x8, 3, padded_payload) +
           h2_frame(0x0, 0, 1, first.substr(3)) + h2_frame(0x0, 0x1, 1, pair);
}

} // namespace

TEST_CASE("grpc: each gRPC message is one message, made of the DATA frames' pieces",
          "[dissectors][grpc][http2]") {
    const std::string stream = two_streams();
    Framed whole;
    run_exchange("grpc", {stream, ""}, {}, {}, whole);
    // In the order they end: stream 3's two, then stream 1's "hello" (two pieces), "ab", "".
    REQUIRE(whole.c2s.size() == 5);
    CHECK(shapes(whole.c2s) ==
          std::vector<std::string>{
              R"(81+5/5 complete {"stream":3,"grpc":{"compressed":false,"length":0},)"
              R"("frames":1,"in_frames":"coalesced","pieces":[[81,5]]})",
              R"(86+305/5 complete {"stream":3,"grpc":{"compressed":false,"length":300},)"
              R"("frames":1,"in_frames":"coalesced","pieces":[[86,305]]})",
              R"(68+10/5 complete {"stream":1,"grpc":{"compressed":false,"length":5},)"
              R"("frames":2,"in_frames":"split","pieces":[[68,3],[404,7]]})",
              R"(420+7/5 complete {"stream":1,"grpc":{"compressed":false,"length":2},)"
              R"("frames":1,"in_frames":"coalesced","pieces":[[420,7]]})",
              R"(427+5/5 complete {"stream":1,"grpc":{"compressed":false,"length":0},)"
              R"("frames":1,"in_frames":"coalesced","pieces":[[427,5]]})",
          });
    CHECK(whole.c2s[2].span_end == 411); // its bytes end in the third DATA frame
    CHECK(whole.c2s[0].span_end == 0);   // contiguous
    CHECK(whole.c2s[0].preview == "\\0\\0\\0\\0\\0");
    CHECK(whole.c2s[2].preview == "\\0\\0\\0\\0\\x05hello");
    for (const auto& message : whole.c2s)
        CHECK(message.message_class == MessageClass::coalesced); // all in the one segment
    REQUIRE(whole.recorder.summaries.size() == 2);
    CHECK(whole.recorder.summaries[0].layer == "HTTP/2 frames");
    CHECK(whole.recorder.summaries[0].layer_units == 8); // the preface and 7 frames
    CHECK(whole.recorder.summaries[0].messages == 5);

    const auto expected = shapes(whole.c2s);
    for (std::size_t cut = 1; cut < stream.size(); ++cut) {
        Framed framed;
        run_exchange("grpc", {stream, ""}, {cut}, {}, framed);
        INFO("cut at " << cut);
        CHECK(shapes(framed.c2s) == expected);
    }
    Framed bytewise;
    run_exchange("grpc", {stream, ""}, std::vector<std::size_t>(stream.size(), 1), {}, bytewise);
    CHECK(shapes(bytewise.c2s) == expected);
    for (const auto& message : bytewise.c2s)
        CHECK(message.message_class == MessageClass::split);
}

TEST_CASE("grpc classes a message against the TCP segments and against the DATA frames",
          "[dissectors][grpc][http2]") {
    const std::string big(20000, 'b');
    // Segment 1: preface, HEADERS. Segment 2: one DATA frame holding one message: whole (the
    // frame header is the layer, not a message). Segment 3: a frame with two messages. Then a
    // 20000-byte message in two DATA frames, in two segments.
    const std::string one = h2_frame(0x0, 0, 1, grpc_message("one"));
    const std::string two = h2_frame(0x0, 0, 1, grpc_message("a") + grpc_message("b"));
    const std::string big_message = grpc_message(big);
    const std::string big_first = h2_frame(0x0, 0, 1, big_message.substr(0, 16384));
    const std::string big_rest = h2_frame(0x0, 0x1, 1, big_message.substr(16384));
    const std::string start = k_h2_preface + headers(1);
    Framed framed;
    run_exchange("grpc", {start + one + two + big_first + big_rest, ""},
                 {start.size(), one.size(), two.size(), big_first.size(), big_rest.size()}, {},
                 framed);
    REQUIRE(framed.c2s.size() == 4);
    CHECK(framed.c2s[0].message_class == MessageClass::whole);
    CHECK(framed.c2s[1].message_class == MessageClass::coalesced);
    CHECK(framed.c2s[2].message_class == MessageClass::coalesced);
    CHECK(framed.c2s[3].message_class == MessageClass::split);
    CHECK(framed.c2s[3].length == 20005);
    CHECK(framed.c2s[3].first_segment + 1 == framed.c2s[3].last_segment);
    CHECK(framed.c2s[3].header_json.find(R"("frames":2,"in_frames":"split")") != std::string::npos);
    CHECK(framed.c2s[0].header_json.find(R"("in_frames":"whole")") != std::string::npos);
    // The segment reports count the gRPC messages that begin and end in each segment.
    const auto& segments = framed.recorder.segments;
    REQUIRE(segments.size() == 5);
    CHECK_FALSE(segments[0].has_messages);
    CHECK(segments[2].message_starts == 2);
    CHECK(segments[2].message_ends == 2);
    CHECK(segments[3].message_ends == 0);
    CHECK(segments[4].message_starts == 0);
    CHECK(segments[4].message_ends == 1);
}

TEST_CASE("grpc: a message length over max is a malformed message, the stream is not parsed",
          "[dissectors][grpc][hostile]") {
    std::string huge(1, '\0');
    put_uint(huge, 0xffffffffu, 4, false);
    Framed framed;
    run_exchange(
        "grpc:max=1000",
        {headers(1) + h2_frame(0x0, 0, 1, huge + "xx") + h2_frame(0x0, 0, 1, grpc_message("later")),
         ""},
        {}, {}, framed);
    REQUIRE(framed.c2s.size() == 1);
    CHECK(framed.c2s[0].status == MessageStatus::malformed);
    CHECK(framed.c2s[0].length == 5);
    CHECK(framed.c2s[0].reason == "gRPC message of 4294967295 bytes over the limit of 1000");
}

TEST_CASE("grpc mid-connection, after a gap and at the end: only what it can know",
          "[dissectors][grpc][resync]") {
    SECTION("a stream whose HEADERS were not seen is not cut into messages") {
        Framed framed;
        run_exchange("grpc",
                     {h2_frame(0x0, 0, 1, "ssage tail") + headers(3) +
                          h2_frame(0x0, 0, 3, grpc_message("new")),
                      ""},
                     {}, {}, framed);
        REQUIRE(framed.c2s.size() == 1);
        CHECK(framed.c2s[0].status == MessageStatus::complete);
        CHECK(framed.c2s[0].header_json.starts_with(R"({"stream":3,)"));
    }
    SECTION("a gap ends the open messages, and the streams are parsed again after HEADERS") {
        FramingSelector selector;
        selector.set_default(spec_of("grpc"));
        Recorder recorder;
        DissectorEngine engine(selector, recorder);
        Driver driver(engine, make_flow(1, model::Protocol::tcp, 80));
        const std::string message = grpc_message(std::string(100, 'm'));
        driver.send(model::Direction::c2s, headers(1) + h2_frame(0x0, 0, 1, message.substr(0, 50)));
        driver.gap(model::Direction::c2s, 30);
        driver.send(model::Direction::c2s, h2_frame(0x0, 0, 1, grpc_message("lost")) + headers(5) +
                                               h2_frame(0x0, 0, 5, grpc_message("found")));
        driver.close();
        const auto messages = recorder.of(model::Direction::c2s);
        REQUIRE(messages.size() == 2);
        CHECK(messages[0].status == MessageStatus::truncated);
        CHECK(messages[0].length == 50);
        CHECK(messages[0].reason == "gap of 30 bytes at offset 72");
        CHECK(messages[1].status == MessageStatus::complete);
        CHECK(messages[1].header_json.starts_with(R"({"stream":5,)"));
    }
    SECTION("the end of the TCP stream or of the HTTP/2 stream truncates an open message") {
        const std::string message = grpc_message(std::string(100, 'm'));
        Framed framed;
        run_exchange("grpc",
                     {headers(1) + h2_frame(0x0, 0x1, 1, message.substr(0, 20)) + headers(3) +
                          h2_frame(0x0, 0, 3, message.substr(0, 30)),
                      ""},
                     {}, {}, framed);
        REQUIRE(framed.c2s.size() == 2);
        CHECK(framed.c2s[0].status == MessageStatus::truncated);
        CHECK(framed.c2s[0].reason == "the stream ended after 20 bytes of the message");
        CHECK(framed.c2s[1].status == MessageStatus::truncated);
        CHECK(framed.c2s[1].reason == "stream ended inside the message");
        CHECK(framed.c2s[1].length == 30);
    }
}

namespace {

// Sends both directions' bytes in turns of `chunk` bytes: c2s, s2c, c2s, ... A capture
// delivers the two directions interleaved like this, a DATA frame of one direction often
// between the pieces of the other's.
void run_interleaved(const std::string& c2s, const std::string& s2c, std::size_t chunk,
                     Framed& out) {
    FramingSelector selector;
    selector.set_default(spec_of("grpc"));
    DissectorEngine engine(selector, out.recorder);
    Driver driver(engine, make_flow(1, model::Protocol::tcp, 80));
    for (std::size_t at = 0; at < std::max(c2s.size(), s2c.size()); at += chunk) {
        if (at < c2s.size())
            driver.send(model::Direction::c2s, c2s.substr(at, chunk));
        if (at < s2c.size())
            driver.send(model::Direction::s2c, s2c.substr(at, chunk));
    }
    driver.close();
    out.c2s = out.recorder.of(model::Direction::c2s);
    out.s2c = out.recorder.of(model::Direction::s2c);
}

// The server's side of two_streams(): the same streams' messages, other sizes.
std::string two_streams_answer() {
    const std::string big = grpc_message(std::string(700, 'r'));
    return h2_frame(0x4, 0, 0, "") + headers(1) + headers(3) +
           h2_frame(0x0, 0, 3, big.substr(0, 250)) + h2_frame(0x0, 0, 1, grpc_message("hi")) +
           h2_frame(0x0, 0, 3, big.substr(250)) + h2_frame(0x1, 0x5, 1, "trailers") +
           h2_frame(0x1, 0x5, 3, "trailers");
}

} // namespace

TEST_CASE("grpc: each direction's messages are the same however the directions interleave",
          "[dissectors][grpc][http2]") {
    const std::string c2s = two_streams(), s2c = two_streams_answer();
    Framed apart;
    run_exchange("grpc", {c2s, s2c}, {}, {}, apart);
    REQUIRE(apart.c2s.size() == 5);
    REQUIRE(apart.s2c.size() == 2);
    for (const auto& message : apart.c2s)
        CHECK(message.status == MessageStatus::complete);
    for (const auto& message : apart.s2c)
        CHECK(message.status == MessageStatus::complete);
    for (std::size_t chunk = 1; chunk <= std::max(c2s.size(), s2c.size()); ++chunk) {
        Framed interleaved;
        run_interleaved(c2s, s2c, chunk, interleaved);
        INFO("turns of " << chunk << " bytes");
        CHECK(shapes(interleaved.c2s) == shapes(apart.c2s));
        CHECK(shapes(interleaved.s2c) == shapes(apart.s2c));
    }
}

TEST_CASE("grpc: the peer's RST_STREAM in the middle of a DATA frame ends that stream safely",
          "[dissectors][grpc][hostile]") {
    const std::string message = grpc_message(std::string(100, 'm'));
    const std::string data = h2_frame(0x0, 0, 1, message);
    const std::string start = k_h2_preface + headers(1);
    std::string reset_payload;
    put_uint(reset_payload, 8, 4, false); // CANCEL
    FramingSelector selector;
    selector.set_default(spec_of("grpc"));
    Recorder recorder;
    DissectorEngine engine(selector, recorder);
    Driver driver(engine, make_flow(1, model::Protocol::tcp, 80));
    driver.send(model::Direction::c2s, start + data.substr(0, 40));
    driver.send(model::Direction::s2c, h2_frame(0x3, 0, 1, reset_payload));
    driver.send(model::Direction::c2s,
                data.substr(40) + headers(3) + h2_frame(0x0, 0x1, 3, grpc_message("after")));
    driver.close();
    const auto messages = recorder.of(model::Direction::c2s);
    // In the order they end: stream 3's message, then stream 1's, forgotten mid-way and ended
    // with the connection.
    REQUIRE(messages.size() == 2);
    CHECK(messages[0].status == MessageStatus::complete);
    CHECK(messages[0].header_json.starts_with(R"({"stream":3,)"));
    CHECK(messages[1].status == MessageStatus::truncated);
    CHECK(messages[1].length == 31);
}
