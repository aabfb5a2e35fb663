// TCP options: the window scale option (RFC 7323) found in a SYN's option list, and option lists
// that are cut, declare impossible lengths or run past the header, which must end the walk
// without a value and without reading a byte outside the list.

#include "packet/decoder.hpp"
#include "packet/frames.hpp"
#include "packet/tcp_options.hpp"

#include <catch2/catch.hpp>
#include <deque>
#include <random>

using namespace sniff;
using namespace sniff::packet_test;
using packet::DecodeStatus;
using packet::find_window_scale;

namespace {

ByteVec list(std::initializer_list<int> values) {
    ByteVec bytes;
    for (const int value : values)
        bytes.push_back(static_cast<std::byte>(value));
    return bytes;
}

// The walk over a copy placed inside a larger buffer whose bytes around it look like a window
// scale option: a read outside the list would find one.
std::optional<std::uint8_t> walk_fenced(const ByteVec& options) {
    const ByteVec fence = list({3, 3, 9, 3, 3, 9, 3, 3});
    ByteVec buffer = fence;
    buffer.insert(buffer.end(), options.begin(), options.end());
    buffer.insert(buffer.end(), fence.begin(), fence.end());
    return find_window_scale(util::Bytes(buffer).subspan(fence.size(), options.size()));
}

// Where the value came from: a kind 3, length 3 option wholly inside the list.
bool value_is_inside(const ByteVec& options, std::uint8_t value) {
    for (std::size_t i = 0; i + 2 < options.size(); ++i)
        if (options[i] == std::byte{3} && options[i + 1] == std::byte{3} &&
            std::to_integer<std::uint8_t>(options[i + 2]) == value)
            return true;
    return false;
}

packet::DecodeResult decode_kept(packet::Decoder& decoder, ByteVec frame) {
    static std::deque<ByteVec> kept; // the payload view points into the frame
    kept.push_back(std::move(frame));
    return decoder.decode(raw_packet(capture::linktype::ethernet, kept.back()));
}

} // namespace

TEST_CASE("the window scale option is found among other options", "[packet][options]") {
    // Linux's SYN: MSS, SACK permitted, timestamps, NOP, window scale 7.
    const ByteVec linux_syn =
        list({2, 4, 0xff, 0xd7, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7});
    CHECK(find_window_scale(linux_syn) == std::optional<std::uint8_t>(7));
    CHECK(find_window_scale(list({1, 1, 1, 3, 3, 14})) == std::optional<std::uint8_t>(14));
    // Shifts above 14 are reported as sent; reassembly caps them.
    CHECK(find_window_scale(list({3, 3, 200})) == std::optional<std::uint8_t>(200));
    CHECK_FALSE(find_window_scale(list({2, 4, 5, 180})).has_value());
    CHECK_FALSE(find_window_scale({}).has_value());
}

TEST_CASE("malformed option lists end the walk without a value", "[packet][options]") {
    SECTION("end of list before the option") {
        CHECK_FALSE(walk_fenced(list({0, 3, 3, 7})).has_value());
    }
    SECTION("cut inside the window scale option") {
        CHECK_FALSE(walk_fenced(list({1, 3, 3})).has_value());
        CHECK_FALSE(walk_fenced(list({1, 1, 3})).has_value());
    }
    SECTION("an option whose length is 0 or 1") {
        CHECK_FALSE(walk_fenced(list({2, 0, 3, 3, 7})).has_value());
        CHECK_FALSE(walk_fenced(list({2, 1, 3, 3, 7})).has_value());
    }
    SECTION("an option running past the end of the header") {
        CHECK_FALSE(walk_fenced(list({8, 10, 0, 0, 0, 1})).has_value());
        CHECK_FALSE(walk_fenced(list({2, 255, 3, 3, 7})).has_value());
    }
    SECTION("a window scale option of the wrong length is skipped") {
        CHECK_FALSE(walk_fenced(list({3, 2})).has_value());
        CHECK_FALSE(walk_fenced(list({3, 4, 7, 0})).has_value());
        CHECK(walk_fenced(list({3, 4, 7, 0, 3, 3, 5})) == std::optional<std::uint8_t>(5));
    }
}

TEST_CASE("every short option list and random long ones are walked without reading outside",
          "[packet][options]") {
    // Kinds and lengths that matter (end, NOP, window scale, MSS, lengths 0..4, 255): every
    // list of up to 4 such bytes, then random bytes of every kind.
    const ByteVec alphabet = list({0, 1, 2, 3, 4, 7, 255});
    std::vector<ByteVec> lists{{}};
    for (std::size_t length = 1; length <= 4; ++length) {
        std::vector<ByteVec> longer;
        for (const auto& shorter : lists)
            if (shorter.size() == length - 1)
                for (const auto byte : alphabet) {
                    longer.push_back(shorter);
                    longer.back().push_back(byte);
                }
        lists.insert(lists.end(), longer.begin(), longer.end());
    }
    std::mt19937 random(19);
    for (int i = 0; i < 20000; ++i) {
        ByteVec bytes(random() % 41);
        for (auto& byte : bytes)
            byte = static_cast<std::byte>(random() % 6 == 0 ? 3 : random() % 256);
        lists.push_back(std::move(bytes));
    }
    for (const auto& options : lists) {
        const auto value = walk_fenced(options);
        INFO("list of " << options.size() << " bytes");
        if (value)
            CHECK(value_is_inside(options, *value));
        CHECK(walk_fenced(options) == find_window_scale(options));
    }
}

TEST_CASE("a SYN's window scale is decoded, other packets' options are not searched",
          "[packet][options]") {
    packet::Decoder decoder;
    TcpSpec spec;
    spec.flags = 0x02; // SYN
    spec.options = list({2, 4, 0x05, 0xb4, 1, 3, 3, 7});
    auto result = decode_kept(decoder, ethernet(0x0800, ipv4({}, tcp(spec, {}))));
    REQUIRE(result.status == DecodeStatus::ok);
    CHECK(result.packet.tcp.window_scale == std::optional<std::uint8_t>(7));

    spec.flags = 0x10; // ACK: the option means nothing outside a SYN
    result = decode_kept(decoder, ethernet(0x0800, ipv4({}, tcp(spec, bytes_of("data")))));
    REQUIRE(result.status == DecodeStatus::ok);
    CHECK_FALSE(result.packet.tcp.window_scale.has_value());
    CHECK(text_of(result.packet.payload) == "data");
}

TEST_CASE("a SYN with a malformed option list still decodes, without a window scale",
          "[packet][options]") {
    packet::Decoder decoder;
    TcpSpec spec;
    spec.flags = 0x12; // SYN+ACK
    // MSS declaring 40 bytes in a 12-byte option block; the payload starts after the block.
    spec.options = list({2, 40, 0x05, 0xb4, 3, 3, 7, 1, 1, 1, 1, 1});
    auto result = decode_kept(decoder, ethernet(0x0800, ipv4({}, tcp(spec, bytes_of("tfo")))));
    REQUIRE(result.status == DecodeStatus::ok);
    CHECK_FALSE(result.packet.tcp.window_scale.has_value());
    CHECK(text_of(result.packet.payload) == "tfo");

    spec.options = list({1, 1, 3, 4, 7}); // a window scale option of 4 bytes, then padding
    result = decode_kept(decoder, ethernet(0x0800, ipv4({}, tcp(spec, {}))));
    REQUIRE(result.status == DecodeStatus::ok);
    CHECK_FALSE(result.packet.tcp.window_scale.has_value());
}
