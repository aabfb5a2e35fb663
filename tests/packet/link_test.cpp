// Link layers: every supported link type delivers the same TCP packet; unknown ones are named.

#include "packet/decoder.hpp"
#include "packet/frames.hpp"

#include <catch2/catch.hpp>

using namespace sniff;
using namespace sniff::packet_test;

namespace {

constexpr std::uint16_t k_ipv4 = 0x0800, k_ipv6 = 0x86DD;

ByteVec sample_ipv4_tcp() {
    TcpSpec spec;
    spec.seq = 0x01020304;
    spec.ack = 0xA0B0C0D0;
    spec.flags = 0x18;
    spec.window = 0x7210;
    return ipv4({}, tcp(spec, bytes_of("hello")));
}

ByteVec sample_ipv6_udp() {
    return ipv6(v6(1), v6(2), 17, udp(5353, 53, bytes_of("query")));
}

void require_sample_ipv4_tcp(const packet::DecodeResult& result) {
    REQUIRE(result.status == packet::DecodeStatus::ok);
    CHECK(result.packet.protocol == model::Protocol::tcp);
    CHECK(result.packet.source.to_string() == "192.168.1.10:40000");
    CHECK(result.packet.destination.to_string() == "10.0.0.2:80");
    CHECK(result.packet.tcp.seq == 0x01020304);
    CHECK(result.packet.tcp.ack == 0xA0B0C0D0);
    CHECK(result.packet.tcp.flags == (model::tcp_flags::psh | model::tcp_flags::ack));
    CHECK(result.packet.tcp.window == 0x7210);
    CHECK(text_of(result.packet.payload) == "hello");
    CHECK(result.packet.payload_missing == 0);
}

void require_sample_ipv6_udp(const packet::DecodeResult& result) {
    REQUIRE(result.status == packet::DecodeStatus::ok);
    CHECK(result.packet.protocol == model::Protocol::udp);
    CHECK(result.packet.source.to_string() == "[2001:db8::1]:5353");
    CHECK(result.packet.destination.to_string() == "[2001:db8::2]:53");
    CHECK(text_of(result.packet.payload) == "query");
}

} // namespace

TEST_CASE("every supported link type yields the IPv4 TCP packet it carries", "[packet]") {
    packet::Decoder decoder;
    const ByteVec ip = sample_ipv4_tcp();
    struct Case {
        const char* name;
        std::uint32_t link_type;
        ByteVec frame;
    };
    const std::vector<Case> cases = {
        {"ethernet", capture::linktype::ethernet, ethernet(k_ipv4, ip)},
        {"linux sll", capture::linktype::linux_sll, sll(k_ipv4, ip)},
        {"linux sll2", capture::linktype::linux_sll2, sll2(k_ipv4, ip)},
        {"null little-endian", capture::linktype::null, bsd_family(2, true, ip)},
        {"null big-endian", capture::linktype::null, bsd_family(2, false, ip)},
        {"loop", capture::linktype::loop, bsd_family(2, false, ip)},
        {"raw", capture::linktype::raw, ip},
        {"ipv4", capture::linktype::ipv4, ip},
    };
    for (const auto& c : cases) {
        INFO(c.name);
        require_sample_ipv4_tcp(decoder.decode(raw_packet(c.link_type, c.frame)));
    }
}

TEST_CASE("every supported link type yields the IPv6 UDP packet it carries", "[packet]") {
    packet::Decoder decoder;
    const ByteVec ip = sample_ipv6_udp();
    struct Case {
        const char* name;
        std::uint32_t link_type;
        ByteVec frame;
    };
    const std::vector<Case> cases = {
        {"ethernet", capture::linktype::ethernet, ethernet(k_ipv6, ip)},
        {"linux sll", capture::linktype::linux_sll, sll(k_ipv6, ip)},
        {"linux sll2", capture::linktype::linux_sll2, sll2(k_ipv6, ip)},
        {"null AF_INET6 24 little-endian", capture::linktype::null, bsd_family(24, true, ip)},
        {"null AF_INET6 28 big-endian", capture::linktype::null, bsd_family(28, false, ip)},
        {"null AF_INET6 30 little-endian", capture::linktype::null, bsd_family(30, true, ip)},
        {"loop AF_INET6 30", capture::linktype::loop, bsd_family(30, false, ip)},
        {"raw", capture::linktype::raw, ip},
        {"ipv6", capture::linktype::ipv6, ip},
    };
    for (const auto& c : cases) {
        INFO(c.name);
        require_sample_ipv6_udp(decoder.decode(raw_packet(c.link_type, c.frame)));
    }
}

TEST_CASE("LOOP reads the family big-endian only", "[packet]") {
    packet::Decoder decoder;
    const ByteVec frame = bsd_family(2, true, sample_ipv4_tcp());
    CHECK(decoder.decode(raw_packet(capture::linktype::loop, frame)).status ==
          packet::DecodeStatus::not_transport);
}

TEST_CASE("802.1Q and QinQ tags of any kind are skipped", "[packet]") {
    packet::Decoder decoder;
    const ByteVec ip = sample_ipv4_tcp();
    SECTION("single 802.1Q tag") {
        const ByteVec frame = ethernet(k_ipv4, ip, {{0x8100, 0x0064}});
        require_sample_ipv4_tcp(decoder.decode(raw_packet(capture::linktype::ethernet, frame)));
    }
    SECTION("QinQ 0x88A8 outer, 0x8100 inner") {
        const ByteVec frame = ethernet(k_ipv4, ip, {{0x88A8, 0x0010}, {0x8100, 0x0064}});
        require_sample_ipv4_tcp(decoder.decode(raw_packet(capture::linktype::ethernet, frame)));
    }
    SECTION("legacy 0x9100 outer, three tags deep") {
        const ByteVec frame = ethernet(k_ipv4, ip, {{0x9100, 1}, {0x88A8, 2}, {0x8100, 3}});
        require_sample_ipv4_tcp(decoder.decode(raw_packet(capture::linktype::ethernet, frame)));
    }
    SECTION("IPv6 behind a tag") {
        const ByteVec frame = ethernet(k_ipv6, sample_ipv6_udp(), {{0x8100, 7}});
        require_sample_ipv6_udp(decoder.decode(raw_packet(capture::linktype::ethernet, frame)));
    }
    SECTION("an endless tag stack is malformed, not a hang") {
        const std::vector<VlanTag> tags(40, VlanTag{0x8100, 1});
        const ByteVec frame = ethernet(k_ipv4, ip, tags);
        CHECK(decoder.decode(raw_packet(capture::linktype::ethernet, frame)).status ==
              packet::DecodeStatus::malformed);
    }
    SECTION("a tag cut short is truncated") {
        ByteVec frame = ethernet(0x8100, {});
        frame.push_back(std::byte{0});
        CHECK(decoder.decode(raw_packet(capture::linktype::ethernet, frame)).status ==
              packet::DecodeStatus::truncated);
    }
}

TEST_CASE("non-IP frames are not transport", "[packet]") {
    packet::Decoder decoder;
    SECTION("ARP over Ethernet") {
        const ByteVec frame = ethernet(0x0806, ByteVec(28, std::byte{1}));
        CHECK(decoder.decode(raw_packet(capture::linktype::ethernet, frame)).status ==
              packet::DecodeStatus::not_transport);
    }
    SECTION("ARP over SLL") {
        const ByteVec frame = sll(0x0806, ByteVec(28, std::byte{1}));
        CHECK(decoder.decode(raw_packet(capture::linktype::linux_sll, frame)).status ==
              packet::DecodeStatus::not_transport);
    }
    SECTION("an unknown BSD address family") {
        const ByteVec frame = bsd_family(7, true, sample_ipv4_tcp());
        CHECK(decoder.decode(raw_packet(capture::linktype::null, frame)).status ==
              packet::DecodeStatus::not_transport);
    }
    SECTION("ICMP over IPv4") {
        Ipv4Spec spec;
        spec.protocol = 1;
        const ByteVec frame = ethernet(k_ipv4, ipv4(spec, ByteVec(8, std::byte{0})));
        CHECK(decoder.decode(raw_packet(capture::linktype::ethernet, frame)).status ==
              packet::DecodeStatus::not_transport);
    }
}

TEST_CASE("an unsupported link type is reported with its number", "[packet]") {
    packet::Decoder decoder;
    const ByteVec frame = sample_ipv4_tcp();
    const auto result = decoder.decode(raw_packet(147, frame));
    CHECK(result.status == packet::DecodeStatus::unsupported_link);
    CHECK_THAT(result.detail, Catch::Contains("147"));
}

TEST_CASE("short link headers are truncated", "[packet]") {
    packet::Decoder decoder;
    const ByteVec ten(10, std::byte{0});
    for (const std::uint32_t link : {capture::linktype::ethernet, capture::linktype::linux_sll,
                                     capture::linktype::linux_sll2}) {
        INFO(link);
        CHECK(decoder.decode(raw_packet(link, ten)).status == packet::DecodeStatus::truncated);
    }
    const ByteVec three(3, std::byte{0});
    CHECK(decoder.decode(raw_packet(capture::linktype::null, three)).status ==
          packet::DecodeStatus::truncated);
    CHECK(decoder.decode(raw_packet(capture::linktype::raw, {})).status ==
          packet::DecodeStatus::truncated);
}

TEST_CASE("raw IP with a version other than 4 or 6 is malformed", "[packet]") {
    packet::Decoder decoder;
    ByteVec frame = sample_ipv4_tcp();
    frame[0] = std::byte{0x55};
    CHECK(decoder.decode(raw_packet(capture::linktype::raw, frame)).status ==
          packet::DecodeStatus::malformed);
}
