// IPv4 and IPv6 fragment reassembly: order, overlap (first copy wins), expiry, memory cap.

#include "packet/decoder.hpp"
#include "packet/frames.hpp"

#include <catch2/catch.hpp>

using namespace sniff;
using namespace sniff::packet_test;
using packet::DecodeStatus;

namespace {

constexpr std::uint16_t k_ipv4 = 0x0800, k_ipv6 = 0x86DD;
constexpr model::Timestamp k_second = 1'000'000'000;

struct Piece {
    std::size_t offset; // bytes, a multiple of 8
    std::size_t length;
};

ByteVec slice(const ByteVec& bytes, Piece piece) {
    return ByteVec(bytes.begin() + static_cast<std::ptrdiff_t>(piece.offset),
                   bytes.begin() + static_cast<std::ptrdiff_t>(piece.offset + piece.length));
}

// Ethernet frames carrying the given pieces of an IPv4 payload as fragments.
ByteVec ipv4_fragment(Ipv4Spec spec, const ByteVec& ip_payload, Piece piece) {
    spec.fragment_offset_units = static_cast<unsigned>(piece.offset / 8);
    spec.more_fragments = piece.offset + piece.length < ip_payload.size();
    return ethernet(k_ipv4, ipv4(spec, slice(ip_payload, piece)));
}

// An IPv6 fragment behind a hop-by-hop header (part of the unfragmentable part).
ByteVec ipv6_fragment(std::uint8_t next_header, std::uint32_t id, const ByteVec& fragmentable,
                      Piece piece) {
    const bool more = piece.offset + piece.length < fragmentable.size();
    const ByteVec rest =
        concat(concat(ipv6_option_header(44, {}),
                      ipv6_fragment_header(next_header, static_cast<unsigned>(piece.offset / 8),
                                           more, id)),
               slice(fragmentable, piece));
    return ethernet(k_ipv6, ipv6(v6(1), v6(2), 0, rest));
}

ByteVec letters(std::size_t size, char first = 'A') {
    ByteVec out;
    for (std::size_t i = 0; i < size; ++i)
        out.push_back(static_cast<std::byte>(first + static_cast<char>(i % 26)));
    return out;
}

struct Harness {
    explicit Harness(packet::DecoderConfig config = {}) : decoder(config) {
        decoder.on_anomaly = [this](const model::Anomaly& anomaly) {
            anomalies.push_back(anomaly);
        };
    }
    packet::DecodeResult feed(const ByteVec& frame, std::uint64_t number = 1,
                              model::Timestamp time = 0) {
        frames.push_back(frame); // the payload view may point into the frame
        return decoder.decode(raw_packet(capture::linktype::ethernet, frames.back(), number, time));
    }

    packet::Decoder decoder;
    std::vector<model::Anomaly> anomalies;
    std::vector<ByteVec> frames;
};

} // namespace

TEST_CASE("IPv4 fragments are reassembled in any order", "[packet]") {
    TcpSpec tcp_spec;
    tcp_spec.seq = 555;
    const ByteVec segment = tcp(tcp_spec, letters(40)); // 60 bytes of IP payload
    const std::vector<Piece> pieces = {{0, 24}, {24, 24}, {48, 12}};
    std::vector<std::size_t> order = {0, 1, 2};
    SECTION("in order") {}
    SECTION("reversed") {
        order = {2, 1, 0};
    }
    SECTION("middle last") {
        order = {0, 2, 1};
    }

    Harness h;
    for (std::size_t i = 0; i < order.size(); ++i) {
        const auto result = h.feed(ipv4_fragment({}, segment, pieces[order[i]]), i + 1);
        if (i + 1 < order.size()) {
            CHECK(result.status == DecodeStatus::fragment_held);
            continue;
        }
        REQUIRE(result.status == DecodeStatus::ok);
        CHECK(result.packet.source.to_string() == "192.168.1.10:40000");
        CHECK(result.packet.destination.to_string() == "10.0.0.2:80");
        CHECK(result.packet.tcp.seq == 555);
        CHECK(text_of(result.packet.payload) == "ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJKLMN");
        CHECK(result.packet.payload_missing == 0);
    }
    CHECK(h.anomalies.empty());
}

TEST_CASE("overlapping IPv4 fragments keep the first copy and report it", "[packet]") {
    const ByteVec segment = tcp({}, letters(40)); // payload at IP payload offset 20
    // The overlap [16, 24) covers TCP header bytes 16..19 and payload bytes 0..3.
    ByteVec forged = segment;
    for (std::size_t i = 20; i < 24; ++i)
        forged[i] = std::byte{'x'};
    Harness h;
    SECTION("original first") {
        CHECK(h.feed(ipv4_fragment({}, segment, {0, 24})).status == DecodeStatus::fragment_held);
        CHECK(h.feed(ipv4_fragment({}, forged, {16, 24})).status == DecodeStatus::fragment_held);
        const auto result = h.feed(ipv4_fragment({}, segment, {40, 20}), 3);
        REQUIRE(result.status == DecodeStatus::ok);
        CHECK(text_of(result.packet.payload) == "ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJKLMN");
    }
    SECTION("forged copy first") {
        CHECK(h.feed(ipv4_fragment({}, forged, {16, 24})).status == DecodeStatus::fragment_held);
        CHECK(h.feed(ipv4_fragment({}, segment, {0, 24})).status == DecodeStatus::fragment_held);
        const auto result = h.feed(ipv4_fragment({}, segment, {40, 20}), 3);
        REQUIRE(result.status == DecodeStatus::ok);
        CHECK(text_of(result.packet.payload) == "xxxxEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJKLMN");
    }
    REQUIRE(h.anomalies.size() == 1);
    CHECK(h.anomalies[0].kind == model::AnomalyKind::fragment_overlap);
    CHECK(h.anomalies[0].frame == 1);
    CHECK_THAT(h.anomalies[0].detail, Catch::Contains("0x1234"));
    CHECK_THAT(h.anomalies[0].detail, Catch::Contains("different bytes"));
}

TEST_CASE("a duplicated IPv4 fragment is reported as a repeat", "[packet]") {
    const ByteVec segment = tcp({}, letters(40));
    Harness h;
    CHECK(h.feed(ipv4_fragment({}, segment, {0, 24}), 1).status == DecodeStatus::fragment_held);
    CHECK(h.feed(ipv4_fragment({}, segment, {0, 24}), 2).status == DecodeStatus::fragment_held);
    const auto result = h.feed(ipv4_fragment({}, segment, {24, 36}), 3);
    REQUIRE(result.status == DecodeStatus::ok);
    CHECK(text_of(result.packet.payload) == "ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJKLMN");
    REQUIRE(h.anomalies.size() == 1);
    CHECK(h.anomalies[0].kind == model::AnomalyKind::fragment_overlap);
    CHECK(h.anomalies[0].frame == 2);
    CHECK_THAT(h.anomalies[0].detail, Catch::Contains("repeats"));
}

TEST_CASE("fragments disagreeing about the datagram end are malformed", "[packet]") {
    const ByteVec segment = tcp({}, letters(40)); // 60 bytes
    Harness h;
    CHECK(h.feed(ipv4_fragment({}, segment, {48, 12})).status == DecodeStatus::fragment_held);
    // A fragment reaching past the end the last fragment fixed.
    Ipv4Spec past;
    past.more_fragments = true;
    past.fragment_offset_units = 6;
    CHECK(h.feed(ethernet(k_ipv4, ipv4(past, letters(16)))).status == DecodeStatus::malformed);
    // The datagram still completes from consistent fragments.
    CHECK(h.feed(ipv4_fragment({}, segment, {0, 48})).status == DecodeStatus::ok);
}

TEST_CASE("an incomplete IPv4 datagram expires with an anomaly", "[packet]") {
    packet::DecoderConfig config;
    config.fragment_timeout = 30 * k_second;
    Harness h(config);
    const ByteVec segment = tcp({}, letters(40));
    const model::Timestamp start = 1000 * k_second;
    CHECK(h.feed(ipv4_fragment({}, segment, {0, 24}), 7, start).status ==
          DecodeStatus::fragment_held);
    CHECK(h.feed(ipv4_fragment({}, segment, {48, 12}), 8, start + k_second).status ==
          DecodeStatus::fragment_held);

    h.decoder.expire(start + 30 * k_second);
    CHECK(h.anomalies.empty()); // exactly the timeout is not older than it

    h.decoder.expire(start + 31 * k_second);
    REQUIRE(h.anomalies.size() == 1);
    CHECK(h.anomalies[0].kind == model::AnomalyKind::fragment_incomplete);
    CHECK(h.anomalies[0].frame == 7);
    CHECK_THAT(h.anomalies[0].detail, Catch::Contains("36 of 60"));

    // The set is gone: the missing middle now starts a new datagram instead of completing it.
    CHECK(h.feed(ipv4_fragment({}, segment, {24, 24}), 9, start + 32 * k_second).status ==
          DecodeStatus::fragment_held);
    h.decoder.expire(start + 100 * k_second);
    CHECK(h.anomalies.size() == 2);
}

TEST_CASE("datagrams with different ids or addresses are kept apart", "[packet]") {
    Harness h;
    const ByteVec first = tcp({}, letters(40, 'a'));
    const ByteVec second = tcp({}, letters(40, 'A'));
    Ipv4Spec other;
    other.id = 0x9999;
    Ipv4Spec other_source;
    other_source.source = {192, 168, 1, 11};
    CHECK(h.feed(ipv4_fragment({}, first, {0, 32})).status == DecodeStatus::fragment_held);
    CHECK(h.feed(ipv4_fragment(other, second, {0, 32})).status == DecodeStatus::fragment_held);
    CHECK(h.feed(ipv4_fragment(other_source, second, {32, 28})).status ==
          DecodeStatus::fragment_held);
    const auto done_other = h.feed(ipv4_fragment(other, second, {32, 28}));
    REQUIRE(done_other.status == DecodeStatus::ok);
    CHECK(text_of(done_other.packet.payload) == "ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJKLMN");
    const auto done_first = h.feed(ipv4_fragment({}, first, {32, 28}));
    REQUIRE(done_first.status == DecodeStatus::ok);
    CHECK(text_of(done_first.packet.payload) == "abcdefghijklmnopqrstuvwxyzabcdefghijklmn");
    CHECK(h.anomalies.empty());
}

TEST_CASE("fragment memory is capped by dropping the oldest datagram", "[packet]") {
    packet::DecoderConfig config;
    config.max_fragment_bytes = 4096;
    Harness h(config);
    const ByteVec big = tcp({}, letters(2700)); // 2720 bytes of IP payload
    Ipv4Spec a, b;
    a.id = 0xA;
    b.id = 0xB;
    CHECK(h.feed(ipv4_fragment(a, big, {0, 1200}), 1).status == DecodeStatus::fragment_held);
    CHECK(h.feed(ipv4_fragment(b, big, {0, 1200}), 2).status == DecodeStatus::fragment_held);
    CHECK(h.anomalies.empty());
    // B now spans 2400 bytes: with A's 1200 the buffers alone reach 3600, bookkeeping of two
    // sets pushes them past 4096.
    CHECK(h.feed(ipv4_fragment(b, big, {1200, 1200}), 3).status == DecodeStatus::fragment_held);
    REQUIRE(h.anomalies.size() == 1);
    CHECK(h.anomalies[0].kind == model::AnomalyKind::memory_cap);
    CHECK(h.anomalies[0].frame == 1);
    CHECK_THAT(h.anomalies[0].detail, Catch::Contains("id 0xa"));
    const auto done = h.feed(ipv4_fragment(b, big, {2400, 320}), 4);
    REQUIRE(done.status == DecodeStatus::ok);
    CHECK(done.packet.payload.size() == 2700);

    SECTION("a single datagram larger than the cap is dropped itself") {
        const ByteVec huge = tcp({}, letters(6000));
        Ipv4Spec c;
        c.id = 0xC;
        CHECK(h.feed(ipv4_fragment(c, huge, {4800, 1220}), 5).status ==
              DecodeStatus::fragment_held);
        REQUIRE(h.anomalies.size() == 2);
        CHECK(h.anomalies[1].kind == model::AnomalyKind::memory_cap);
        CHECK_THAT(h.anomalies[1].detail, Catch::Contains("id 0xc"));
    }
}

TEST_CASE("a fragment claiming to end past 65535 bytes is malformed", "[packet]") {
    Harness h;
    Ipv4Spec spec;
    spec.more_fragments = true;
    spec.fragment_offset_units = 8189; // 65512 + 32 bytes > 65535
    const auto result = h.feed(ethernet(k_ipv4, ipv4(spec, letters(32))));
    CHECK(result.status == DecodeStatus::malformed);
}

TEST_CASE("a fragment cut by the snap length is truncated", "[packet]") {
    Harness h;
    const ByteVec segment = tcp({}, letters(40));
    ByteVec frame = ipv4_fragment({}, segment, {0, 32});
    frame.erase(frame.end() - 4, frame.end());
    CHECK(h.feed(frame).status == DecodeStatus::truncated);
}

TEST_CASE("fragments of non-transport protocols are not held", "[packet]") {
    Harness h;
    Ipv4Spec icmp;
    icmp.protocol = 1;
    icmp.more_fragments = true;
    CHECK(h.feed(ethernet(k_ipv4, ipv4(icmp, letters(64)))).status == DecodeStatus::not_transport);
}

TEST_CASE("IPv6 fragments are reassembled", "[packet]") {
    Harness h;
    SECTION("UDP, reversed order") {
        const ByteVec datagram = udp(5000, 6000, letters(30)); // 38 bytes
        CHECK(h.feed(ipv6_fragment(17, 77, datagram, {32, 6})).status ==
              DecodeStatus::fragment_held);
        CHECK(h.feed(ipv6_fragment(17, 77, datagram, {16, 16})).status ==
              DecodeStatus::fragment_held);
        const auto result = h.feed(ipv6_fragment(17, 77, datagram, {0, 16}));
        REQUIRE(result.status == DecodeStatus::ok);
        CHECK(result.packet.protocol == model::Protocol::udp);
        CHECK(result.packet.source.to_string() == "[2001:db8::1]:5000");
        CHECK(result.packet.destination.to_string() == "[2001:db8::2]:6000");
        CHECK(text_of(result.packet.payload) == "ABCDEFGHIJKLMNOPQRSTUVWXYZABCD");
    }
    SECTION("TCP behind a destination options header inside the fragmentable part") {
        TcpSpec spec;
        spec.seq = 31337;
        const ByteVec fragmentable =
            concat(ipv6_option_header(6, {}), tcp(spec, letters(20))); // 8 + 40 bytes
        CHECK(h.feed(ipv6_fragment(60, 5, fragmentable, {0, 24})).status ==
              DecodeStatus::fragment_held);
        const auto result = h.feed(ipv6_fragment(60, 5, fragmentable, {24, 24}));
        REQUIRE(result.status == DecodeStatus::ok);
        CHECK(result.packet.protocol == model::Protocol::tcp);
        CHECK(result.packet.tcp.seq == 31337);
        CHECK(text_of(result.packet.payload) == "ABCDEFGHIJKLMNOPQRST");
    }
    SECTION("overlap keeps the first copy") {
        const ByteVec datagram = udp(1, 2, letters(24)); // 32 bytes
        ByteVec forged = datagram;
        forged[8] = std::byte{'!'};
        CHECK(h.feed(ipv6_fragment(17, 9, datagram, {0, 16})).status ==
              DecodeStatus::fragment_held);
        CHECK(h.feed(ipv6_fragment(17, 9, forged, {8, 16})).status == DecodeStatus::fragment_held);
        const auto result = h.feed(ipv6_fragment(17, 9, datagram, {24, 8}));
        REQUIRE(result.status == DecodeStatus::ok);
        CHECK(text_of(result.packet.payload) == "ABCDEFGHIJKLMNOPQRSTUVWX");
        REQUIRE(h.anomalies.size() == 1);
        CHECK(h.anomalies[0].kind == model::AnomalyKind::fragment_overlap);
    }
}

TEST_CASE("a non-final fragment off the 8-byte grid is malformed", "[packet]") {
    Harness h;
    const ByteVec datagram = udp(1, 2, letters(30));
    CHECK(h.feed(ipv6_fragment(17, 1, datagram, {0, 12})).status == DecodeStatus::malformed);
}
