// Fuzz target: TCP/UDP reassembly driven by a sequence of synthetic decoded packets.
// Each record of the input is one packet:
//   byte  control   bits 0-1 flow (four 4-tuples), bit 2 server->client, bit 3 UDP,
//                   bit 4 absolute sequence number (else a signed 16-bit step from the sequence
//                   number that follows the last packet of that direction: step 0 is in order), bit
//                   5 payload cut by the snap length, bit 6 the clock jumps past the idle timeout
//                   and expire() runs
//   byte  TCP flags
//   u32 | i16       sequence number (absolute | step)
//   u8              payload length, then that many payload bytes (fewer at the end of the input)
//   u8              missing bytes (only with bit 5)
// Buffering caps are tiny so the limits are reached. Checks, per flow direction: delivered data
// and gaps tile the stream (each starts where the previous ended), data length matches its
// segment, events fall between the flow's open and close, buffered bytes stay within the total
// cap, and finish() closes every flow.

#include "fuzz/fuzz_support.hpp"
#include "reassembly/reassembler.hpp"

#include <array>
#include <cstdint>
#include <map>
#include <utility>

namespace {

using namespace sniff;

class CheckingSink final : public reassembly::StreamSink {
public:
    void on_flow_open(const model::Flow& flow) override {
        SNIFF_FUZZ_CHECK(m_open.find(flow.id) == m_open.end());
        m_open[flow.id] = {0, 0};
    }
    void on_data(const model::Flow& flow, model::Direction direction,
                 const model::SegmentInfo& segment, util::Bytes bytes) override {
        SNIFF_FUZZ_CHECK(bytes.size() == segment.length);
        sniff::fuzz::touch(bytes);
        std::uint64_t& next = next_offset(flow, direction);
        if (flow.protocol == model::Protocol::tcp)
            SNIFF_FUZZ_CHECK(segment.offset == next);
        next = segment.offset + segment.length;
    }
    void on_gap(const model::Flow& flow, model::Direction direction,
                const model::Gap& gap) override {
        std::uint64_t& next = next_offset(flow, direction);
        SNIFF_FUZZ_CHECK(gap.offset == next);
        SNIFF_FUZZ_CHECK(gap.length > 0);
        next = gap.offset + gap.length;
    }
    void on_flow_close(const model::Flow& flow, reassembly::CloseReason) override {
        SNIFF_FUZZ_CHECK(m_open.erase(flow.id) == 1);
    }
    std::size_t open() const { return m_open.size(); }

private:
    std::uint64_t& next_offset(const model::Flow& flow, model::Direction direction) {
        const auto found = m_open.find(flow.id);
        SNIFF_FUZZ_CHECK(found != m_open.end());
        return found->second[static_cast<std::size_t>(direction)];
    }
    std::map<std::uint64_t, std::array<std::uint64_t, 2>> m_open;
};

model::Endpoint endpoint(std::uint32_t ip, std::uint16_t port) {
    model::Endpoint out;
    out.ip = model::IpAddress::v4(ip);
    out.port = port;
    return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    sniff::fuzz::Input input(data, size);
    reassembly::ReassemblyConfig config;
    config.max_buffered_per_flow = 4096;
    config.max_buffered_total = 10000;
    config.idle_timeout = 1'000'000;
    CheckingSink sink;
    reassembly::Reassembler reassembler(config, sink);

    std::array<std::uint32_t, 16> last_seq{}; // per flow, direction, protocol
    model::Timestamp now = 1'000'000'000;
    std::uint64_t frame = 0;
    while (!input.empty()) {
        const std::uint8_t control = input.u8();
        packet::DecodedPacket packet;
        const std::uint16_t flow = control & 0x03;
        const bool reverse = (control & 0x04) != 0;
        packet.protocol = (control & 0x08) != 0 ? model::Protocol::udp : model::Protocol::tcp;
        const auto client = endpoint(0x0a000001, static_cast<std::uint16_t>(40000 + flow));
        const auto server = endpoint(0x0a000002, 80);
        packet.source = reverse ? server : client;
        packet.destination = reverse ? client : server;
        packet.tcp.flags = input.u8();
        std::uint32_t& seq = last_seq[control & 0x0f];
        if ((control & 0x10) != 0)
            seq = input.u32();
        else
            seq += static_cast<std::uint32_t>(static_cast<std::int16_t>(input.u16()));
        packet.tcp.seq = seq;
        packet.tcp.window = 1024;
        packet.payload = input.take(input.u8());
        if ((control & 0x20) != 0)
            packet.payload_missing = input.u8();
        if ((control & 0x40) != 0) {
            now += config.idle_timeout + 1;
            reassembler.expire(now);
        }
        now += 1'000;
        reassembler.add(packet, ++frame, now);
        const bool syn_or_fin =
            (packet.tcp.flags & (model::tcp_flags::syn | model::tcp_flags::fin)) != 0;
        seq += static_cast<std::uint32_t>(packet.payload.size() + packet.payload_missing +
                                          (syn_or_fin ? 1 : 0));
        SNIFF_FUZZ_CHECK(reassembler.buffered_bytes() <= config.max_buffered_total);
    }
    reassembler.finish();
    SNIFF_FUZZ_CHECK(reassembler.open_flows() == 0);
    SNIFF_FUZZ_CHECK(sink.open() == 0);
    return 0;
}
