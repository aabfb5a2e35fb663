// The frames -w writes: checksums verified word by word (RFC 1071, as a receiver checks them),
// whatever the payload's length and alignment, and a reused frame buffer gives the same bytes.
// The SIMD word sum gives the plain definition's value at every length and start address.
#include "synth/frame_builder.hpp"
#include "synth/internet_checksum.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <random>

using namespace sniff;

namespace {

// The plain definition: 16-bit big-endian words, an odd last byte padded with zero, carries
// folded back in.
std::uint16_t ones_complement_sum(const std::vector<std::uint8_t>& bytes) {
    std::uint64_t sum = 0;
    for (std::size_t i = 0; i < bytes.size(); i += 2) {
        const std::uint32_t low = i + 1 < bytes.size() ? bytes[i + 1] : 0;
        sum += (std::uint32_t{bytes[i]} << 8) | low;
    }
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<std::uint16_t>(sum);
}

std::vector<std::uint8_t> to_u8(const synth::Frame& frame, std::size_t from, std::size_t size) {
    std::vector<std::uint8_t> bytes;
    for (std::size_t i = from; i < from + size; ++i)
        bytes.push_back(std::to_integer<std::uint8_t>(frame[i]));
    return bytes;
}

void append_address(std::vector<std::uint8_t>& bytes, const model::IpAddress& ip) {
    const std::size_t size = ip.version == 6 ? 16 : 4;
    bytes.insert(bytes.end(), ip.bytes.begin(), ip.bytes.begin() + static_cast<long>(size));
}

// True when the transport checksum of an Ethernet frame built from these endpoints verifies:
// the sum over pseudo-header and segment, checksum included, is 0xffff.
bool transport_checksum_ok(const synth::Frame& frame, const model::Endpoint& source,
                           const model::Endpoint& destination, std::uint8_t protocol) {
    const std::size_t ip_size = source.ip.version == 6 ? 40 : 20;
    const std::size_t transport_at = 14 + ip_size;
    const std::size_t length = frame.size() - transport_at;
    std::vector<std::uint8_t> bytes;
    append_address(bytes, source.ip);
    append_address(bytes, destination.ip);
    for (std::uint8_t byte : {std::uint8_t{0}, protocol, static_cast<std::uint8_t>(length >> 8),
                              static_cast<std::uint8_t>(length)})
        bytes.push_back(byte);
    const auto segment = to_u8(frame, transport_at, length);
    bytes.insert(bytes.end(), segment.begin(), segment.end());
    return ones_complement_sum(bytes) == 0xffff;
}

std::vector<std::byte> random_payload(std::size_t size, std::mt19937& random) {
    std::vector<std::byte> payload(size);
    for (auto& byte : payload)
        byte = static_cast<std::byte>(random());
    return payload;
}

} // namespace

TEST_CASE("synthesized frames carry checksums a receiver verifies", "[proxy][recorder]") {
    model::Endpoint client{model::IpAddress::v4(0x7f000001), 40000};
    model::Endpoint server{model::IpAddress::v4(0x0a000002), 8080};
    SECTION("IPv4") {}
    SECTION("IPv6") {
        std::array<std::uint8_t, 16> a{}, b{};
        a[15] = 1;
        b[0] = 0xfe;
        b[1] = 0x80;
        b[15] = 0xff;
        client.ip = model::IpAddress::v6(a);
        server.ip = model::IpAddress::v6(b);
    }
    std::mt19937 random(7);
    synth::Frame reused;
    std::vector<std::size_t> sizes;
    for (std::size_t size = 0; size <= 70; ++size)
        sizes.push_back(size);
    for (std::size_t size : {255u, 1023u, 1460u, 4097u, 65535u - 120u})
        sizes.push_back(size);
    // Longest first: each frame is built into a buffer that held a longer one.
    std::reverse(sizes.begin(), sizes.end());
    for (const std::size_t size : sizes) {
        INFO("payload of " << size << " bytes");
        const auto payload = random_payload(size, random);
        synth::TcpFields fields;
        fields.seq = static_cast<std::uint32_t>(random());
        fields.ack = static_cast<std::uint32_t>(random());
        fields.flags = 0x18;
        const auto frame = synth::tcp_frame(client, server, fields, payload);
        CHECK(transport_checksum_ok(frame, client, server, 6));
        if (client.ip.version == 4)
            CHECK(ones_complement_sum(to_u8(frame, 14, 20)) == 0xffff);
        // Built into a buffer that held a longer frame before: the same bytes.
        synth::build_tcp_frame(reused, client, server, fields, payload);
        CHECK(reused == frame);
        const auto datagram = synth::udp_frame(server, client, payload);
        CHECK(transport_checksum_ok(datagram, server, client, 17));
    }
}

TEST_CASE("the word sum equals the plain definition at every length and alignment",
          "[proxy][recorder]") {
    std::mt19937 random(11);
    // Lengths around the SIMD widths and thresholds, and one long buffer; every start address
    // modulo 32; bytes near 0xff, where carries are most frequent, as well as random ones.
    std::vector<std::size_t> sizes;
    for (std::size_t size = 0; size <= 200; ++size)
        sizes.push_back(size);
    sizes.push_back((1u << 20) + 3);
    for (const bool saturated : {false, true}) {
        std::vector<std::byte> bytes((1u << 20) + 64);
        for (auto& byte : bytes)
            byte = static_cast<std::byte>(saturated ? 0xff - random() % 2 : random());
        for (const std::size_t size : sizes) {
            for (std::size_t start = 0; start < 32; start += (size > 1000 ? 7 : 1)) {
                INFO("size " << size << ", start " << start << ", saturated " << saturated);
                const util::Bytes part(bytes.data() + start, size);
                std::vector<std::uint8_t> plain;
                for (const std::byte byte : part)
                    plain.push_back(std::to_integer<std::uint8_t>(byte));
                const std::uint32_t initial = random() % 0x20000;
                std::uint64_t reference = ones_complement_sum(plain) + std::uint64_t{initial};
                while (reference >> 16)
                    reference = (reference & 0xffff) + (reference >> 16);
                CHECK(synth::fold_checksum(synth::add_words(part, initial)) ==
                      static_cast<std::uint16_t>(~reference));
            }
        }
    }
}

TEST_CASE("headers built apart from their payload are the frame's first bytes",
          "[proxy][recorder]") {
    const model::Endpoint client{model::IpAddress::v4(0x7f000001), 40000};
    const model::Endpoint server{model::IpAddress::v4(0x7f000001), 6379};
    std::mt19937 random(3);
    synth::Frame headers;
    for (const std::size_t size : {0u, 1u, 17u, 4096u, 65000u}) {
        const auto payload = random_payload(size, random);
        synth::TcpFields fields;
        fields.seq = static_cast<std::uint32_t>(random());
        fields.flags = 0x18;
        const auto frame = synth::tcp_frame(client, server, fields, payload);
        synth::build_tcp_headers(headers, client, server, fields, payload);
        REQUIRE(headers.size() + payload.size() == frame.size());
        CHECK(std::equal(headers.begin(), headers.end(), frame.begin()));
        CHECK(transport_checksum_ok(frame, client, server, 6));
    }
}
