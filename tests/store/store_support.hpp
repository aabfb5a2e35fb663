#pragma once
// Test support: build a FlowStore from a capture file the way the TUI does (packet pipeline →
// store, then a dissector engine feeding the store), or from hand-fed events.

#include "capture/file_reader.hpp"
#include "dissectors/engine.hpp"
#include "pipeline/packet_pipeline.hpp"
#include "store/flow_store.hpp"

#include <memory>
#include <stdexcept>
#include <string>

namespace sniff::test {

struct LoadedCapture {
    std::unique_ptr<capture::FileReader> reader; // owns the mapping the store points into
    std::unique_ptr<store::FlowStore> store;
};

inline LoadedCapture load_capture(const std::string& path, const std::string& framing) {
    LoadedCapture loaded;
    capture::CaptureError error;
    loaded.reader = capture::FileReader::open(path, error);
    if (!loaded.reader)
        throw std::runtime_error(error.to_string());
    loaded.store = std::make_unique<store::FlowStore>(loaded.reader->mapped_data());
    dissect::FramingSelector selector;
    if (!framing.empty() && selector.add(framing))
        throw std::runtime_error("bad framing " + framing);
    dissect::DissectorEngine engine(std::move(selector), *loaded.store);
    reassembly::SinkFanout fanout;
    fanout.add(*loaded.store);
    fanout.add(engine);
    pipeline::PacketPipeline pipeline({}, fanout);
    capture::RawPacket packet;
    while (loaded.reader->next(packet))
        pipeline.add(packet);
    pipeline.finish();
    return loaded;
}

inline util::Bytes bytes_of(const std::string& text) {
    return util::as_bytes(text.data(), text.size());
}

inline std::string text_of(const std::vector<std::byte>& bytes) {
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

// Feeds one direction's segments (given as texts) into a sink, as reassembly would.
inline void feed_segments(reassembly::StreamSink& sink, const model::Flow& flow,
                          model::Direction direction, const std::vector<std::string>& segments,
                          std::uint64_t first_frame = 1) {
    std::uint64_t offset = 0;
    std::uint64_t index = 0;
    for (const auto& text : segments) {
        model::SegmentInfo info;
        info.index = index++;
        info.frame = first_frame++;
        info.time = static_cast<model::Timestamp>(info.frame) * 1000000;
        info.offset = offset;
        info.length = static_cast<std::uint32_t>(text.size());
        sink.on_data(flow, direction, info, bytes_of(text));
        offset += text.size();
    }
}

inline model::Flow test_flow(std::uint64_t id = 1) {
    model::Flow flow;
    flow.id = id;
    flow.protocol = model::Protocol::tcp;
    flow.client.ip = model::IpAddress::v4(0x7f000001);
    flow.client.port = 53412;
    flow.server.ip = model::IpAddress::v4(0x7f000001);
    flow.server.port = 8080;
    return flow;
}

} // namespace sniff::test
