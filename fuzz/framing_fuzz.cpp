// Fuzz target for one framing family (SNIFF_FUZZ_FAMILY names its registry row, whose fuzz_specs
// are the specs drawn from; see src/dissectors/family_registry.hpp): the input
// becomes the two directions of one flow, delivered to the DissectorEngine in random segments as
// reassembly would, with occasional gaps.
//   byte 0      spec: an index into the family's table; bit 7 makes the flow UDP
//   byte 1      seed of the segmentation (chunk sizes, direction interleaving, gaps)
//   u16 (le)    bytes of the client->server stream; the rest is server->client
// Checks: messages of a direction are in order, start where the previous one ended or later
// (except a layered family's, which interleave), and
// have at least their header's length; segment reports cover delivered segments; buffered bytes
// stay below the engine's head cap plus the sample window; every flow closes.

#include "dissectors/engine.hpp"
#include "dissectors/family_registry.hpp"
#include "dissectors/spec.hpp"
#include "fuzz/fuzz_support.hpp"

#include <array>
#include <cstdint>
#include <random>
#include <span>
#include <string_view>
#include <vector>

#ifndef SNIFF_FUZZ_FAMILY
#define SNIFF_FUZZ_FAMILY "len"
#endif

namespace {

using namespace sniff;

// The specs of the family's registry row, from defaults to extremes of every parameter.
std::span<const std::string_view> specs() {
    static const dissect::FamilyInfo* family = dissect::find_family(SNIFF_FUZZ_FAMILY);
    SNIFF_FUZZ_CHECK(family != nullptr && !family->fuzz_specs.empty());
    return family->fuzz_specs;
}

dissect::FramingSpec spec_at(std::size_t index) {
    const auto table = specs();
    auto result = dissect::parse_spec(table[index % table.size()]);
    const auto* spec = std::get_if<dissect::FramingSpec>(&result);
    SNIFF_FUZZ_CHECK(spec != nullptr); // the table itself is valid
    return *spec;
}

// A layered family (grpc) cuts its messages out of units of a layer underneath, per stream:
// messages of different streams interleave, so they end, and are delivered, out of offset order.
bool layered() {
    static const bool answer = [] {
        const dissect::FamilyInfo* family = dissect::find_family(SNIFF_FUZZ_FAMILY);
        if (family->make == nullptr)
            return false; // raw, auto: no framing object of their own
        const auto framing = family->make(spec_at(0));
        return framing != nullptr && !framing->layer_name().empty();
    }();
    return answer;
}

class CheckingSink final : public dissect::MessageSink {
public:
    // s2c wants only its first messages one by one: the engine's counting path runs there.
    bool wants_each_message(const model::Flow&, model::Direction direction) override {
        return direction == model::Direction::c2s || m_last[1].count < 3;
    }
    void on_message(const model::Flow&, const dissect::Message& message,
                    util::Bytes preview) override {
        auto& last = m_last[static_cast<std::size_t>(message.direction)];
        // The preview is the message's first bytes; reading them all lets ASan catch a view that
        // outlived its segment.
        SNIFF_FUZZ_CHECK(preview.size() <= message.length);
        SNIFF_FUZZ_CHECK(preview.size() <= dissect::EngineConfig{}.preview_bytes);
        std::uint8_t sum = 0;
        for (const std::byte b : preview)
            sum = static_cast<std::uint8_t>(sum + static_cast<std::uint8_t>(b));
        preview_sum += sum;
        // Counted messages are not reported, so a counting direction's indexes may jump.
        if (message.direction == model::Direction::c2s)
            SNIFF_FUZZ_CHECK(message.index == last.count);
        else
            SNIFF_FUZZ_CHECK(message.index >= last.index);
        SNIFF_FUZZ_CHECK(layered() || message.offset >= last.end);
        SNIFF_FUZZ_CHECK(message.length >= message.header_length ||
                         message.status != dissect::MessageStatus::complete);
        SNIFF_FUZZ_CHECK(message.first_segment <= message.last_segment);
        ++last.count;
        last.index = message.index + 1;
        last.end = message.offset + message.length;
    }
    void on_segment(const model::Flow&, const dissect::SegmentReport& report) override {
        if (report.has_messages)
            SNIFF_FUZZ_CHECK(report.first_message <= report.last_message);
    }
    void on_direction_end(const model::Flow&, const dissect::DirectionSummary&) override { ++ends; }
    std::size_t ends = 0;
    std::uint64_t preview_sum = 0; // keeps the reads above from being optimised away

private:
    struct Last {
        std::uint64_t count = 0; // messages reported
        std::uint64_t index = 0; // index after the last one reported
        std::uint64_t end = 0;
    };
    std::array<Last, 2> m_last{};
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    sniff::fuzz::Input input(data, size);
    const std::uint8_t pick = input.u8();
    std::minstd_rand random(input.u8() + 1u);
    const std::uint16_t c2s_size = input.u16();
    const std::array<util::Bytes, 2> streams{input.take(c2s_size), input.rest()};

    const auto spec = spec_at(pick & 0x7f);
    dissect::FramingSelector selector(spec);
    selector.set_port(9000, spec);
    CheckingSink sink;
    dissect::EngineConfig config;
    config.auto_window = (pick & 0x40) != 0 ? 64 : 4096; // decide early, or on a bigger sample
    config.max_head = 4096 + 64;
    config.udp_bufsize = 512;
    dissect::DissectorEngine engine(std::move(selector), sink, config);

    model::Flow flow;
    flow.id = 1;
    flow.protocol = (pick & 0x80) != 0 ? model::Protocol::udp : model::Protocol::tcp;
    flow.client.ip = model::IpAddress::v4(0x7f000001);
    flow.client.port = 40000;
    flow.server.ip = model::IpAddress::v4(0x7f000001);
    flow.server.port = 9000;
    engine.on_flow_open(flow);

    std::array<std::size_t, 2> sent{};
    std::array<std::uint64_t, 2> offset{};
    std::array<std::uint64_t, 2> index{};
    std::uint64_t frame = 0;
    while (sent[0] < streams[0].size() || sent[1] < streams[1].size()) {
        std::size_t side = random() % 2;
        if (sent[side] == streams[side].size())
            side ^= 1;
        const auto direction = static_cast<model::Direction>(side);
        const std::size_t left = streams[side].size() - sent[side];
        // Mostly small chunks, sometimes one byte, sometimes all that is left.
        const std::size_t roll = random() % 16;
        const std::size_t chunk = roll == 0 ? 1 : roll == 1 ? left : 1 + random() % 64;
        const std::size_t take = chunk < left ? chunk : left;
        if (flow.protocol == model::Protocol::tcp && random() % 64 == 0) {
            model::Gap gap;
            gap.offset = offset[side];
            gap.length = 1 + random() % 100;
            gap.frame = frame;
            offset[side] += gap.length;
            engine.on_gap(flow, direction, gap);
        }
        model::SegmentInfo segment;
        segment.index = index[side]++;
        segment.frame = ++frame;
        segment.time = static_cast<model::Timestamp>(frame) * 1000;
        segment.offset = offset[side];
        segment.length = static_cast<std::uint32_t>(take);
        engine.on_data(flow, direction, segment, streams[side].subspan(sent[side], take));
        sent[side] += take;
        offset[side] += take;
        SNIFF_FUZZ_CHECK(engine.buffered_bytes() <=
                         2 * (config.max_head + config.auto_window + 2 * config.preview_bytes));
    }
    engine.on_flow_close(flow, reassembly::CloseReason::fin);
    SNIFF_FUZZ_CHECK(engine.open_flows() == 0);
    SNIFF_FUZZ_CHECK(sink.ends == 2);
    return 0;
}
