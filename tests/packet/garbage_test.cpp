// Robustness: random frames and randomly damaged valid frames of every link type never crash
// the decoder (ASan/UBSan builds check the memory side) and keep its answers consistent.

#include "packet/decoder.hpp"
#include "packet/frames.hpp"

#include <catch2/catch.hpp>
#include <limits>
#include <random>

using namespace sniff;
using namespace sniff::packet_test;
using packet::DecodeStatus;

namespace {

constexpr std::array<std::uint32_t, 11> k_link_types = {capture::linktype::null,
                                                        capture::linktype::ethernet,
                                                        capture::linktype::raw,
                                                        capture::linktype::loop,
                                                        capture::linktype::linux_sll,
                                                        capture::linktype::ipv4,
                                                        capture::linktype::ipv6,
                                                        capture::linktype::linux_sll2,
                                                        12,
                                                        147,
                                                        0xFFFFFFFF};

// What any answer must satisfy, whatever the input.
void check_consistent(const packet::DecodeResult& result, const ByteVec& frame) {
    REQUIRE(static_cast<int>(result.status) <= static_cast<int>(DecodeStatus::malformed));
    if (result.status != DecodeStatus::ok)
        return;
    const auto& decoded = result.packet;
    REQUIRE(decoded.payload.size() + decoded.payload_missing <= 65535);
    if (!decoded.payload.empty()) {
        // Either a view into the frame or the decoder's reassembly buffer: never partly outside.
        const std::byte* begin = decoded.payload.data();
        const std::byte* end = begin + decoded.payload.size();
        const bool inside_frame = begin >= frame.data() && end <= frame.data() + frame.size();
        const bool outside_frame = end <= frame.data() || begin >= frame.data() + frame.size();
        REQUIRE((inside_frame || outside_frame));
    }
}

ByteVec random_bytes(std::mt19937& rng, std::size_t size) {
    ByteVec out(size);
    for (auto& b : out)
        b = static_cast<std::byte>(rng() & 0xFF);
    return out;
}

// Valid frames to damage: damage near real headers reaches deeper code than pure noise.
std::vector<std::pair<std::uint32_t, ByteVec>> seeds() {
    TcpSpec with_options;
    with_options.options = ByteVec(12, std::byte{1});
    Ipv4Spec fragment;
    fragment.more_fragments = true;
    Ipv4Spec udp_spec = udp_ipv4();
    const ByteVec segment = tcp(with_options, bytes_of("payload bytes"));
    const ByteVec v6_rest =
        concat(ipv6_option_header(60, {}), concat(ipv6_option_header(6, {}), segment));
    const ByteVec v6_fragment =
        concat(ipv6_fragment_header(17, 1, true, 5), udp(1, 2, bytes_of("01234567")));
    return {
        {capture::linktype::ethernet, ethernet(0x0800, ipv4({}, segment), {{0x8100, 1}})},
        {capture::linktype::ethernet, ethernet(0x0800, ipv4(fragment, segment))},
        {capture::linktype::linux_sll, sll(0x86DD, ipv6(v6(1), v6(2), 0, v6_rest))},
        {capture::linktype::linux_sll2, sll2(0x86DD, ipv6(v6(1), v6(2), 44, v6_fragment))},
        {capture::linktype::null, bsd_family(2, true, ipv4(udp_spec, udp(1, 2, bytes_of("u"))))},
        {capture::linktype::raw, ipv4({}, segment)},
    };
}

} // namespace

TEST_CASE("random frames of random link types never crash the decoder", "[packet]") {
    packet::DecoderConfig config;
    config.max_fragment_bytes = 64 * 1024; // small, so eviction runs too
    packet::Decoder decoder(config);
    std::size_t anomalies = 0;
    decoder.on_anomaly = [&](const model::Anomaly&) { ++anomalies; };
    std::mt19937 rng(20240601);
    std::array<std::size_t, 6> statuses{};
    for (int i = 0; i < 5000; ++i) {
        const std::size_t size = (i % 10 == 0) ? rng() % 1600 : rng() % 120;
        ByteVec frame = random_bytes(rng, size);
        const std::uint32_t link = k_link_types[rng() % k_link_types.size()];
        // Often make the first byte look like IP so the IP parsers see the noise too.
        if (link == capture::linktype::raw && !frame.empty())
            frame[0] = static_cast<std::byte>((rng() % 2 ? 0x40 : 0x60) | (rng() & 0x0F));
        const auto result =
            decoder.decode(raw_packet(link, frame, static_cast<std::uint64_t>(i), i * 1000LL));
        check_consistent(result, frame);
        ++statuses[static_cast<std::size_t>(result.status)];
        if (i % 500 == 0)
            decoder.expire(i * 1000LL + config.fragment_timeout);
    }
    // Noise is mostly rejected, and each kind of rejection happened at least once.
    CHECK(statuses[static_cast<std::size_t>(DecodeStatus::unsupported_link)] > 0);
    CHECK(statuses[static_cast<std::size_t>(DecodeStatus::truncated)] > 0);
    CHECK(statuses[static_cast<std::size_t>(DecodeStatus::malformed)] > 0);
    CHECK(statuses[static_cast<std::size_t>(DecodeStatus::not_transport)] > 0);
    (void)anomalies;
}

TEST_CASE("randomly damaged valid frames never crash the decoder", "[packet]") {
    packet::DecoderConfig config;
    config.max_fragment_bytes = 32 * 1024;
    packet::Decoder decoder(config);
    decoder.on_anomaly = [](const model::Anomaly& anomaly) { REQUIRE(!anomaly.detail.empty()); };
    std::mt19937 rng(7);
    const auto frames = seeds();
    std::size_t ok = 0;
    for (int i = 0; i < 6000; ++i) {
        const auto& [link, original] = frames[rng() % frames.size()];
        ByteVec frame = original;
        const unsigned flips = rng() % 4;
        for (unsigned f = 0; f < flips && !frame.empty(); ++f)
            frame[rng() % frame.size()] = static_cast<std::byte>(rng() & 0xFF);
        if (rng() % 3 == 0)
            frame.resize(rng() % (frame.size() + 1));
        const auto result = decoder.decode(raw_packet(link, frame, static_cast<std::uint64_t>(i)));
        check_consistent(result, frame);
        ok += result.status == DecodeStatus::ok;
    }
    decoder.expire(std::numeric_limits<model::Timestamp>::max());
    decoder.expire(std::numeric_limits<model::Timestamp>::min());
    CHECK(ok > 0); // some damage leaves the frame decodable (payload bytes, ports, ...)
}
