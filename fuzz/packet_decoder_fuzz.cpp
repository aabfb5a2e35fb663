// Fuzz target: packet decoding, one frame or a sequence of frames through one Decoder so IPv4 and
// IPv6 fragments can meet.
//   byte 0          link type: an index into k_link_types (the last slot takes byte 1 raw)
//   then records    [len:le16][frame: len bytes]...; the last record takes whatever is left
// Every few frames the clock moves on and expire() runs, so incomplete datagrams time out.
// Checks (by ASan): an ok result's payload view can be read in full, whether it points into the
// frame or into the decoder's fragment buffer.

#include "capture/raw_packet.hpp"
#include "fuzz/fuzz_support.hpp"
#include "packet/decoder.hpp"

#include <array>
#include <cstdint>

namespace {

using namespace sniff;

constexpr std::array<std::uint32_t, 9> k_link_types{
    capture::linktype::null,
    capture::linktype::ethernet,
    capture::linktype::raw,
    capture::linktype::loop,
    capture::linktype::linux_sll,
    capture::linktype::ipv4,
    capture::linktype::ipv6,
    capture::linktype::linux_sll2,
    0xffffffff, // placeholder: the next byte is the link type itself (unsupported ones too)
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    sniff::fuzz::Input input(data, size);
    const std::uint8_t pick = input.u8();
    std::uint32_t link = k_link_types[pick % k_link_types.size()];
    if (link == 0xffffffff)
        link = input.u8();

    packet::DecoderConfig config;
    config.max_fragment_bytes = 64 * 1024; // small, so the cap is reachable
    config.fragment_timeout = 5'000;
    packet::Decoder decoder(config);
    std::uint64_t anomalies = 0;
    decoder.on_anomaly = [&anomalies](const model::Anomaly&) { ++anomalies; };

    capture::RawPacket raw;
    raw.link_type = link;
    // High bit clear: the rest of the input is one frame (seeds are plain frames).
    if ((pick & 0x80) == 0) {
        const util::Bytes frame = input.rest();
        raw.frame = 1;
        raw.data = frame;
        raw.original_length = static_cast<std::uint32_t>(frame.size());
        const auto result = decoder.decode(raw);
        if (result.status == packet::DecodeStatus::ok)
            sniff::fuzz::touch(result.packet.payload);
        return 0;
    }
    for (std::uint64_t frame_number = 1; !input.empty(); ++frame_number) {
        const std::uint16_t length = input.u16();
        const util::Bytes frame = input.take(length);
        raw.frame = frame_number;
        raw.time = static_cast<model::Timestamp>(frame_number) * 1'000;
        raw.data = frame;
        // Snap-length cuts: the original length may claim more than was captured.
        raw.original_length = static_cast<std::uint32_t>(frame.size()) + (length & 0x0f);
        const auto result = decoder.decode(raw);
        if (result.status == packet::DecodeStatus::ok)
            sniff::fuzz::touch(result.packet.payload);
        if (frame_number % 4 == 0)
            decoder.expire(raw.time);
    }
    decoder.expire(1'000'000'000'000);
    return 0;
}
