#pragma once
// Captured frames in, reassembly events out: the part of the engine that every packet source
// (capture file, live interface) shares. Filter → decode → reassemble; frames that cannot be
// decoded are counted by kind and reported once, and never stop the other flows.

#include "capture/bpf_filter.hpp"
#include "packet/decoder.hpp"
#include "pipeline/options.hpp"
#include "reassembly/reassembler.hpp"

#include <map>
#include <memory>

namespace sniff::pipeline {

struct PipelineCounts {
    std::uint64_t frames = 0;        // frames offered
    std::uint64_t filtered_out = 0;  // rejected by the BPF filter
    std::uint64_t decoded = 0;       // TCP/UDP packets handed to reassembly
    std::uint64_t not_transport = 0; // ARP, ICMP, ...
    std::uint64_t truncated = 0;
    std::uint64_t malformed = 0;
    std::uint64_t fragments_held = 0;
    std::map<std::uint32_t, std::uint64_t> unsupported_links; // link type → frames
};

class PacketPipeline {
public:
    PacketPipeline(reassembly::ReassemblyConfig config, reassembly::StreamSink& sink);

    void set_filter(std::unique_ptr<capture::BpfFilter> filter) { m_filter = std::move(filter); }
    // Returns false when the filter rejected the packet.
    bool add(const capture::RawPacket& packet);
    // A live source's clock tick, `elapsed` ns after the previous one: time passes without
    // packets too, so flows that ended close after their linger and idle ones expire. The clock
    // is the packets' own, moved on by elapsed while none come.
    void tick(model::Timestamp elapsed);
    void finish();

    const PipelineCounts& counts() const { return m_counts; }
    const reassembly::Reassembler& reassembler() const { return m_reassembler; }

private:
    void report_undecodable(const capture::RawPacket& packet, const packet::DecodeResult& result);

    reassembly::StreamSink& m_sink;
    reassembly::Reassembler m_reassembler;
    packet::Decoder m_decoder;
    std::unique_ptr<capture::BpfFilter> m_filter;
    PipelineCounts m_counts;
    model::Timestamp m_last_expiry = 0;
    model::Timestamp m_last_packet = 0; // time of the latest packet, 0 before the first
    model::Timestamp m_clock = 0;       // tick(): the packets' clock, estimated
};

// Reassembly settings from the command line (--max-buffer, --max-buffer-total, --idle-timeout).
reassembly::ReassemblyConfig reassembly_config(const Options& options);

// One warning line per unsupported link type, and one for undecodable packets, on stderr.
void print_pipeline_warnings(const PipelineCounts& counts);

} // namespace sniff::pipeline
