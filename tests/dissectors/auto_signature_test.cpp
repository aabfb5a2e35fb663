// auto's signature step: a protocol recognised from its first bytes gets its preset, a header
// whose body is still arriving counts as evidence, and a signature the preset cannot walk is
// not believed.

#include "dissectors/auto_detect.hpp"
#include "support.hpp"

#include <catch2/catch.hpp>

using namespace sniff;
using namespace sniff::dissect;
using namespace sniff::dissect::test;
using namespace std::string_literals;

namespace {

using model::Direction;

Guess guess_of(const std::string& bytes, Direction direction) {
    const util::Bytes sample(reinterpret_cast<const std::byte*>(bytes.data()), bytes.size());
    const std::vector<std::uint64_t> ends{bytes.size()};
    return guess_framing(sample, ends, false, direction);
}

std::string be(std::uint64_t value, std::size_t size) {
    std::string out;
    put_uint(out, value, size, false);
    return out;
}

} // namespace

TEST_CASE("auto recognises protocols by their signatures before inferring", "[dissectors][auto]") {
    struct Case {
        const char* protocol;
        std::string bytes;
        Direction direction;
        const char* preset;
    };
    std::string mqtt = "\x10";
    put_varint(mqtt, 300); // a remaining length past 127: len:off=1,size=1 would be wrong
    mqtt += be(4, 2) + "MQTT" + std::string(1, '\x04') + std::string(295, 'p');
    std::string mysql = "\x4a\x00\x00\x00\x0a"
                        "8.0.36\0"s;
    mysql += std::string(0x4a - 7, 'm');
    const std::string startup = be(9 + 8, 4) + be(196608, 4) + "user\0bob\0"s;
    const std::string memcache_bin =
        "\x80\x00\x00\x01\x00\x00\x00\x00"s + be(1, 4) + std::string(12, '\0') + "k";
    const std::string dns = be(17 + 4, 2) + be(0x1234, 2) + be(0x0100, 2) + be(1, 2) + be(0, 2) +
                            be(0, 2) + be(0, 2) +
                            "\x01"
                            "a\x00"s +
                            be(1, 2) + be(1, 2);
    const std::vector<Case> cases{
        {"tls", "\x16\x03\x01"s + be(5, 2) + "hello", Direction::c2s, "len:off=3,size=2,be"},
        {"postgresql", startup, Direction::c2s, "pgsql"},
        {"mysql", mysql, Direction::s2c, "len:size=3,le,adj=+1"},
        {"mqtt", mqtt, Direction::c2s, "len:off=1,size=varint"},
        {"memcached-binary", memcache_bin, Direction::c2s, "len:off=8,size=4,be,adj=+12"},
        {"dns", dns, Direction::c2s, "len:size=2,be"},
        {"redis", "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n*1\r\n$4\r\nPING\r\n", Direction::c2s, "resp"},
        {"redis", "+OK\r\n$5\r\nhello\r\n:3\r\n", Direction::s2c, "resp"},
        {"memcached-text", "set k 0 0 5\r\nhello\r\nget k\r\n", Direction::c2s, "memcache-text"},
        {"memcached-text", "VALUE k 0 5\r\nhello\r\nEND\r\nSTORED\r\n", Direction::s2c,
         "memcache-text"},
    };
    for (const Case& c : cases) {
        INFO(c.protocol << " " << util::escape_text(c.bytes, 40));
        const Guess guess = guess_of(c.bytes, c.direction);
        CHECK(guess.protocol == c.protocol);
        CHECK(guess.text == c.preset);
        CHECK_FALSE(guess.uncertain);
    }
}

TEST_CASE("a header whose body is still arriving is evidence for a signature",
          "[dissectors][auto]") {
    // A GET reply of 200 KB seen through a 64 KiB window: one incomplete message.
    const std::string reply = "$204800\r\n" + std::string(60000, 'v');
    const Guess guess = guess_of(reply, Direction::s2c);
    CHECK(guess.protocol == "redis");
    CHECK(guess.text == "resp");
    CHECK(guess.confidence == Approx(0.8));
    CHECK_FALSE(guess.uncertain);
}

TEST_CASE("a signature the preset cannot walk is not believed", "[dissectors][auto]") {
    // Starts like a RESP request, then an unknown type byte inside the array.
    const Guess resp =
        guess_of("*2\r\n$3\r\nGET\r\n@bad\r\n" + std::string(40, 'x'), Direction::c2s);
    CHECK(resp.protocol.empty());
    // memcached text with a data length that is no number.
    CHECK(guess_of("set k 0 0 five\r\nhello\r\n", Direction::c2s).protocol.empty());
    // Plain text is no protocol here.
    CHECK(guess_of("hello world\nhow are you\n", Direction::c2s).protocol.empty());
}
