// Framings with state across directions (ascii-len's ack, PostgreSQL's first messages), UDP
// datagrams, raw TCP, and the engine's speed on large messages.

#include "support.hpp"

#include <catch2/catch.hpp>
#include <chrono>

using namespace sniff;
using namespace sniff::dissect;
using namespace sniff::dissect::test;

namespace {

constexpr auto c2s = model::Direction::c2s;
constexpr auto s2c = model::Direction::s2c;

std::string be32(std::uint32_t value) {
    std::string out;
    put_uint(out, value, 4, false);
    return out;
}

} // namespace

TEST_CASE("ascii-len with ack: the length text ends where the peer's ack arrives", "[dissectors]") {
    Recorder recorder;
    DissectorEngine engine(selector_of("ascii-len"), recorder);
    Driver driver(engine, make_flow());
    // The article's exchange: command, length, ready, body (which starts with digits).
    driver.send(c2s, "dir");
    driver.send(s2c, "12");
    driver.send(c2s, "ready");
    driver.send(s2c, "3456789012ab");
    driver.send(c2s, "ls");
    driver.send(s2c, "3");
    driver.send(s2c, "1");
    driver.send(c2s, "ready");
    driver.send(s2c, std::string(31, 'x'));
    driver.close();
    const auto server = recorder.of(s2c);
    REQUIRE(server.size() == 2);
    CHECK(server[0].header_length == 2);
    CHECK(server[0].length == 14);
    CHECK(server[0].message_class == MessageClass::split);
    CHECK(server[1].header_length == 2);
    CHECK(server[1].length == 33);
    CHECK(server[1].status == MessageStatus::complete);
    const auto client = recorder.of(c2s);
    REQUIRE(client.size() == 4);
    CHECK(client[0].preview == "dir");
    CHECK(client[1].preview == "ready");
    CHECK(client[2].preview == "ls");
    CHECK(client[3].preview == "ready");
    for (const auto& message : client)
        CHECK(message.status == MessageStatus::complete);
}

TEST_CASE("ascii-len ack: 'ready', 'ready\\n' and 'ready\\r\\n' are each one ack message",
          "[dissectors]") {
    // The article's Python client acks with "ready", sniff's own client with "ready\n".
    const auto [ack, split_line_end] = GENERATE(table<std::string, bool>({
        {"ready", false},
        {"ready\n", false},
        {"ready\r\n", false},
        {"ready\n", true},
        {"ready\r\n", true},
    }));
    const auto spec = GENERATE(as<std::string>{}, "ascii-len", "ascii-len:ack=ready\\n");
    if (spec != "ascii-len" && ack != "ready\n")
        return; // an ack=TEXT that ends in "\n" takes exactly TEXT
    INFO(spec << " ack " << ack.size() << " bytes, line end apart: " << split_line_end);
    Recorder recorder;
    DissectorEngine engine(selector_of(spec), recorder);
    Driver driver(engine, make_flow());
    for (int i = 0; i < 2; ++i) {
        driver.send(c2s, "get\n");
        driver.send(s2c, "5");
        if (split_line_end) {
            driver.send(c2s, "ready");
            driver.send(c2s, ack.substr(5));
        } else {
            driver.send(c2s, ack);
        }
        driver.send(s2c, "12345");
    }
    driver.close();
    const auto client = recorder.of(c2s);
    REQUIRE(client.size() == 4);
    for (std::size_t i = 0; i < client.size(); ++i) {
        CHECK(client[i].length == (i % 2 == 0 ? 4 : ack.size()));
        CHECK(client[i].status == MessageStatus::complete);
    }
    const auto server = recorder.of(s2c);
    REQUIRE(server.size() == 2);
    for (const auto& message : server) {
        CHECK(message.header_length == 1);
        CHECK(message.length == 6);
        CHECK(message.status == MessageStatus::complete);
    }
}

TEST_CASE("ascii-len ack: a byte after 'ready' or 'ready\\r' that is no line end starts the next "
          "message",
          "[dissectors]") {
    Recorder recorder;
    DissectorEngine engine(selector_of("ascii-len"), recorder);
    Driver driver(engine, make_flow());
    driver.send(c2s, "readyready\r");
    driver.send(c2s, "x");
    driver.close();
    const auto client = recorder.of(c2s);
    REQUIRE(client.size() == 3);
    CHECK(client[0].length == 5);
    CHECK(client[1].length == 6); // a lone "\r" ends the ack too
    CHECK(client[2].preview == "x");
    CHECK(client[1].status == MessageStatus::complete);
}

TEST_CASE("pgsql: untyped startup, a one-byte SSL answer, then typed messages", "[dissectors]") {
    Recorder recorder;
    DissectorEngine engine(selector_of("5432=pgsql"), recorder);
    Driver driver(engine, make_flow(1, model::Protocol::tcp, 5432));
    driver.send(c2s, be32(8) + be32(80877103)); // SSLRequest
    driver.send(s2c, "N");                      // no TLS
    const std::string startup = be32(8 + 11) + be32(196608) + std::string("user\0bob\0\0", 11);
    driver.send(c2s, startup);
    driver.send(s2c, "R" + be32(8) + be32(0) + "Z" + be32(5) + "I"); // AuthOk, ReadyForQuery
    driver.send(c2s, "Q" + be32(4 + 9) + std::string("select 1\0", 9));
    driver.close();
    const auto client = recorder.of(c2s);
    REQUIRE(client.size() == 3);
    CHECK(client[0].length == 8);
    CHECK(client[1].length == 19);
    CHECK(client[2].length == 14);
    const auto server = recorder.of(s2c);
    REQUIRE(server.size() == 3);
    CHECK(server[0].length == 1);
    CHECK(server[1].length == 9);
    CHECK(server[1].message_class == MessageClass::coalesced);
    CHECK(server[2].length == 6);
    for (const auto& message : recorder.messages)
        CHECK(message.status == MessageStatus::complete);
}

TEST_CASE("pgsql: after an 'S' answer both directions are TLS records", "[dissectors]") {
    Recorder recorder;
    DissectorEngine engine(selector_of("pgsql"), recorder);
    Driver driver(engine, make_flow());
    driver.send(c2s, be32(8) + be32(80877103));
    driver.send(s2c, "S");
    driver.send(c2s, std::string("\x16\x03\x01\x00\x03", 5) + "abc");
    driver.send(s2c, std::string("\x16\x03\x03\x00\x02", 5) + "de");
    driver.close();
    REQUIRE(recorder.of(c2s).size() == 2);
    CHECK(recorder.of(c2s)[1].length == 8);
    REQUIRE(recorder.of(s2c).size() == 2);
    CHECK(recorder.of(s2c)[1].length == 7);
}

TEST_CASE("UDP: one datagram is one message, udp_bufsize flags what recvfrom would cut",
          "[dissectors]") {
    Recorder recorder;
    EngineConfig config;
    config.udp_bufsize = 10;
    DissectorEngine engine(selector_of("struct"), recorder, config); // default: TCP only
    Driver driver(engine, make_flow(1, model::Protocol::udp));
    driver.send(c2s, "hello");
    driver.send(c2s, "");
    driver.send(c2s, std::string(20, 'w'));
    driver.close();
    REQUIRE(recorder.messages.size() == 3);
    CHECK(recorder.messages[0].length == 5);
    CHECK_FALSE(recorder.messages[0].would_truncate);
    CHECK(recorder.messages[1].length == 0); // an empty send is still a datagram
    CHECK(recorder.messages[2].would_truncate);
    CHECK(recorder.messages[2].recv_buffer == 10);
    for (const auto& message : recorder.messages)
        CHECK(message.message_class == MessageClass::whole);
    CHECK(recorder.segments.size() == 3);
}

TEST_CASE("UDP with a framing for its port frames each datagram alone", "[dissectors]") {
    Recorder recorder;
    DissectorEngine engine(selector_of("9000=lines"), recorder);
    Driver driver(engine, make_flow(1, model::Protocol::udp, 9000));
    driver.send(c2s, "a\nb\nhalf");
    driver.send(c2s, "c\n");
    driver.close();
    REQUIRE(recorder.messages.size() == 4);
    CHECK(recorder.messages[2].status == MessageStatus::truncated);
    CHECK(recorder.messages[3].offset == 8);
    CHECK(recorder.messages[3].status == MessageStatus::complete);
}

TEST_CASE("raw TCP reports segments and no messages", "[dissectors]") {
    Recorder recorder;
    DissectorEngine engine(FramingSelector{}, recorder);
    Driver driver(engine, make_flow());
    driver.send(c2s, "hello");
    driver.send(c2s, "world");
    driver.close();
    CHECK(recorder.messages.empty());
    REQUIRE(recorder.segments.size() == 2);
    CHECK_FALSE(recorder.segments[1].has_messages);
    REQUIRE(recorder.choices.size() == 2);
    CHECK(recorder.choices[0].spec == "raw");
}

TEST_CASE("segment reports say which messages a segment carried", "[dissectors]") {
    Recorder recorder;
    DissectorEngine engine(selector_of("lines"), recorder);
    Driver driver(engine, make_flow());
    driver.send(c2s, "aa\nb");      // segment 0: all of 0, head of 1
    driver.send(c2s, "bb\ncc\ndd"); // segment 1: tail of 1, all of 2, head of 3
    driver.send(c2s, "d\n");        // segment 2: tail of 3
    driver.close();
    REQUIRE(recorder.segments.size() == 3);
    const SegmentReport& middle = recorder.segments[1];
    CHECK(middle.first_message == 1);
    CHECK(middle.last_message == 3);
    CHECK(middle.message_starts == 2);
    CHECK(middle.message_ends == 2);
    CHECK(recorder.segments[2].message_starts == 0);
    CHECK(recorder.segments[2].message_ends == 1);
    CHECK(recorder.messages[1].message_class == MessageClass::coalesced_split);
}

TEST_CASE("large length-prefixed messages are skipped at more than 1 GB/s", "[dissectors][perf]") {
    Recorder recorder;
    DissectorEngine engine(selector_of("len:size=4,be,max=1g"), recorder);
    const model::Flow flow = make_flow();
    // 64 KiB segments carrying 1 MiB messages; the body bytes are never read, only skipped.
    std::string segment(64 * 1024, 'x');
    const std::string header = be32(1024 * 1024 - 4 + 4 - 4);
    const std::uint64_t message = 4 + (1024 * 1024 - 4);
    const std::uint64_t total = 4ull << 30; // 4 GiB
    model::SegmentInfo info;
    const auto start = std::chrono::steady_clock::now();
    for (std::uint64_t offset = 0; offset < total; offset += segment.size()) {
        if (offset % message == 0)
            segment.replace(0, 4, header);
        else
            segment.replace(0, 4, "xxxx");
        info.offset = offset;
        info.length = static_cast<std::uint32_t>(segment.size());
        engine.on_data(
            flow, c2s, info,
            util::Bytes(reinterpret_cast<const std::byte*>(segment.data()), segment.size()));
        ++info.index;
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    engine.on_flow_close(flow, reassembly::CloseReason::fin);
    CHECK(recorder.messages.size() == total / message);
    CHECK(recorder.messages.back().status == MessageStatus::complete);
    const double rate = static_cast<double>(total) / seconds / 1e9;
    INFO("GB/s " << rate);
    CHECK(rate > 1.0);
}
