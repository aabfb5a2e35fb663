// IPv4/IPv6 and TCP/UDP: options, lengths, padding, snap length cuts, broken headers.

#include "packet/decoder.hpp"
#include "packet/frames.hpp"

#include <catch2/catch.hpp>
#include <deque>

using namespace sniff;
using namespace sniff::packet_test;
using packet::DecodeStatus;

namespace {

constexpr std::uint16_t k_ipv4 = 0x0800, k_ipv6 = 0x86DD;

// Decodes an Ethernet frame. The payload view points into the frame, so the frame is kept
// alive for the rest of the run (tests pass temporaries).
packet::DecodeResult decode_ethernet(packet::Decoder& decoder, ByteVec frame) {
    static std::deque<ByteVec> kept;
    kept.push_back(std::move(frame));
    return decoder.decode(raw_packet(capture::linktype::ethernet, kept.back()));
}

ByteVec cut(ByteVec frame, std::size_t keep) {
    frame.resize(keep);
    return frame;
}

ByteVec counting_payload(std::size_t size) {
    ByteVec payload;
    for (std::size_t i = 0; i < size; ++i)
        payload.push_back(static_cast<std::byte>('a' + i % 26));
    return payload;
}

} // namespace

TEST_CASE("IPv4 options are skipped", "[packet]") {
    packet::Decoder decoder;
    Ipv4Spec spec;
    // Record route (type 7, length 11, pointer 4, two empty slots) then end-of-list padding.
    spec.options = {std::byte{7}, std::byte{11}, std::byte{4}, std::byte{0},
                    std::byte{0}, std::byte{0},  std::byte{0}, std::byte{0},
                    std::byte{0}, std::byte{0},  std::byte{0}};
    TcpSpec tcp_spec;
    tcp_spec.seq = 77;
    const auto result =
        decode_ethernet(decoder, ethernet(k_ipv4, ipv4(spec, tcp(tcp_spec, bytes_of("after")))));
    REQUIRE(result.status == DecodeStatus::ok);
    CHECK(result.packet.source.port == 40000);
    CHECK(result.packet.tcp.seq == 77);
    CHECK(text_of(result.packet.payload) == "after");
}

TEST_CASE("TCP options are skipped and header fields read", "[packet]") {
    packet::Decoder decoder;
    TcpSpec spec;
    spec.seq = 0xFFFFFFF0;
    spec.ack = 5;
    spec.flags = model::tcp_flags::syn | model::tcp_flags::ack | model::tcp_flags::ece;
    spec.window = 65535;
    // MSS 1460, SACK permitted, timestamps, NOP, window scale 7: 20 bytes.
    Writer options;
    options.u8(2).u8(4).be16(1460).u8(4).u8(2).u8(8).u8(10).be32(1).be32(2).u8(1).u8(3).u8(3).u8(7);
    spec.options = options.take();
    const auto result =
        decode_ethernet(decoder, ethernet(k_ipv4, ipv4({}, tcp(spec, bytes_of("data!")))));
    REQUIRE(result.status == DecodeStatus::ok);
    CHECK(result.packet.tcp.seq == 0xFFFFFFF0);
    CHECK(result.packet.tcp.ack == 5);
    CHECK(result.packet.tcp.flags == 0x52);
    CHECK(result.packet.tcp.window == 65535);
    CHECK(text_of(result.packet.payload) == "data!");
}

TEST_CASE("Ethernet padding on a short frame is not payload", "[packet]") {
    packet::Decoder decoder;
    SECTION("TCP with one byte") {
        ByteVec frame = ethernet(k_ipv4, ipv4({}, tcp({}, bytes_of("x"))));
        REQUIRE(frame.size() == 14 + 20 + 20 + 1);
        frame.resize(60, std::byte{0xEE}); // minimum Ethernet frame without FCS
        const auto result = decode_ethernet(decoder, frame);
        REQUIRE(result.status == DecodeStatus::ok);
        CHECK(text_of(result.packet.payload) == "x");
        CHECK(result.packet.payload_missing == 0);
    }
    SECTION("empty TCP ACK") {
        ByteVec frame = ethernet(k_ipv4, ipv4({}, tcp({}, {})));
        frame.resize(60, std::byte{0xEE});
        const auto result = decode_ethernet(decoder, frame);
        REQUIRE(result.status == DecodeStatus::ok);
        CHECK(result.packet.payload.empty());
    }
    SECTION("UDP, and IPv6 payload length") {
        ByteVec frame4 = ethernet(k_ipv4, ipv4(udp_ipv4(), udp(1, 2, bytes_of("ab"))));
        frame4.resize(60, std::byte{0xEE});
        const auto result4 = decode_ethernet(decoder, frame4);
        REQUIRE(result4.status == DecodeStatus::ok);
        CHECK(text_of(result4.packet.payload) == "ab");

        ByteVec frame6 = ethernet(k_ipv6, ipv6(v6(1), v6(2), 6, tcp({}, bytes_of("six"))));
        frame6.resize(frame6.size() + 8, std::byte{0xEE});
        const auto result6 = decode_ethernet(decoder, frame6);
        REQUIRE(result6.status == DecodeStatus::ok);
        CHECK(text_of(result6.packet.payload) == "six");
    }
}

TEST_CASE("a frame cut by the snap length reports exactly the missing payload", "[packet]") {
    packet::Decoder decoder;
    const ByteVec payload = counting_payload(100);
    SECTION("IPv4 TCP") {
        const ByteVec full = ethernet(k_ipv4, ipv4({}, tcp({}, payload)));
        const auto result = decode_ethernet(decoder, cut(full, 14 + 20 + 20 + 30));
        REQUIRE(result.status == DecodeStatus::ok);
        CHECK(text_of(result.packet.payload) == "abcdefghijklmnopqrstuvwxyzabcd");
        CHECK(result.packet.payload_missing == 70);
    }
    SECTION("IPv4 TCP cut right after the header") {
        const ByteVec full = ethernet(k_ipv4, ipv4({}, tcp({}, payload)));
        const auto result = decode_ethernet(decoder, cut(full, 14 + 20 + 20));
        REQUIRE(result.status == DecodeStatus::ok);
        CHECK(result.packet.payload.empty());
        CHECK(result.packet.payload_missing == 100);
    }
    SECTION("IPv4 UDP") {
        const ByteVec full = ethernet(k_ipv4, ipv4(udp_ipv4(), udp(1000, 2000, payload)));
        const auto result = decode_ethernet(decoder, cut(full, 14 + 20 + 8 + 10));
        REQUIRE(result.status == DecodeStatus::ok);
        CHECK(text_of(result.packet.payload) == "abcdefghij");
        CHECK(result.packet.payload_missing == 90);
    }
    SECTION("IPv6 TCP behind a destination options header") {
        const ByteVec rest = concat(ipv6_option_header(6, {}), tcp({}, payload));
        const ByteVec full = ethernet(k_ipv6, ipv6(v6(1), v6(2), 60, rest));
        const auto result = decode_ethernet(decoder, cut(full, 14 + 40 + 8 + 20 + 26));
        REQUIRE(result.status == DecodeStatus::ok);
        CHECK(text_of(result.packet.payload) == "abcdefghijklmnopqrstuvwxyz");
        CHECK(result.packet.payload_missing == 74);
    }
}

TEST_CASE("a transport header cut short is truncated", "[packet]") {
    packet::Decoder decoder;
    const ByteVec payload = counting_payload(40);
    SECTION("TCP fixed header") {
        const ByteVec full = ethernet(k_ipv4, ipv4({}, tcp({}, payload)));
        CHECK(decode_ethernet(decoder, cut(full, 14 + 20 + 12)).status == DecodeStatus::truncated);
    }
    SECTION("TCP options") {
        TcpSpec spec;
        spec.options = ByteVec(12, std::byte{1});
        const ByteVec full = ethernet(k_ipv4, ipv4({}, tcp(spec, payload)));
        CHECK(decode_ethernet(decoder, cut(full, 14 + 20 + 24)).status == DecodeStatus::truncated);
    }
    SECTION("UDP header") {
        const ByteVec full = ethernet(k_ipv4, ipv4(udp_ipv4(), udp(1, 2, payload)));
        CHECK(decode_ethernet(decoder, cut(full, 14 + 20 + 5)).status == DecodeStatus::truncated);
    }
    SECTION("IPv4 header") {
        const ByteVec full = ethernet(k_ipv4, ipv4({}, tcp({}, payload)));
        CHECK(decode_ethernet(decoder, cut(full, 14 + 19)).status == DecodeStatus::truncated);
    }
    SECTION("IPv6 header") {
        const ByteVec full = ethernet(k_ipv6, ipv6(v6(1), v6(2), 6, tcp({}, payload)));
        CHECK(decode_ethernet(decoder, cut(full, 14 + 39)).status == DecodeStatus::truncated);
    }
    SECTION("IPv6 extension header") {
        const ByteVec rest = concat(ipv6_option_header(6, ByteVec(12, std::byte{1})), payload);
        const ByteVec full = ethernet(k_ipv6, ipv6(v6(1), v6(2), 0, rest));
        CHECK(decode_ethernet(decoder, cut(full, 14 + 40 + 10)).status == DecodeStatus::truncated);
    }
}

TEST_CASE("impossible IPv4 header values are malformed", "[packet]") {
    packet::Decoder decoder;
    const ByteVec segment = tcp({}, bytes_of("payload"));
    Ipv4Spec spec;
    SECTION("IHL below 5") {
        spec.ihl_words = 4;
        const auto result = decode_ethernet(decoder, ethernet(k_ipv4, ipv4(spec, segment)));
        CHECK(result.status == DecodeStatus::malformed);
        CHECK_THAT(result.detail, Catch::Contains("16"));
    }
    SECTION("total length below the header length") {
        spec.options = ByteVec(4, std::byte{1});
        spec.total_length = 22;
        CHECK(decode_ethernet(decoder, ethernet(k_ipv4, ipv4(spec, segment))).status ==
              DecodeStatus::malformed);
    }
    SECTION("IPv6 version in an IPv4 EtherType") {
        const ByteVec frame = ethernet(k_ipv4, ipv6(v6(1), v6(2), 6, segment));
        CHECK(decode_ethernet(decoder, frame).status == DecodeStatus::malformed);
    }
    SECTION("IHL larger than the frame is a cut header") {
        spec.ihl_words = 15;
        const ByteVec frame = cut(ethernet(k_ipv4, ipv4(spec, {})), 14 + 40);
        CHECK(decode_ethernet(decoder, frame).status == DecodeStatus::truncated);
    }
}

TEST_CASE("total length 0 (segmentation offload) falls back to the frame", "[packet]") {
    packet::Decoder decoder;
    Ipv4Spec spec;
    spec.total_length = 0;
    const auto result =
        decode_ethernet(decoder, ethernet(k_ipv4, ipv4(spec, tcp({}, bytes_of("big send")))));
    REQUIRE(result.status == DecodeStatus::ok);
    CHECK(text_of(result.packet.payload) == "big send");
    CHECK(result.packet.payload_missing == 0);
}

TEST_CASE("impossible transport header values are malformed", "[packet]") {
    packet::Decoder decoder;
    SECTION("TCP data offset below 5") {
        TcpSpec spec;
        spec.data_offset_words = 4;
        CHECK(decode_ethernet(decoder, ethernet(k_ipv4, ipv4({}, tcp(spec, bytes_of("abcd")))))
                  .status == DecodeStatus::malformed);
    }
    SECTION("TCP data offset past the IP total length") {
        TcpSpec spec;
        spec.data_offset_words = 15; // 60 bytes, but the segment is 24
        CHECK(decode_ethernet(decoder, ethernet(k_ipv4, ipv4({}, tcp(spec, bytes_of("abcd")))))
                  .status == DecodeStatus::malformed);
    }
    SECTION("UDP length beyond the IP payload") {
        const ByteVec datagram = udp(1, 2, bytes_of("abcd"), 13);
        CHECK(decode_ethernet(decoder, ethernet(k_ipv4, ipv4(udp_ipv4(), datagram))).status ==
              DecodeStatus::malformed);
    }
    SECTION("UDP length below its header") {
        const ByteVec datagram = udp(1, 2, bytes_of("abcd"), 7);
        CHECK(decode_ethernet(decoder, ethernet(k_ipv4, ipv4(udp_ipv4(), datagram))).status ==
              DecodeStatus::malformed);
    }
}

TEST_CASE("the UDP length ends the payload inside a longer IP payload", "[packet]") {
    packet::Decoder decoder;
    const ByteVec datagram = udp(1, 2, bytes_of("abcdef"), 8 + 4);
    const auto result = decode_ethernet(decoder, ethernet(k_ipv4, ipv4(udp_ipv4(), datagram)));
    REQUIRE(result.status == DecodeStatus::ok);
    CHECK(text_of(result.packet.payload) == "abcd");
    CHECK(result.packet.payload_missing == 0);
}

TEST_CASE("IPv6 extension headers are walked to the transport header", "[packet]") {
    packet::Decoder decoder;
    TcpSpec spec;
    spec.seq = 4242;
    const ByteVec segment = tcp(spec, bytes_of("v6 data"));
    SECTION("hop-by-hop then destination options") {
        // Hop-by-hop with a router alert option (type 5, length 2), destination options with a
        // PadN option of 12 bytes: 8 and 16 bytes long.
        const ByteVec hop =
            ipv6_option_header(60, {std::byte{5}, std::byte{2}, std::byte{0}, std::byte{0}});
        ByteVec pad_n{std::byte{1}, std::byte{12}};
        pad_n.resize(14, std::byte{0});
        const ByteVec destination = ipv6_option_header(6, pad_n);
        REQUIRE(hop.size() == 8);
        REQUIRE(destination.size() == 16);
        const ByteVec rest = concat(concat(hop, destination), segment);
        const auto result = decode_ethernet(decoder, ethernet(k_ipv6, ipv6(v6(1), v6(2), 0, rest)));
        REQUIRE(result.status == DecodeStatus::ok);
        CHECK(result.packet.source.to_string() == "[2001:db8::1]:40000");
        CHECK(result.packet.destination.to_string() == "[2001:db8::2]:80");
        CHECK(result.packet.tcp.seq == 4242);
        CHECK(text_of(result.packet.payload) == "v6 data");
    }
    SECTION("routing header then AH") {
        const ByteVec routing = ipv6_option_header(51, ByteVec(6, std::byte{0}));
        // AH: next, payload length in 4-byte units minus 2 (4 → 24 bytes), reserved, SPI,
        // sequence, 12 bytes ICV.
        Writer ah;
        ah.u8(6).u8(4).be16(0).be32(0x100).be32(1).zeros(12);
        const ByteVec rest = concat(concat(routing, ah.take()), segment);
        const auto result =
            decode_ethernet(decoder, ethernet(k_ipv6, ipv6(v6(1), v6(2), 43, rest)));
        REQUIRE(result.status == DecodeStatus::ok);
        CHECK(text_of(result.packet.payload) == "v6 data");
    }
    SECTION("an atomic fragment header is a whole datagram") {
        const ByteVec rest = concat(ipv6_fragment_header(6, 0, false, 99), segment);
        const auto result =
            decode_ethernet(decoder, ethernet(k_ipv6, ipv6(v6(1), v6(2), 44, rest)));
        REQUIRE(result.status == DecodeStatus::ok);
        CHECK(text_of(result.packet.payload) == "v6 data");
    }
    SECTION("ESP and no-next-header are not transport") {
        const ByteVec esp = ethernet(k_ipv6, ipv6(v6(1), v6(2), 50, ByteVec(32, std::byte{9})));
        CHECK(decode_ethernet(decoder, esp).status == DecodeStatus::not_transport);
        const ByteVec none = ethernet(k_ipv6, ipv6(v6(1), v6(2), 59, {}));
        CHECK(decode_ethernet(decoder, none).status == DecodeStatus::not_transport);
        const ByteVec hop_then_none =
            ethernet(k_ipv6, ipv6(v6(1), v6(2), 0, ipv6_option_header(59, {})));
        CHECK(decode_ethernet(decoder, hop_then_none).status == DecodeStatus::not_transport);
    }
    SECTION("an extension header longer than the payload length is malformed") {
        const ByteVec hop = ipv6_option_header(6, ByteVec(6, std::byte{0}));
        const ByteVec frame = ethernet(k_ipv6, ipv6(v6(1), v6(2), 0, concat(hop, segment), 4));
        CHECK(decode_ethernet(decoder, frame).status == DecodeStatus::malformed);
    }
    SECTION("a chain of extension headers is bounded") {
        ByteVec rest;
        for (int i = 0; i < 40; ++i)
            rest = concat(rest, ipv6_option_header(60, {}));
        const ByteVec frame = ethernet(k_ipv6, ipv6(v6(1), v6(2), 60, rest));
        CHECK(decode_ethernet(decoder, frame).status == DecodeStatus::malformed);
    }
}
