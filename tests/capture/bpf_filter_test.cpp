// BPF filters compiled by libpcap over hand-built frames, per link type.

#include "capture/bpf_filter.hpp"
#include "capture/capture_test_support.hpp"

#include <catch2/catch.hpp>

using namespace sniff::capture;
using namespace sniff::capture::test;

namespace {

// IPv4 header (20 bytes, no options) from 10.0.0.1 to 10.0.0.2 carrying `protocol`; the
// checksum is left 0, which BPF never looks at.
ByteVector ipv4_header(int protocol, int payload_length) {
    const int total = 20 + payload_length;
    return bytes_of({0x45,     0x00, total >> 8, total & 0xFF, 0x12, 0x34, 0x40, 0x00, 64,
                     protocol, 0,    0,          10,           0,    0,    1,    10,   0,
                     0,        2});
}

// TCP header 12345 → dst_port, data offset 5 words, flags PSH|ACK.
ByteVector tcp_header(int dst_port) {
    return bytes_of({0x30,
                     0x39,
                     dst_port >> 8,
                     dst_port & 0xFF,
                     0,
                     0,
                     0,
                     1,
                     0,
                     0,
                     0,
                     0,
                     0x50,
                     0x18,
                     0xFF,
                     0xFF,
                     0,
                     0,
                     0,
                     0});
}

// UDP header 12345 → dst_port, length 8 (no payload).
ByteVector udp_header(int dst_port) {
    return bytes_of({0x30, 0x39, dst_port >> 8, dst_port & 0xFF, 0, 8, 0, 0});
}

ByteVector ethernet_ipv4(const ByteVector& transport, int protocol) {
    ByteVector frame = bytes_of({0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xAA,
                                 0xBB, 0x08, 0x00}); // dst, src, EtherType IPv4
    append(frame, ipv4_header(protocol, static_cast<int>(transport.size())));
    append(frame, transport);
    return frame;
}

RawPacket packet_of(const ByteVector& bytes, std::uint32_t link_type) {
    RawPacket packet;
    packet.link_type = link_type;
    packet.original_length = static_cast<std::uint32_t>(bytes.size());
    packet.data = sniff::util::Bytes(bytes);
    return packet;
}

} // namespace

TEST_CASE("BPF 'tcp port 80' matches a TCP segment to port 80 only", "[capture]") {
    std::string error;
    auto filter = BpfFilter::compile("tcp port 80", linktype::ethernet, 0, error);
    REQUIRE(filter);
    CHECK(error.empty());
    CHECK(filter->expression() == "tcp port 80");

    const ByteVector tcp80 = ethernet_ipv4(tcp_header(80), 6);
    const ByteVector tcp81 = ethernet_ipv4(tcp_header(81), 6);
    const ByteVector udp80 = ethernet_ipv4(udp_header(80), 17);
    REQUIRE(tcp80.size() == 14 + 20 + 20);
    CHECK(filter->matches(packet_of(tcp80, linktype::ethernet)));
    CHECK_FALSE(filter->matches(packet_of(tcp81, linktype::ethernet)));
    CHECK_FALSE(filter->matches(packet_of(udp80, linktype::ethernet)));
    // 'udp port 80' flips the answer for the same frames.
    auto udp_filter = BpfFilter::compile("udp port 80", linktype::ethernet, 65535, error);
    REQUIRE(udp_filter);
    CHECK(udp_filter->matches(packet_of(udp80, linktype::ethernet)));
    CHECK_FALSE(udp_filter->matches(packet_of(tcp80, linktype::ethernet)));
}

TEST_CASE("BPF filter compiles anew for a packet of another link type", "[capture]") {
    std::string error;
    auto filter = BpfFilter::compile("tcp port 80", linktype::ethernet, 0, error);
    REQUIRE(filter);
    // The same IPv4 packet without its 14-byte Ethernet header, as LINKTYPE_RAW (101) stores it.
    const ByteVector ethernet = ethernet_ipv4(tcp_header(80), 6);
    const ByteVector raw(ethernet.begin() + 14, ethernet.end());
    CHECK(filter->matches(packet_of(raw, linktype::raw)));
    CHECK(filter->matches(packet_of(ethernet, linktype::ethernet)));
    CHECK(filter->matches(packet_of(raw, linktype::raw)));
    // Read as Ethernet, the raw packet's bytes are no IPv4 frame at all.
    CHECK_FALSE(filter->matches(packet_of(raw, linktype::ethernet)));
    CHECK(filter->link_type_errors().empty());
}

TEST_CASE("BPF expression that cannot apply to a link type never matches it", "[capture]") {
    std::string error;
    auto filter = BpfFilter::compile("ether host 00:11:22:33:44:55", linktype::ethernet, 0, error);
    REQUIRE(filter);
    const ByteVector ethernet = ethernet_ipv4(tcp_header(80), 6);
    CHECK(filter->matches(packet_of(ethernet, linktype::ethernet)));
    const ByteVector raw(ethernet.begin() + 14, ethernet.end());
    CHECK_FALSE(filter->matches(packet_of(raw, linktype::raw)));
    CHECK_FALSE(filter->matches(packet_of(raw, linktype::raw)));
    // Reported once, however many packets of that link type come.
    REQUIRE(filter->link_type_errors().size() == 1);
    CHECK_THAT(filter->link_type_errors()[0], Catch::StartsWith("link type 101: "));
}

TEST_CASE("BPF compile errors carry libpcap's message", "[capture]") {
    std::string error;
    SECTION("syntax") {
        CHECK_FALSE(BpfFilter::compile("tcp port", linktype::ethernet, 0, error));
        CHECK_THAT(error, Catch::Contains("syntax error"));
    }
    SECTION("semantics") {
        CHECK_FALSE(BpfFilter::compile("tcp port 99999", linktype::ethernet, 0, error));
        CHECK_THAT(error, Catch::Contains("99999"));
    }
}
