// `auto` on hand-made streams modelled on real captures where it used to guess wrong with
// confidence: DNS over TCP queries (the length's zero high byte), a PostgreSQL client (NUL-ended
// strings) and the article's ascii-len exchange (decimal length lines).

#include "dissectors/auto_detect.hpp"
#include "support.hpp"

#include <catch2/catch.hpp>

using namespace sniff;
using namespace sniff::dissect;
using namespace sniff::dissect::test;

namespace {

constexpr auto c2s = model::Direction::c2s;
constexpr auto s2c = model::Direction::s2c;

// A stream sent one message per segment, as a client that waits for each answer writes it.
struct Stream {
    std::string bytes;
    std::vector<std::uint64_t> ends;
    void add(const std::string& segment) {
        bytes += segment;
        ends.push_back(bytes.size());
    }
};

Guess guess_on(const Stream& stream, model::Direction direction = c2s) {
    return guess_framing(
        util::Bytes(reinterpret_cast<const std::byte*>(stream.bytes.data()), stream.bytes.size()),
        stream.ends, true, direction);
}

// A DNS query as dig sends it over TCP (RFC 1035 4.2.2): 2-byte length, header (RD and AD set,
// one question, one additional), the name, type, class IN, then an EDNS OPT record with a cookie.
std::string dns_query(std::uint16_t id, const std::string& label, std::uint16_t type) {
    std::string m;
    put_uint(m, id, 2, false);
    m += std::string("\x01\x20\x00\x01\x00\x00\x00\x00\x00\x01", 10);
    for (const std::string& part : {label, std::string("example"), std::string("test")}) {
        m += static_cast<char>(part.size());
        m += part;
    }
    m += '\0';
    put_uint(m, type, 2, false);
    m += std::string("\x00\x01", 2);
    m += std::string("\x00\x00\x29\x04\xd0\x00\x00\x00\x00\x00\x0c\x00\x0a\x00\x08", 15);
    m += std::string("\xe6\xdf\xd5\xa8\x95\xce\x3c\x4e", 8);
    std::string framed;
    put_uint(framed, m.size(), 2, false);
    return framed + m;
}

std::string be32(std::uint32_t value) {
    std::string out;
    put_uint(out, value, 4, false);
    return out;
}

// psql's StartupMessage: untyped, length, protocol 3.0, NUL-ended key/value strings, a final NUL.
std::string pg_startup() {
    const std::string body = std::string("user\0postgres\0database\0postgres\0", 32) +
                             std::string("application_name\0psql\0\0", 23);
    return be32(static_cast<std::uint32_t>(8 + body.size())) + be32(196608) + body;
}

// A simple Query: 'Q', length (itself included), the SQL text ending in NUL.
std::string pg_query(const std::string& sql) {
    return "Q" + be32(static_cast<std::uint32_t>(4 + sql.size() + 1)) + sql + '\0';
}

// The server side of the article's ascii-len exchange as sniff's own server writes it: the
// decimal length and "\n" in one write, then (after the client's ready) the body.
std::vector<std::string> ascii_len_bodies() {
    std::string dump;
    for (int row = 0; dump.size() < 5000; ++row) {
        char line[32];
        std::snprintf(line, sizeof line, "%08x %c%c%c%c%c%c\n", row * 16, 'a' + row % 20,
                      'b' + row % 20, 'c' + row % 20, 'd' + row % 20, 'e' + row % 20,
                      'f' + row % 20);
        dump += line;
    }
    dump.resize(5000);
    dump.back() = '\n';
    std::string hello;
    for (int i = 0; i < 300; ++i)
        hello += "hello world\n";
    return {"hi\n", dump, hello, "commands: echo, bytes, repeat, help\n"};
}

} // namespace

TEST_CASE("auto reads DNS queries over TCP as 2-byte lengths, not 1-byte ones with empty bodies",
          "[dissectors][auto]") {
    Stream stream;
    stream.add(dns_query(0xa9d6, "a", 1));
    stream.add(dns_query(0x5d7c, "b", 28));
    stream.add(dns_query(0xd5b5, "big", 16));
    stream.add(dns_query(0x1234, "c", 15));
    const Guess guess = guess_on(stream);
    // len:size=1 explains every byte too: "\0" then the rest; only its empty messages betray it.
    CHECK(guess.text == "len:size=2,be");
    CHECK_FALSE(guess.uncertain);
    CHECK(guess.runner_up == "len:size=1");
}

TEST_CASE("auto frames a PostgreSQL client as pgsql, not as NUL-ended strings",
          "[dissectors][auto]") {
    Stream stream;
    SECTION("startup message first") {}
    SECTION("SSLRequest, then the startup message after the server's N") {
        stream.add(be32(8) + be32(80877103));
    }
    stream.add(pg_startup());
    stream.add(pg_query("select generate_series(1, 50)"));
    stream.add(pg_query("select repeat('x', 100000)"));
    stream.add(pg_query("select 1"));
    stream.add("X" + be32(4));
    const Guess guess = guess_on(stream);
    CHECK(guess.text == "pgsql");
    CHECK_FALSE(guess.uncertain);
}

TEST_CASE("auto on an ascii-len server cuts length line plus body, never lines with confidence",
          "[dissectors][auto]") {
    Stream stream;
    for (const std::string& body : ascii_len_bodies()) {
        stream.add(std::to_string(body.size()) + "\n");
        for (std::size_t at = 0; at < body.size(); at += 1448)
            stream.add(body.substr(at, 1448));
    }
    const Guess guess = guess_on(stream, s2c);
    INFO(guess.text << " " << guess.confidence << " runner-up " << guess.runner_up);
    CHECK_FALSE((guess.text == "delim:\\n" && !guess.uncertain));
    CHECK(guess.text == "ascii-len:noack");
}

TEST_CASE("the engine under auto cuts an ascii-len exchange where the ascii-len preset does",
          "[dissectors][auto]") {
    const auto run = [](const std::string& framing) {
        Recorder recorder;
        DissectorEngine engine(selector_of(framing), recorder);
        Driver driver(engine, make_flow());
        const std::vector<std::string> commands{"echo hi\n", "bytes 5000\n", "repeat 300\n",
                                                "help\n"};
        const auto bodies = ascii_len_bodies();
        for (std::size_t i = 0; i < bodies.size(); ++i) {
            driver.send(c2s, commands[i]);
            driver.send(s2c, std::to_string(bodies[i].size()) + "\n");
            driver.send(c2s, "ready\n");
            for (std::size_t at = 0; at < bodies[i].size(); at += 1448)
                driver.send(s2c, bodies[i].substr(at, 1448));
        }
        driver.close();
        std::vector<std::pair<model::Direction, std::uint64_t>> cuts;
        for (const Message& message : recorder.messages) {
            CHECK(message.status == MessageStatus::complete);
            cuts.emplace_back(message.direction, message.offset + message.length);
        }
        std::sort(cuts.begin(), cuts.end());
        return cuts;
    };
    const auto preset = run("ascii-len");
    CHECK(preset.size() == 4 * 2 + 4); // client: command + ready each; server: one per body
    CHECK(run("auto") == preset);
}
