// The data-store framings (resp, memcache-text): one message per protocol message, the same
// messages at every split point and in one-byte chunks, marks, and hostile lengths and nesting.
// Expected boundaries are laid out here by hand from the protocols' documents.

#include "split_check.hpp"
#include "support.hpp"

#include <catch2/catch.hpp>

using namespace sniff;
using namespace sniff::dissect;
using namespace sniff::dissect::test;

namespace {

using model::Direction;

std::string bulk(const std::string& text) {
    return "$" + std::to_string(text.size()) + "\r\n" + text + "\r\n";
}

std::string command(const std::vector<std::string>& words) {
    std::string out = "*" + std::to_string(words.size()) + "\r\n";
    for (const auto& word : words)
        out += bulk(word);
    return out;
}

// Requests and RESP2/RESP3 replies of every type, nested, with a push between replies.
std::vector<Part> resp_requests() {
    return {line_message(command({"SET", "key:1", std::string(300, 'v')})),
            line_message(command({"GET", "key:1"})),
            line_message("PING\r\n"), // inline command
            line_message(command({"HELLO", "3"})),
            line_message(command({"SUBSCRIBE", "news"})),
            line_message("*0\r\n"),
            line_message(command({"MSET", "a", "1\r\n2", "b", ""}))};
}

std::vector<Part> resp_replies() {
    return {
        line_message("+OK\r\n"),
        line_message(bulk(std::string(300, 'v'))),
        line_message("$-1\r\n"),
        line_message("*-1\r\n"),
        line_message("-ERR unknown command\r\n"),
        line_message(":1000\r\n"),
        line_message("%2\r\n+server\r\n$5\r\nredis\r\n+modules\r\n*0\r\n"),
        line_message(">3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n:1\r\n", true),
        line_message("_\r\n"),
        line_message("#t\r\n"),
        line_message(",3.14\r\n"),
        line_message("(3492890328409238509324850943850943825024385\r\n"),
        line_message("!21\r\nSYNTAX invalid syntax\r\n"),
        line_message("=15\r\ntxt:Some string\r\n"),
        line_message("~2\r\n:1\r\n*2\r\n:2\r\n*1\r\n*0\r\n"),
        line_message("|1\r\n+key-popularity\r\n%1\r\n$1\r\na\r\n,0.19\r\n*1\r\n:2\r\n"),
        line_message(">4\r\n$8\r\npmessage\r\n$1\r\n*\r\n$4\r\nnews\r\n$2\r\nhi\r\n", true),
        line_message("*2\r\n$3\r\nfoo\r\n$-1\r\n"),
    };
}

std::vector<Part> memcache_commands() {
    return {line_message("set k 0 0 5\r\nhello\r\n"),
            line_message("add k2 1 100 3 noreply\r\nab\n\r\n"), // data may hold a line end
            line_message("cas k 0 0 2 12345\r\nhi\r\n"),
            line_message("get k k2\r\n"),
            line_message("gets k\r\n"),
            line_message("append k 0 0 0\r\n\r\n"),
            line_message("ms k 4 T0 F5\r\nmeta\r\n"),
            line_message("mg k v f t\r\n"),
            line_message("incr n 1\r\n"),
            line_message("delete k noreply\r\n"),
            line_message("mn\r\n")};
}

std::vector<Part> memcache_replies() {
    return {line_message("STORED\r\n"),
            line_message("VALUE k 0 5\r\nhello\r\nVALUE k2 1 3\r\nab\n\r\nEND\r\n"),
            line_message("VALUE k 0 2 12345\r\nhi\r\nEND\r\n"),
            line_message("END\r\n"),
            line_message("VA 4 f5 t-1\r\nmeta\r\n"),
            line_message("HD\r\n"),
            line_message("EN\r\n"),
            line_message("STAT pid 42\r\nSTAT uptime 7\r\nEND\r\n"),
            line_message("43\r\n"),
            line_message("MN\r\n")};
}

std::vector<Part> nats_client() {
    return {line_message("CONNECT {\"verbose\":false,\"headers\":true}\r\n"),
            line_message("SUB news 1\r\n"),
            line_message("PUB news 5\r\nhello\r\n"),
            line_message("pub news reply.1 7\r\nhi\r\nyou\r\n"), // payload may hold CRLF
            line_message("HPUB news 18 24\r\nNATS/1.0\r\nA: b\r\n\r\nhello!\r\n"),
            line_message("PUB empty 0\r\n\r\n"),
            line_message("UNSUB 1\r\n"),
            line_message("PING\r\n")};
}

std::vector<Part> nats_server() {
    return {line_message("INFO {\"server_id\":\"x\",\"max_payload\":1048576}\r\n"),
            line_message("+OK\r\n"),
            line_message("MSG news 1 5\r\nhello\r\n"),
            line_message("MSG news 1 reply.1 7\r\nhi\r\nyou\r\n"),
            line_message("HMSG news 1 reply.2 18 24\r\nNATS/1.0\r\nA: b\r\n\r\nhello!\r\n"),
            line_message("-ERR 'Unknown Protocol Operation'\r\n"),
            line_message("PONG\r\n")};
}

} // namespace

TEST_CASE("nats finds one message per operation, payloads included, at every split point",
          "[dissectors][nats]") {
    check_every_split("nats", Direction::c2s, nats_client());
    check_every_split("nats", Direction::s2c, nats_server());
}

TEST_CASE("varint: a length split across segments at any byte gives the same messages",
          "[dissectors][varint]") {
    std::vector<Part> parts;
    for (const std::size_t body : {0, 1, 127, 128, 300, 16384}) {
        std::string message;
        put_varint(message, body);
        const auto header = message.size();
        message += std::string(body, 'p');
        parts.push_back({message, header});
    }
    // Cut inside every varint (2- and 3-byte ones included) and every body.
    check_every_split("varint", Direction::c2s, parts);
}

TEST_CASE("varint takes protobuf's 10-byte lengths, padded ones too, at every split point",
          "[dissectors][varint]") {
    // 5 padded to 10 bytes (0x85, eight 0x80, 0x00), as protobuf encoders may write it; then
    // a 9-byte encoding of 300.
    std::string padded("\x85\x80\x80\x80\x80\x80\x80\x80\x80\x00", 10);
    std::string nine("\xac\x82\x80\x80\x80\x80\x80\x80\x00", 9);
    check_every_split("varint", Direction::c2s,
                      {{padded + "hello", 10}, {nine + std::string(300, 'n'), 9}});
    // An eleventh byte, or a tenth that carries bits past 64, is refused.
    const std::string eleven = std::string(10, '\x80') + std::string(1, '\x01');
    const auto long_field = run("varint", Direction::c2s, eleven, {eleven.size()});
    REQUIRE(!long_field.empty());
    CHECK(long_field[0].status == MessageStatus::malformed);
    const std::string wide = std::string(9, '\xff') + std::string(1, '\x02');
    const auto over = run("varint", Direction::c2s, wide, {wide.size()});
    REQUIRE(!over.empty());
    CHECK(over[0].status == MessageStatus::malformed);
}

TEST_CASE("nats refuses sizes it cannot trust", "[dissectors][nats]") {
    const auto got = run("nats:max=1000", Direction::c2s, "PUB a 5000\r\n", {12});
    REQUIRE(got.size() == 1);
    CHECK(got[0].status == MessageStatus::malformed);
    CHECK(run("nats", Direction::s2c, "MSG a\r\n", {7}).at(0).status == MessageStatus::malformed);
}

TEST_CASE("resp finds one message per RESP value at every split point", "[dissectors][resp]") {
    check_every_split("resp", Direction::c2s, resp_requests());
    check_every_split("resp", Direction::s2c, resp_replies());
}

TEST_CASE("memcache-text finds one message per command and reply at every split point",
          "[dissectors][memcache]") {
    check_every_split("memcache-text", Direction::c2s, memcache_commands());
    check_every_split("memcache-text", Direction::s2c, memcache_replies());
}

TEST_CASE("resp's fast path and counting path agree with the message-by-message path",
          "[dissectors][resp]") {
    std::vector<Part> parts;
    for (int i = 0; i < 40; ++i)
        for (const Part& part : resp_replies())
            parts.push_back(part);
    const std::string bytes = join(parts);
    // Big chunks: most values lie whole in one, so frame_run finds them.
    const auto every = run("resp", Direction::s2c, bytes, {4096, 4096, 100, 9000});
    check_same(every, parts);
    Recorder counting;
    counting.wanted = 0;
    {
        DissectorEngine engine(selector_of("resp"), counting);
        Driver driver(engine, make_flow());
        driver.send_chunks(Direction::s2c, bytes, {4096, 4096, 100, 9000});
        driver.close();
    }
    REQUIRE(counting.summaries.size() == 2);
    CHECK(counting.summaries[1].messages == parts.size());
}

TEST_CASE("a COMMAND DOCS sized reply is one message, not thousands of lines",
          "[dissectors][resp]") {
    // A map of 400 commands, each a map of four fields with a nested array.
    std::string reply = "%400\r\n";
    for (int i = 0; i < 400; ++i)
        reply += bulk("cmd" + std::to_string(i)) +
                 "%4\r\n$7\r\nsummary\r\n$20\r\nDo something useful.\r\n$5\r\nsince\r\n"
                 "$5\r\n1.0.0\r\n$5\r\ngroup\r\n$7\r\ngeneric\r\n$9\r\narguments\r\n*2\r\n"
                 "%1\r\n$4\r\nname\r\n$3\r\nkey\r\n%1\r\n$4\r\nname\r\n$5\r\nvalue\r\n";
    const std::vector<Part> parts{line_message(reply), line_message("+OK\r\n")};
    const std::string bytes = join(parts);
    check_same(run("resp", Direction::s2c, bytes, {bytes.size()}), parts);
    check_same(run("resp", Direction::s2c, bytes, std::vector<std::size_t>(bytes.size() / 7, 7)),
               parts);
    // crlf shows the same bytes as one message per line: the complaint.
    std::size_t lines = 0;
    for (auto at = bytes.find("\r\n"); at != std::string::npos; at = bytes.find("\r\n", at + 2))
        ++lines;
    CHECK(lines > 10000);
    CHECK(run("crlf", Direction::s2c, bytes, {bytes.size()}).size() == lines);
}

TEST_CASE("resp bounds untrusted nesting, counts and lengths", "[dissectors][resp]") {
    const auto first = [](const std::string& bytes) {
        const auto got = run("resp:max=1M", Direction::s2c, bytes, {bytes.size()});
        REQUIRE_FALSE(got.empty());
        return got.front();
    };
    SECTION("nesting deeper than 64 is malformed, 64 is fine") {
        std::string deep;
        for (int i = 0; i < 65; ++i)
            deep += "*1\r\n";
        deep += ":1\r\n";
        const auto bad = first(deep);
        CHECK(bad.status == MessageStatus::malformed);
        CHECK(bad.reason == "RESP nesting deeper than 64");
        const auto ok = first(deep.substr(4));
        CHECK(ok.status == MessageStatus::complete);
        CHECK(ok.length == deep.size() - 4);
    }
    SECTION("a count or length over max is malformed before anything is added up") {
        CHECK(first("*99999999999999999999999\r\n").reason == "RESP length or count over max");
        CHECK(first("$2000000\r\nxx\r\n").reason == "RESP length or count over max");
        CHECK(first("%600000\r\n").reason == "RESP length or count over max");
        // Within max for the count but the value it announces is longer than max.
        CHECK(first("$1048570\r\n").reason == "RESP value longer than max");
    }
    SECTION("bad length lines are malformed") {
        CHECK(first("$-2\r\n").reason == "negative RESP length or count");
        CHECK(first("$\r\n").reason == "empty RESP length or count");
        CHECK(first("*1x\r\n").reason == "bad RESP length or count");
        CHECK(first("$?\r\n;4\r\nHell\r\n;0\r\n").reason ==
              "streamed RESP3 values are not supported");
        CHECK(first("*1\r\n@what\r\n").reason == "unknown RESP type byte inside an aggregate");
    }
    SECTION("a line that never ends is cut at max") {
        const auto got = run("resp:max=100", Direction::s2c, "+" + std::string(500, 'x'), {500});
        REQUIRE(got.size() == 1);
        CHECK(got[0].status == MessageStatus::malformed);
        CHECK(got[0].reason == "RESP value longer than max");
    }
    SECTION("an endless aggregate holds no memory: only a count") {
        Recorder recorder;
        DissectorEngine engine(selector_of("resp"), recorder);
        Driver driver(engine, make_flow());
        driver.send(Direction::s2c, "*1000000\r\n");
        for (int i = 0; i < 2000; ++i)
            driver.send(Direction::s2c, ":1\r\n:2\r\n");
        CHECK(engine.buffered_bytes() < 4096);
        driver.close();
        REQUIRE(recorder.messages.size() == 1);
        CHECK(recorder.messages[0].status == MessageStatus::truncated);
    }
}

TEST_CASE("memcache-text refuses data lengths it cannot trust", "[dissectors][memcache]") {
    const auto first = [](std::string_view spec, const std::string& bytes, Direction direction) {
        const auto got = run(spec, direction, bytes, {bytes.size()});
        REQUIRE_FALSE(got.empty());
        return got.front();
    };
    CHECK(first("memcache-text", "set k 0 0 99999999999999999999999\r\n", Direction::c2s).status ==
          MessageStatus::malformed);
    CHECK(first("memcache-text", "set k 0 0\r\n", Direction::c2s).status ==
          MessageStatus::malformed);
    CHECK(first("memcache-text:max=100", "set k 0 0 200\r\n", Direction::c2s).status ==
          MessageStatus::malformed);
    CHECK(first("memcache-text", "VALUE k 0 -1\r\n", Direction::s2c).status ==
          MessageStatus::malformed);
    CHECK(first("memcache-text", "VALUE k 0 1\r\nx\r\nSTORED\r\n", Direction::s2c).reason ==
          "a retrieval or stats reply goes on with neither VALUE, STAT nor END");
    // A 300 KB data block is skipped, not buffered.
    Recorder recorder;
    DissectorEngine engine(selector_of("memcache-text"), recorder);
    Driver driver(engine, make_flow());
    driver.send(Direction::c2s, "set big 0 0 300000\r\n");
    for (int i = 0; i < 300; ++i)
        driver.send(Direction::c2s, std::string(1000, 'd'));
    CHECK(engine.buffered_bytes() < 8192);
    driver.send(Direction::c2s, "\r\nget big\r\n");
    driver.close();
    REQUIRE(recorder.messages.size() == 2);
    CHECK(recorder.messages[0].length == 300000 + 22);
    CHECK(recorder.messages[0].message_class == MessageClass::coalesced_split);
}
