// The http framing: one message per request and response, bodies by RFC 9112's rules, responses
// paired with their requests across the two directions, upgrades, and hostile heads and sizes.

#include "dissectors/web_recogniser.hpp"
#include "web_support.hpp"

using namespace sniff;
using namespace sniff::dissect;
using namespace sniff::dissect::test;

namespace {

const std::string k_get = "GET /a HTTP/1.1\r\nHost: x\r\n\r\n";
const std::string k_head = "HEAD /a HTTP/1.1\r\nHost: x\r\n\r\n";
const std::string k_post_chunked = "POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                                   "\r\n5;name=v\r\nhello\r\n6\r\n world\r\n0\r\nX-T: 1\r\n\r\n";
const std::string k_ok_5 = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
const std::string k_head_answer = "HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n";
const std::string k_chunked_answer = "HTTP/1.1 200 OK\r\ntransfer-encoding: gzip, chunked\r\n\r\n"
                                     "a\r\n0123456789\r\n0\r\n\r\n";

std::vector<std::uint64_t> lengths(const std::vector<RecordedMessage>& messages) {
    std::vector<std::uint64_t> out;
    for (const auto& message : messages)
        out.push_back(message.length);
    return out;
}

bool all_complete(const std::vector<RecordedMessage>& messages) {
    for (const auto& message : messages)
        if (message.status != MessageStatus::complete)
            return false;
    return true;
}

} // namespace

TEST_CASE("http frames requests and responses by Content-Length and chunked bodies",
          "[dissectors][http]") {
    Framed framed;
    run_exchange("http", {k_get + k_post_chunked, k_ok_5 + k_chunked_answer}, {}, {}, framed);
    CHECK(lengths(framed.c2s) == std::vector<std::uint64_t>{k_get.size(), k_post_chunked.size()});
    CHECK(lengths(framed.s2c) ==
          std::vector<std::uint64_t>{k_ok_5.size(), k_chunked_answer.size()});
    CHECK(all_complete(framed.c2s));
    CHECK(all_complete(framed.s2c));
    CHECK(framed.c2s[0].header_json == R"({"http":"request","method":"GET","target":"/a"})");
    CHECK(framed.c2s[1].header_json.find(R"("chunks":3)") != std::string::npos);
    CHECK(framed.s2c[0].header_length == k_ok_5.size() - 5);
    CHECK(framed.s2c[0].header_json ==
          R"({"http":"response","status":200,"request":"GET","length":5})");
}

TEST_CASE("http: answers to HEAD, 204 and 304 have no body whatever their headers say, paired "
          "in order across a pipeline",
          "[dissectors][http]") {
    const std::string no_content = "HTTP/1.1 204 No Content\r\nContent-Length: 7\r\n\r\n";
    const std::string not_modified = "HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n";
    // Pipelined: HEAD, GET, HEAD, GET, GET in one write; the answers in one write.
    const Exchange exchange{k_head + k_get + k_head + k_get + k_get,
                            k_head_answer + k_ok_5 + k_head_answer + no_content + not_modified};
    Framed framed;
    run_exchange("http", exchange, {}, {}, framed);
    CHECK(framed.c2s.size() == 5);
    CHECK(lengths(framed.s2c) == std::vector<std::uint64_t>{k_head_answer.size(), k_ok_5.size(),
                                                            k_head_answer.size(), no_content.size(),
                                                            not_modified.size()});
    CHECK(all_complete(framed.s2c));
    CHECK(framed.s2c[0].header_json.find(R"("request":"HEAD")") != std::string::npos);
    CHECK(framed.s2c[1].header_json.find(R"("request":"GET")") != std::string::npos);
    for (const auto& message : framed.s2c)
        CHECK(message.message_class == MessageClass::coalesced);
}

TEST_CASE("http: 100 Continue is a message of its own and does not consume the request",
          "[dissectors][http]") {
    const std::string put = "PUT /f HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n";
    const std::string proceed = "HTTP/1.1 100 Continue\r\n\r\n";
    const Exchange exchange{put + "abc" + k_head, proceed + k_ok_5 + k_head_answer};
    Framed framed;
    run_exchange("http", exchange, {put.size(), 3}, {proceed.size()}, framed);
    CHECK(lengths(framed.c2s) == std::vector<std::uint64_t>{put.size() + 3, k_head.size()});
    CHECK(lengths(framed.s2c) ==
          std::vector<std::uint64_t>{proceed.size(), k_ok_5.size(), k_head_answer.size()});
    CHECK(framed.c2s[0].message_class == MessageClass::split);
    CHECK(framed.s2c[0].message_class == MessageClass::whole);
    CHECK(all_complete(framed.s2c));
}

TEST_CASE("http: a response without a length ends with the connection, complete",
          "[dissectors][http]") {
    const std::string answer = "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n";
    Framed framed;
    run_exchange("http", {k_get, answer + std::string(10000, 'b')}, {}, {1000, 5000}, framed);
    REQUIRE(framed.s2c.size() == 1);
    CHECK(framed.s2c[0].length == answer.size() + 10000);
    CHECK(framed.s2c[0].status == MessageStatus::complete);
    CHECK(framed.s2c[0].message_class == MessageClass::split);
}

TEST_CASE("http: 101 to websocket switches both directions to WebSocket frames",
          "[dissectors][http][websocket]") {
    const std::string upgrade = "GET /chat HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                                "Connection: Upgrade\r\nSec-WebSocket-Key: a\r\n\r\n";
    const std::string switching = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                                  "Connection: Upgrade\r\n\r\n";
    const std::string hello = ws_frame(0x1, "hello", true, "\x01\x02\x03\x04");
    const std::string echo = ws_frame(0x1, "hello");
    FramingSelector selector;
    selector.set_default(spec_of("http"));
    Recorder recorder;
    DissectorEngine engine(selector, recorder);
    Driver driver(engine, make_flow());
    driver.send(model::Direction::c2s, upgrade);
    driver.send(model::Direction::s2c, switching);
    driver.send(model::Direction::c2s, hello);
    driver.send(model::Direction::s2c, echo);
    driver.close();
    const auto c2s = recorder.of(model::Direction::c2s);
    const auto s2c = recorder.of(model::Direction::s2c);
    REQUIRE(c2s.size() == 2);
    REQUIRE(s2c.size() == 2);
    CHECK(c2s[1].length == hello.size());
    CHECK(c2s[1].header_length == 6);
    // The client's frame is masked on the wire; header_json shows its payload unmasked.
    CHECK(c2s[1].header_json ==
          R"({"ws":"text","fin":true,"masked":true,"len":5,"payload":"hello"})");
    CHECK(s2c[1].header_json ==
          R"({"ws":"text","fin":true,"masked":false,"len":5,"payload":"hello"})");
    CHECK(all_complete(c2s));
    CHECK(all_complete(s2c));
}

TEST_CASE("http: a 2xx to CONNECT makes the rest of both directions one tunnel message each",
          "[dissectors][http]") {
    const std::string connect = "CONNECT example.org:443 HTTP/1.1\r\nHost: example.org\r\n\r\n";
    const std::string established = "HTTP/1.1 200 Connection Established\r\n\r\n";
    FramingSelector selector;
    selector.set_default(spec_of("http"));
    Recorder recorder;
    DissectorEngine engine(selector, recorder);
    Driver driver(engine, make_flow());
    driver.send(model::Direction::c2s, connect);
    driver.send(model::Direction::s2c, established);
    driver.send(model::Direction::c2s, std::string("\x16\x03\x01\x00\x05hello", 10));
    driver.send(model::Direction::s2c, std::string(300, '\x17'));
    driver.send(model::Direction::c2s, "more");
    driver.close();
    const auto c2s = recorder.of(model::Direction::c2s);
    const auto s2c = recorder.of(model::Direction::s2c);
    CHECK(lengths(c2s) == std::vector<std::uint64_t>{connect.size(), 14});
    CHECK(lengths(s2c) == std::vector<std::uint64_t>{established.size(), 300});
    CHECK(all_complete(c2s));
    CHECK(all_complete(s2c));
}

TEST_CASE("http: a prior-knowledge HTTP/2 preface switches both directions to HTTP/2 frames",
          "[dissectors][http][http2]") {
    const std::string settings = h2_frame(0x4, 0, 0, std::string(12, '\0'));
    const std::string headers = h2_frame(0x1, 0x5, 1, "abc");
    const std::string ack = h2_frame(0x4, 0x1, 0, "");
    Framed framed;
    run_exchange("http", {k_h2_preface + settings + headers, settings + ack}, {}, {}, framed);
    CHECK(lengths(framed.c2s) == std::vector<std::uint64_t>{24, settings.size(), headers.size()});
    CHECK(lengths(framed.s2c) == std::vector<std::uint64_t>{settings.size(), ack.size()});
    CHECK(framed.c2s[2].header_json ==
          R"({"h2":"HEADERS","stream":1,"flags":5,"len":3,"end_stream":true})");
}

TEST_CASE("http: an h2c upgrade switches to HTTP/2 after the 101", "[dissectors][http][http2]") {
    const std::string upgrade =
        "GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings"
        "\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAoAAAAAIAAAAA\r\n\r\n";
    const std::string switching = "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n"
                                  "Upgrade: h2c\r\n\r\n";
    const std::string settings = h2_frame(0x4, 0, 0, std::string(6, '\0'));
    const std::string data = h2_frame(0x0, 0x1, 1, "body");
    FramingSelector selector;
    selector.set_default(spec_of("http"));
    Recorder recorder;
    DissectorEngine engine(selector, recorder);
    Driver driver(engine, make_flow());
    driver.send(model::Direction::c2s, upgrade);
    driver.send(model::Direction::s2c, switching + settings + data);
    driver.send(model::Direction::c2s, k_h2_preface + settings);
    driver.close();
    CHECK(lengths(recorder.of(model::Direction::c2s)) ==
          std::vector<std::uint64_t>{upgrade.size(), 24, settings.size()});
    CHECK(lengths(recorder.of(model::Direction::s2c)) ==
          std::vector<std::uint64_t>{switching.size(), settings.size(), data.size()});
}

TEST_CASE("http finds the same messages however either direction is cut",
          "[dissectors][http][rechunk]") {
    const std::string post = "POST /p HTTP/1.1\nContent-Length: 4\n\nabcd"; // bare LF heads
    const Exchange exchange{k_get + k_post_chunked + k_head + post + k_get,
                            k_ok_5 + k_chunked_answer + k_head_answer +
                                "HTTP/1.1 100 Continue\r\n\r\n" + k_ok_5 +
                                "HTTP/1.1 200 OK\r\n\r\nuntil the end"};
    Framed whole;
    run_exchange("http", exchange, {}, {}, whole);
    REQUIRE(whole.c2s.size() == 5);
    REQUIRE(whole.s2c.size() == 6);
    CHECK(all_complete(whole.c2s));
    CHECK(all_complete(whole.s2c));
    const auto c2s_shapes = shapes(whole.c2s);
    const auto s2c_shapes = shapes(whole.s2c);

    SECTION("cut in two at every point") {
        for (std::size_t cut = 1; cut < exchange.c2s.size(); ++cut) {
            Framed framed;
            run_exchange("http", exchange, {cut}, {}, framed);
            INFO("client bytes cut at " << cut);
            CHECK(shapes(framed.c2s) == c2s_shapes);
            CHECK(shapes(framed.s2c) == s2c_shapes);
        }
        for (std::size_t cut = 1; cut < exchange.s2c.size(); ++cut) {
            Framed framed;
            run_exchange("http", exchange, {}, {cut}, framed);
            INFO("server bytes cut at " << cut);
            CHECK(shapes(framed.s2c) == s2c_shapes);
        }
    }
    SECTION("one byte at a time") {
        Framed framed;
        run_exchange("http", exchange, std::vector<std::size_t>(exchange.c2s.size(), 1),
                     std::vector<std::size_t>(exchange.s2c.size(), 1), framed);
        CHECK(shapes(framed.c2s) == c2s_shapes);
        CHECK(shapes(framed.s2c) == s2c_shapes);
    }
}

TEST_CASE("http: a header section that never ends is malformed at hmax, never buffered further",
          "[dissectors][http][hostile]") {
    FramingSelector selector;
    selector.set_default(spec_of("http:hmax=4096"));
    Recorder recorder;
    DissectorEngine engine(selector, recorder);
    Driver driver(engine, make_flow());
    driver.send(model::Direction::c2s, "GET / HTTP/1.1\r\n");
    std::size_t most = 0;
    for (int i = 0; i < 2000; ++i) {
        driver.send(model::Direction::c2s, "X-Endless: " + std::string(100, 'e') + "\r\n");
        most = std::max(most, engine.buffered_bytes());
    }
    CHECK(most <= 4096 + 1024);
    driver.send(model::Direction::c2s, "\r\n" + k_get); // resynchronises on the next request
    driver.close();
    const auto c2s = recorder.of(model::Direction::c2s);
    REQUIRE(c2s.size() == 2);
    CHECK(c2s[0].status == MessageStatus::malformed);
    CHECK(c2s[0].reason == "HTTP/1 header section without an end within 4096 bytes");
    CHECK(c2s[1].status == MessageStatus::complete);
    CHECK(c2s[1].length == k_get.size());
}

TEST_CASE("http: hostile chunk sizes and lengths are malformed and reported",
          "[dissectors][http][hostile]") {
    const std::string head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    SECTION("a chunk size that overflows 64 bits") {
        Framed framed;
        run_exchange("http", {k_get, head + "fffffffffffffffffffff\r\nx"}, {}, {}, framed);
        REQUIRE(framed.s2c.size() == 1);
        CHECK(framed.s2c[0].status == MessageStatus::malformed);
        CHECK(framed.s2c[0].reason == "chunk size over 1073741824 bytes");
    }
    SECTION("a chunk size line that never ends") {
        Framed framed;
        run_exchange("http", {k_get, head + "1" + std::string(5000, ';') + "\r\n"}, {}, {}, framed);
        REQUIRE(framed.s2c.size() == 1);
        CHECK(framed.s2c[0].reason == "chunk size line over 4096 bytes");
    }
    SECTION("a Content-Length over max, and one that is not a number") {
        Framed framed;
        run_exchange("http:max=1000",
                     {"POST / HTTP/1.1\r\nContent-Length: 1001\r\n\r\n" + k_get +
                          "POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n" +
                          k_get,
                      ""},
                     {}, {}, framed);
        REQUIRE(framed.c2s.size() == 4);
        CHECK(framed.c2s[0].reason == "HTTP/1 body of 1001 bytes over the limit of 1000");
        CHECK(framed.c2s[1].length == k_get.size());
        CHECK(framed.c2s[2].reason == "bad Content-Length '99999999999999999999999'");
        CHECK(framed.c2s[3].status == MessageStatus::complete);
    }
}

TEST_CASE("http: a capture that begins mid-response resynchronises on the next status line",
          "[dissectors][http][resync]") {
    const std::string tail = "of a body that began before the capture\r\n\r\nmore\"}";
    Framed framed;
    run_exchange("http", {"", tail + k_ok_5 + k_chunked_answer}, {}, {tail.size() - 10}, framed);
    REQUIRE(framed.s2c.size() == 3);
    CHECK(framed.s2c[0].status == MessageStatus::malformed);
    CHECK(framed.s2c[0].reason.find("mid-connection") != std::string::npos);
    CHECK(lengths({framed.s2c.begin() + 1, framed.s2c.end()}) ==
          std::vector<std::uint64_t>{k_ok_5.size(), k_chunked_answer.size()});
    CHECK(framed.s2c[1].offset == tail.size());
    const auto& summary = framed.recorder.summaries.back();
    CHECK(summary.skipped_bytes == 10);
}

TEST_CASE("http: a gap inside a head loses that message, framing resumes on the next one",
          "[dissectors][http][resync]") {
    FramingSelector selector;
    selector.set_default(spec_of("http"));
    Recorder recorder;
    DissectorEngine engine(selector, recorder);
    Driver driver(engine, make_flow());
    driver.send(model::Direction::c2s, "GET /lost HTTP/1.1\r\nHo");
    driver.gap(model::Direction::c2s, 30);
    driver.send(model::Direction::c2s, "st: y\r\n\r\n" + k_get);
    driver.close();
    const auto c2s = recorder.of(model::Direction::c2s);
    REQUIRE(c2s.size() == 2);
    CHECK(c2s[0].status == MessageStatus::truncated);
    CHECK(c2s[1].status == MessageStatus::complete);
    CHECK(c2s[1].length == k_get.size());
}

TEST_CASE("http, websocket and http2 specs parse, print back and reject unknown keys",
          "[dissectors][http][spec]") {
    for (const char* text :
         {"http", "http:max=1000", "http:max=1000,hmax=4096", "websocket", "websocket:max=65536",
          "http2", "http2:max=16384", "grpc", "grpc:max=100"}) {
        INFO(text);
        const FramingSpec spec = spec_of(text);
        CHECK(to_string(spec) == text);
        CHECK(spec_of(to_string(spec)) == spec);
    }
    CHECK(std::holds_alternative<SpecError>(parse_spec("websocket:hmax=10")));
    CHECK(std::holds_alternative<SpecError>(parse_spec("http2:max=99999999")));
    CHECK(std::holds_alternative<SpecError>(parse_spec("http:size=4")));
}

TEST_CASE("http: a server's SETTINGS before the client's preface is HTTP/2 from its first frame",
          "[dissectors][http][http2]") {
    const std::string settings = h2_frame(0x4, 0, 0, std::string(6, '\0'));
    const std::string ack = h2_frame(0x4, 0x1, 0, "");
    FramingSelector selector;
    selector.set_default(spec_of("http"));
    Recorder recorder;
    DissectorEngine engine(selector, recorder);
    Driver driver(engine, make_flow());
    driver.send(model::Direction::s2c, settings);
    driver.send(model::Direction::c2s, k_h2_preface + settings + ack);
    driver.send(model::Direction::s2c, ack);
    driver.close();
    CHECK(lengths(recorder.of(model::Direction::c2s)) ==
          std::vector<std::uint64_t>{24, settings.size(), ack.size()});
    CHECK(lengths(recorder.of(model::Direction::s2c)) ==
          std::vector<std::uint64_t>{settings.size(), ack.size()});
    CHECK(all_complete(recorder.messages));
}

TEST_CASE("auto names http from the first line and pairs responses as http does",
          "[dissectors][http][auto]") {
    const Exchange exchange{k_head + k_get + k_post_chunked, k_head_answer + k_ok_5 + k_ok_5};
    Framed given, guessed;
    run_exchange("http", exchange, {}, {}, given);
    run_exchange("auto", exchange, {}, {}, guessed);
    CHECK(shapes(guessed.c2s) == shapes(given.c2s));
    CHECK(shapes(guessed.s2c) == shapes(given.s2c));
    REQUIRE(guessed.recorder.choices.size() == 2);
    for (const auto& choice : guessed.recorder.choices) {
        CHECK(choice.spec == "http");
        CHECK(choice.guessed);
        CHECK(choice.confidence == Approx(k_web_confidence));
    }
    SECTION("a prior-knowledge HTTP/2 client and server") {
        const std::string settings = h2_frame(0x4, 0, 0, std::string(6, '\0'));
        Framed h2;
        run_exchange("auto", {k_h2_preface + settings, settings}, {}, {}, h2);
        CHECK(h2.c2s.size() == 2);
        CHECK(h2.s2c.size() == 1);
        CHECK(h2.recorder.choices.at(0).spec == "http");
    }
    SECTION("lines that are not HTTP are not named http") {
        Framed lines;
        run_exchange("auto", {"PING\r\nPING\r\nPING\r\n", ""}, {}, {}, lines);
        CHECK(lines.recorder.choices.at(0).spec != "http");
    }
}

TEST_CASE("http: an HTTP/2 prior-knowledge preface is the same message whichever side speaks first",
          "[dissectors][http][http2]") {
    // A server with prior knowledge sends its SETTINGS on accept, so a capture may hold them
    // before or after the client's preface.
    const std::string settings = h2_frame(0x4, 0, 0, std::string(6, '\0'));
    std::vector<std::vector<std::string>> seen;
    for (const bool server_first : {false, true}) {
        FramingSelector selector;
        selector.set_default(spec_of("http"));
        Recorder recorder;
        DissectorEngine engine(selector, recorder);
        Driver driver(engine, make_flow());
        if (server_first)
            driver.send(model::Direction::s2c, settings);
        driver.send(model::Direction::c2s, k_h2_preface + settings);
        if (!server_first)
            driver.send(model::Direction::s2c, settings);
        driver.close();
        const auto c2s = recorder.of(model::Direction::c2s);
        REQUIRE(c2s.size() == 2);
        CHECK(c2s[0].length == 24);
        CHECK(c2s[0].header_length == 24);
        seen.push_back(shapes(c2s));
    }
    CHECK(seen[0] == seen[1]);
}
