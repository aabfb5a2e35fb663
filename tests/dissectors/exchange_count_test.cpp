// Framings that count their own exchanges (issue 21): pgsql, resp, http, memcache-text, nats and
// ascii-len say how many messages asked for an answer and how many answered, the same whether
// each direction comes whole or one byte per segment (a message passed to the framing several
// times is counted once).

#include "dissectors/pairing.hpp"
#include "web_support.hpp"

#include <catch2/catch.hpp>

using namespace sniff;
using namespace sniff::dissect;
using namespace sniff::dissect::test;

namespace {

std::string be32(std::uint32_t value) {
    std::string out;
    put_uint(out, value, 4, false);
    return out;
}

// A typed PostgreSQL message: type byte, length (itself included), body.
std::string pg(char type, const std::string& body) {
    return std::string(1, type) + be32(static_cast<std::uint32_t>(body.size() + 4)) + body;
}

struct Counted {
    Pairing pairing;
    std::uint64_t c2s_messages = 0;
    std::uint64_t s2c_messages = 0;
};

// The exchange through `spec`, whole (chunk 0) or one byte per segment (chunk 1).
Counted count(const std::string& spec, const Exchange& exchange, std::size_t chunk) {
    Framed framed;
    const auto ones = [](const std::string& bytes, std::size_t size) {
        return size == 0 ? std::vector<std::size_t>{} : std::vector<std::size_t>(bytes.size(), 1);
    };
    run_exchange(spec, exchange, ones(exchange.c2s, chunk), ones(exchange.s2c, chunk), framed);
    REQUIRE(framed.recorder.summaries.size() == 2);
    const auto& c2s = framed.recorder.summaries[0];
    const auto& s2c = framed.recorder.summaries[1];
    REQUIRE(c2s.exchanges);
    REQUIRE(s2c.exchanges);
    const auto pairing = pair_messages(c2s, s2c);
    REQUIRE(pairing);
    return Counted{*pairing, c2s.messages, s2c.messages};
}

} // namespace

TEST_CASE("exchange counts: pgsql asks with startup, Query and Sync, answers with ReadyForQuery",
          "[dissectors][pairing]") {
    Exchange exchange;
    // StartupMessage (protocol 3.0, user=u), a simple query, an extended query ending in one
    // Sync, Terminate.
    const std::string params = std::string("user\0u\0\0", 8);
    exchange.c2s = be32(static_cast<std::uint32_t>(8 + params.size())) + be32(196608) + params +
                   pg('Q', std::string("select 1\0", 9)) + pg('P', std::string("\0q\0\0\0", 5)) +
                   pg('B', std::string(6, '\0')) + pg('E', std::string(5, '\0')) + pg('S', "") +
                   pg('X', "");
    exchange.s2c = pg('R', be32(0)) + pg('S', std::string("a\0b\0", 4)) + pg('Z', "I") +
                   pg('T', std::string(2, '\0')) + pg('D', std::string(2, '\0')) +
                   pg('C', std::string("SELECT 1\0", 9)) + pg('Z', "I") + pg('1', "") +
                   pg('2', "") + pg('C', std::string("SELECT 1\0", 9)) + pg('Z', "I");
    for (const std::size_t chunk : {0, 1}) {
        INFO("chunk " << chunk);
        const auto counted = count("pgsql", exchange, chunk);
        CHECK(counted.c2s_messages == 7);
        CHECK(counted.pairing.requests == 3);
        CHECK(counted.pairing.answers == 3);
        CHECK(counted.pairing.agree());
    }
    // A server that stops answering after the startup: 3 asked, 1 answered.
    exchange.s2c = pg('R', be32(0)) + pg('Z', "I");
    const auto short_answers = count("pgsql", exchange, 0);
    CHECK(short_answers.pairing.requests == 3);
    CHECK(short_answers.pairing.answers == 1);
    CHECK_FALSE(short_answers.pairing.agree());
}

TEST_CASE("exchange counts: resp leaves pub/sub out, in runs and one byte at a time",
          "[dissectors][pairing]") {
    Exchange exchange;
    exchange.c2s = "*1\r\n$4\r\nPING\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\nPING\r\n"
                   "*2\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n";
    // Three replies, then RESP2's subscription confirmation and a message (plain arrays).
    exchange.s2c = "+PONG\r\n$-1\r\n+PONG\r\n*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n"
                   "*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n";
    for (const std::size_t chunk : {0, 1}) {
        INFO("chunk " << chunk);
        const auto counted = count("resp", exchange, chunk);
        CHECK(counted.c2s_messages == 4);
        CHECK(counted.s2c_messages == 5);
        CHECK(counted.pairing.requests == 3);
        CHECK(counted.pairing.answers == 3);
    }
    // RESP3: a push is not an answer either.
    exchange.s2c = "+PONG\r\n$-1\r\n>3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n";
    const auto pushed = count("resp", exchange, 0);
    CHECK(pushed.pairing.answers == 2);
    CHECK_FALSE(pushed.pairing.agree());
}

TEST_CASE("exchange counts: http answers with final responses, not 100 Continue",
          "[dissectors][pairing]") {
    Exchange exchange;
    exchange.c2s = "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi"
                   "GET /b HTTP/1.1\r\nHost: x\r\n\r\n";
    exchange.s2c = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
                   "HTTP/1.1 204 No Content\r\n\r\n";
    for (const std::size_t chunk : {0, 1}) {
        INFO("chunk " << chunk);
        const auto counted = count("http", exchange, chunk);
        CHECK(counted.s2c_messages == 3);
        CHECK(counted.pairing.requests == 2);
        CHECK(counted.pairing.answers == 2);
    }
}

TEST_CASE("exchange counts: memcache-text leaves out noreply, quiet meta commands and quit",
          "[dissectors][pairing]") {
    Exchange exchange;
    exchange.c2s = "set k 0 0 2\r\nhi\r\nset k 0 0 2 noreply\r\nhi\r\nget k\r\nmg k v q\r\n"
                   "mn\r\nquit\r\n";
    exchange.s2c = "STORED\r\nVALUE k 0 2\r\nhi\r\nEND\r\nMN\r\n";
    for (const std::size_t chunk : {0, 1}) {
        INFO("chunk " << chunk);
        const auto counted = count("memcache-text", exchange, chunk);
        CHECK(counted.c2s_messages == 6);
        CHECK(counted.pairing.requests == 3);
        CHECK(counted.pairing.answers == 3);
    }
}

TEST_CASE("exchange counts: nats pairs the client's PINGs with PONGs", "[dissectors][pairing]") {
    Exchange exchange;
    exchange.c2s = "CONNECT {}\r\nPING\r\nSUB a 1\r\nPUB a 2\r\nhi\r\nping\r\n";
    exchange.s2c = "INFO {}\r\nPONG\r\nMSG a 1 2\r\nhi\r\nPONG\r\n";
    for (const std::size_t chunk : {0, 1}) {
        INFO("chunk " << chunk);
        const auto counted = count("nats", exchange, chunk);
        CHECK(counted.pairing.requests == 2);
        CHECK(counted.pairing.answers == 2);
    }
}

TEST_CASE("exchange counts: ascii-len pairs each length text with the peer's ack, either way",
          "[dissectors][pairing]") {
    // sniff serve's shape: the client sends a command, the server a length, the client "ready",
    // the server the body; twice.
    Recorder recorder;
    DissectorEngine engine(selector_of("ascii-len"), recorder);
    Driver driver(engine, make_flow());
    for (const std::string body : {"hi\n", "abcdef"}) {
        driver.send(model::Direction::c2s, "echo x\n");
        driver.send(model::Direction::s2c, std::to_string(body.size()) + "\n");
        driver.send(model::Direction::c2s, "ready\n");
        driver.send(model::Direction::s2c, body);
    }
    driver.close();
    REQUIRE(recorder.summaries.size() == 2);
    const auto pairing = pair_messages(recorder.summaries[0], recorder.summaries[1]);
    REQUIRE(pairing);
    CHECK(pairing->requests == 2);
    CHECK(pairing->answers == 2);
    // Without an ack there is no handshake to pair.
    Recorder plain;
    DissectorEngine noack(selector_of("ascii-len:noack"), plain);
    Driver other(noack, make_flow());
    other.send(model::Direction::c2s, "3\nabc");
    other.close();
    REQUIRE(plain.summaries.size() == 2);
    CHECK_FALSE(plain.summaries[0].exchanges);
}
