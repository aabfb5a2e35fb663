#include "pipeline/packet_pipeline.hpp"

#include "capture/link_type_name.hpp"
#include "util/plural.hpp"

#include <algorithm>
#include <array>
#include <cinttypes>
#include <cstdio>
#include <utility>

namespace sniff::pipeline {

namespace {

// Expiry scans every flow, so it runs at most once per second of capture time.
constexpr model::Timestamp k_expiry_interval = 1'000'000'000;

} // namespace

reassembly::ReassemblyConfig reassembly_config(const Options& options) {
    reassembly::ReassemblyConfig config;
    config.max_buffered_per_flow = options.max_buffer;
    config.max_buffered_total = options.max_buffer_total;
    config.idle_timeout = static_cast<model::Timestamp>(options.idle_timeout_seconds * 1e9);
    config.hole_timeout = static_cast<model::Timestamp>(options.hole_timeout_seconds * 1e9);
    // The HTML report's time-sequence graph draws pure ACKs and retransmissions; no other view
    // does, so other runs are spared the events.
    config.control_events = !options.report_file.empty();
    return config;
}

void print_pipeline_warnings(const PipelineCounts& counts) {
    for (const auto& [link_type, frames] : counts.unsupported_links)
        std::fprintf(stderr, "sniff: warning: %s of unsupported %s skipped\n",
                     util::counted(frames, "frame").c_str(),
                     capture::link_type_name(link_type).c_str());
    if (counts.truncated + counts.malformed > 0)
        std::fprintf(stderr,
                     "sniff: warning: %" PRIu64 " truncated and %" PRIu64
                     " malformed packets skipped\n",
                     counts.truncated, counts.malformed);
}

PacketPipeline::PacketPipeline(reassembly::ReassemblyConfig config, reassembly::StreamSink& sink)
    : m_sink(sink), m_reassembler(config, sink) {
    m_decoder.on_anomaly = [this](const model::Anomaly& anomaly) {
        m_sink.on_anomaly(nullptr, anomaly);
    };
}

void PacketPipeline::report_undecodable(const capture::RawPacket& packet,
                                        const packet::DecodeResult& result) {
    using packet::DecodeStatus;
    switch (result.status) {
    case DecodeStatus::unsupported_link:
        if (m_counts.unsupported_links[packet.link_type]++ == 0)
            m_sink.on_anomaly(nullptr, {model::AnomalyKind::unsupported_link_type, packet.frame, 0,
                                        "frames of " + capture::link_type_name(packet.link_type) +
                                            " are not decoded"});
        break;
    case DecodeStatus::truncated:
        ++m_counts.truncated;
        m_sink.on_anomaly(nullptr,
                          {model::AnomalyKind::truncated_packet, packet.frame, 0, result.detail});
        break;
    case DecodeStatus::malformed:
        ++m_counts.malformed;
        m_sink.on_anomaly(nullptr,
                          {model::AnomalyKind::malformed_packet, packet.frame, 0, result.detail});
        break;
    case DecodeStatus::fragment_held:
        ++m_counts.fragments_held;
        break;
    case DecodeStatus::not_transport:
        ++m_counts.not_transport;
        break;
    case DecodeStatus::ok:
        break;
    }
}

bool PacketPipeline::add(const capture::RawPacket& packet) {
    ++m_counts.frames;
    if (m_filter && !m_filter->matches(packet)) {
        ++m_counts.filtered_out;
        return false;
    }
    m_last_packet = std::max(m_last_packet, packet.time);
    const auto result = m_decoder.decode(packet);
    if (result.status == packet::DecodeStatus::ok) {
        ++m_counts.decoded;
        m_reassembler.add(result.packet, packet.frame, packet.time);
    } else {
        report_undecodable(packet, result);
    }
    if (packet.time - m_last_expiry >= k_expiry_interval) {
        m_last_expiry = packet.time;
        m_decoder.expire(packet.time);
        m_reassembler.expire(packet.time);
    }
    return true;
}

void PacketPipeline::tick(model::Timestamp elapsed) {
    if (m_last_packet == 0)
        return;
    // A packet since the last tick sets the clock; otherwise it runs on by the wall time.
    m_clock = m_last_packet > m_clock ? m_last_packet : m_clock + elapsed;
    m_last_expiry = m_clock;
    m_reassembler.expire(m_clock);
}

void PacketPipeline::finish() {
    m_decoder.expire(INT64_MAX);
    m_reassembler.finish();
}

} // namespace sniff::pipeline
