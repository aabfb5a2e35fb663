// Hostile and broken streams: lengths claiming gigabytes, JSON headers that are not JSON, too
// large or too deep, delimiters that never come, gaps. Nothing is allocated for a claim.

#include "support.hpp"

#include <catch2/catch.hpp>

using namespace sniff;
using namespace sniff::dissect;
using namespace sniff::dissect::test;

namespace {

constexpr auto c2s = model::Direction::c2s;

struct Harness {
    explicit Harness(std::string_view spec, EngineConfig config = {})
        : engine(selector_of(spec), recorder, config), driver(engine, make_flow()) {}
    Recorder recorder;
    DissectorEngine engine;
    Driver driver;
};

std::string le32(std::uint32_t value) {
    std::string out;
    put_uint(out, value, 4, true);
    return out;
}

std::string json_message(const std::string& json, std::size_t body) {
    return le32(static_cast<std::uint32_t>(json.size())) + json + std::string(body, 'x');
}

} // namespace

TEST_CASE("a length claiming 4 GB is malformed over max and nothing is allocated", "[dissectors]") {
    Harness h("len:size=4,be");
    h.driver.send(c2s, std::string("\x00\x00\x00\x02hi", 6) + "\xff\xff\xff\xf0" +
                           std::string(1000, 'z'));
    CHECK(h.engine.buffered_bytes() < 4096);
    h.driver.send(c2s, std::string(5000, 'z'));
    h.driver.close();
    REQUIRE(h.recorder.messages.size() == 2);
    CHECK(h.recorder.messages[0].status == MessageStatus::complete);
    const Message& bad = h.recorder.messages[1];
    CHECK(bad.status == MessageStatus::malformed);
    CHECK(bad.reason == "length 4294967280 over max 16777216");
    CHECK(bad.offset == 6);
    CHECK(bad.length == 4); // the bad header
    REQUIRE(h.recorder.summaries.size() == 2);
    CHECK(h.recorder.summaries[0].stopped);
    CHECK(h.recorder.summaries[0].stop_reason.find("over max") != std::string::npos);
    CHECK(h.recorder.summaries[0].skipped_bytes == 1000 + 5000);
}

TEST_CASE("a negative signed length and a total shorter than the header are malformed",
          "[dissectors]") {
    Harness negative("struct");
    negative.driver.send(c2s, le32(0xfffffffe) + "abc");
    negative.driver.close();
    REQUIRE(negative.recorder.messages.size() == 1);
    CHECK(negative.recorder.messages[0].reason == "negative length -2");

    Harness short_total("len:size=2,be,adj=-4");
    short_total.driver.send(c2s, std::string("\x00\x01zzzz", 6));
    short_total.driver.close();
    REQUIRE(short_total.recorder.messages.size() == 1);
    CHECK(short_total.recorder.messages[0].status == MessageStatus::malformed);
    CHECK(short_total.recorder.messages[0].reason.find("shorter than its 2-byte header") !=
          std::string::npos);
}

TEST_CASE("JSON headers: fields kept, and bad headers are malformed", "[dissectors]") {
    SECTION("a good header keeps its fields as compact JSON") {
        Harness h("json-header");
        h.driver.send(c2s, json_message(R"({"file_name": "a.txt", "file_size": 3})", 3));
        h.driver.close();
        REQUIRE(h.recorder.messages.size() == 1);
        CHECK(h.recorder.messages[0].status == MessageStatus::complete);
        CHECK(h.recorder.messages[0].header_json == R"({"file_name":"a.txt","file_size":3})");
        CHECK(h.recorder.messages[0].length == 4 + 38 + 3);
    }
    SECTION("a named field wins over the defaults") {
        Harness h("json:size=4,le,field=n");
        h.driver.send(c2s, json_message(R"({"size":100,"n":2})", 2));
        h.driver.close();
        REQUIRE(h.recorder.messages.size() == 1);
        CHECK(h.recorder.messages[0].length == 4 + 18 + 2);
    }
    const auto first_reason = [](const std::string& bytes) {
        Harness h("json-header");
        h.driver.send(c2s, bytes);
        h.driver.close();
        REQUIRE_FALSE(h.recorder.messages.empty());
        CHECK(h.recorder.messages[0].status == MessageStatus::malformed);
        CHECK(h.engine.buffered_bytes() < 200 * 1024);
        return h.recorder.messages[0].reason;
    };
    SECTION("not JSON") {
        CHECK(first_reason(json_message("{not json", 0)) == "header is not a JSON object");
        CHECK(first_reason(json_message("[1,2]", 0)) == "header is not a JSON object");
    }
    SECTION("missing or negative size") {
        CHECK(first_reason(json_message(R"({"name":"x"})", 0)).find("has none of") !=
              std::string::npos);
        CHECK(first_reason(json_message(R"({"data_size":-5})", 0)) ==
              "JSON size field is not a non-negative integer");
        CHECK(first_reason(json_message(R"({"data_size":"5"})", 0)) ==
              "JSON size field is not a non-negative integer");
    }
    SECTION("a 100 MB header length is refused before buffering") {
        CHECK(first_reason(le32(100u << 20) + "{}") ==
              "JSON header length 104857600 over max 65536");
    }
    SECTION("a header nested 10,000 deep is refused without recursion") {
        // Within the cap's reach only if the cap allows; use a large hmax to reach the parser.
        Harness h("json:size=4,le,hmax=1m");
        const std::string deep = std::string(10000, '[') + std::string(10000, ']');
        h.driver.send(c2s, json_message(deep, 0));
        h.driver.close();
        REQUIRE(h.recorder.messages.size() == 1);
        CHECK(h.recorder.messages[0].reason == "JSON header nested deeper than 64");
    }
}

TEST_CASE("a delimiter that never comes is cut at max and the framing resyncs", "[dissectors]") {
    Harness h("delim:\\n,max=100");
    h.driver.send(c2s, "ok\n" + std::string(250, 'a'));
    CHECK(h.engine.buffered_bytes() < 1024);
    h.driver.send(c2s, std::string(1000, 'b'));
    h.driver.send(c2s, "tail\nnext\n");
    h.driver.close();
    const auto& m = h.recorder.messages;
    REQUIRE(m.size() == 3);
    CHECK(m[0].length == 3);
    CHECK(m[1].status == MessageStatus::malformed);
    CHECK(m[1].reason == "no \\n within 100 bytes");
    CHECK(m[1].offset == 3);
    CHECK(m[1].length == 100);
    CHECK(m[2].offset == 3 + 250 + 1000 + 5);
    CHECK(m[2].length == 5);
    CHECK(m[2].preview == "next\\n");
    CHECK(h.recorder.summaries[0].skipped_bytes == 250 - 100 + 1000 + 5);
}

TEST_CASE("a gap inside a known body truncates that message and framing goes on", "[dissectors]") {
    Harness h("dns-tcp");
    h.driver.send(c2s, std::string("\x00\x0a", 2) + "abc");
    h.driver.gap(c2s, 4);
    h.driver.send(c2s, std::string("abc", 3) + std::string("\x00\x01", 2) + "z");
    h.driver.close();
    const auto& m = h.recorder.messages;
    REQUIRE(m.size() == 2);
    CHECK(m[0].status == MessageStatus::truncated);
    CHECK(m[0].reason == "gap of 4 bytes at offset 5");
    CHECK(m[0].length == 12);
    CHECK(m[1].status == MessageStatus::complete);
    CHECK(m[1].offset == 12);
}

TEST_CASE("a gap over a header stops a length framing but a delimiter framing resyncs",
          "[dissectors]") {
    Harness len("dns-tcp");
    len.driver.send(c2s, std::string("\x00\x02hi\x00\x05", 6) + "ab");
    len.driver.gap(c2s, 10);
    len.driver.send(c2s, std::string("\x00\x01z", 3));
    len.driver.close();
    REQUIRE(len.recorder.messages.size() == 2);
    CHECK(len.recorder.messages[1].status == MessageStatus::truncated);
    CHECK(len.recorder.messages[1].length == 4); // the bytes before the gap
    CHECK(len.recorder.summaries[0].stopped);
    CHECK(len.recorder.summaries[0].stop_reason ==
          "lost message boundaries after a gap of 10 bytes at offset 8");

    Harness lines("lines");
    lines.driver.send(c2s, "one\ntw");
    lines.driver.gap(c2s, 3);
    lines.driver.send(c2s, "lost\nthree\n");
    lines.driver.close();
    const auto& m = lines.recorder.messages;
    REQUIRE(m.size() == 3);
    CHECK(m[1].status == MessageStatus::truncated);
    CHECK(m[2].offset == 4 + 2 + 3 + 5);
    CHECK(m[2].preview == "three\\n");
}

TEST_CASE("the stream ending inside a message truncates it", "[dissectors]") {
    Harness h("struct");
    h.driver.send(c2s, le32(10) + "abc");
    h.driver.close();
    REQUIRE(h.recorder.messages.size() == 1);
    CHECK(h.recorder.messages[0].status == MessageStatus::truncated);
    CHECK(h.recorder.messages[0].reason == "stream ended after 7 bytes of 14");
}
