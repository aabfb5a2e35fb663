// The bytes remembered for overlap checks: views of stable bytes and copies of others, compared
// and copied out across pieces of both kinds, forgotten after a gap, bounded in pieces and bytes.

#include "reassembly/reassembly_fixture.hpp"
#include "reassembly/recent_bytes.hpp"

#include <catch2/catch.hpp>

using namespace sniff;
using reassembly::RecentBytes;
using reassembly::test::bytes_of;

TEST_CASE("remembered bytes compare across stable views and copies", "[reassembly][recent]") {
    const std::string stable_text = "hello ";
    std::string unstable_text = "world";
    RecentBytes recent;
    recent.append(100, bytes_of(stable_text), true);
    recent.append(106, bytes_of(unstable_text), false);
    unstable_text = "XXXXX"; // a live capture's buffer is reused after the call
    CHECK(recent.begin() == 100);
    CHECK(recent.end() == 111);
    CHECK_FALSE(recent.first_difference(100, bytes_of("hello world")).has_value());
    CHECK(recent.first_difference(103, bytes_of("lo wOrld")) == std::optional<std::uint64_t>(107));
    CHECK(recent.first_difference(98, bytes_of("??hellX")) == std::optional<std::uint64_t>(104));

    std::array<std::byte, 8> out{};
    REQUIRE(recent.copy_out(104, out) == 7);
    CHECK(std::string(reinterpret_cast<const char*>(out.data()), 7) == "o world");
}

TEST_CASE("a gap makes the remembered bytes before it forgotten", "[reassembly][recent]") {
    const std::string text = "abcdef";
    RecentBytes recent;
    recent.append(0, bytes_of(text), true);
    recent.append(10, bytes_of(text), false); // offsets 6..10 were a gap
    CHECK(recent.begin() == 10);
    CHECK_FALSE(recent.first_difference(0, bytes_of("XXXXXX")).has_value());
    CHECK(recent.first_difference(10, bytes_of("abcXef")) == std::optional<std::uint64_t>(13));
}

TEST_CASE("remembered deliveries stay bounded in number and copied bytes", "[reassembly][recent]") {
    const std::string piece(100, 'p');
    RecentBytes recent;
    std::uint64_t offset = 0;
    SECTION("views") {
        for (int i = 0; i < 10'000; ++i, offset += piece.size())
            recent.append(offset, bytes_of(piece), true);
        CHECK(recent.end() - recent.begin() <= 2 * RecentBytes::k_max_pieces * piece.size());
        CHECK(recent.end() - recent.begin() >= RecentBytes::k_max_pieces * piece.size());
    }
    SECTION("small copies: bounded in number") {
        for (int i = 0; i < 10'000; ++i, offset += piece.size())
            recent.append(offset, bytes_of(piece), false);
        CHECK(recent.end() - recent.begin() <= 2 * RecentBytes::k_max_pieces * piece.size());
    }
    SECTION("large copies: bounded in bytes") {
        const std::string large(1000, 'l');
        for (int i = 0; i < 1'000; ++i, offset += large.size())
            recent.append(offset, bytes_of(large), false);
        CHECK(recent.end() - recent.begin() <= RecentBytes::k_capacity);
        CHECK(recent.end() - recent.begin() >= RecentBytes::k_capacity - large.size());
    }
    SECTION("one delivery larger than the capacity keeps its tail") {
        const std::string big(3 * RecentBytes::k_capacity, 'b');
        recent.append(0, bytes_of(big), false);
        CHECK(recent.begin() == 2 * RecentBytes::k_capacity);
        CHECK(recent.end() == big.size());
    }
    CHECK(recent.end() == offset + (offset == 0 ? 3 * RecentBytes::k_capacity : 0));
}

TEST_CASE("a retransmission differing from bytes delivered from a stable capture is a conflict",
          "[reassembly][recent]") {
    using namespace sniff::reassembly::test;
    Harness h;
    Connection c;
    h.handshake(c);
    const std::string first = "GET /a HTTP/1.0\r\n"; // lives as long as the test: stable
    auto packet = c.data(c2s, 0, first);
    packet.payload_stable = true;
    h.feed(packet);
    h.feed(c.data(c2s, 4, "/b"));
    const auto* conflict = h.sink.first(model::AnomalyKind::overlap_conflict);
    REQUIRE(conflict != nullptr);
    CHECK(conflict->offset == 5);
    CHECK(conflict->detail.find("kept \"a\", dropped \"b\"") != std::string::npos);
    CHECK(h.sink.flow(1).of(c2s).bytes == first);
}
