#pragma once
// -w for the proxy: a StreamSink that writes every proxied flow as synthesized Ethernet/IP/TCP or
// UDP frames, so tshark and `sniff -r` read the live run back. TCP flows get a handshake at
// open, one segment per recorded recv() chunk (split at the IP size limit) with coherent
// sequence and acknowledgement numbers, and FIN or RST at close. UDP datagrams are written as
// they are. Times are the segments' times: a direction forwarded as read gets its recv() results
// at their recv() times, a re-chunked one its writes at their write times (what the peer got).
// FIN and RST carry the time the connection closed.
//
// Half-closes are written at the flow's end (the sink has no half-close event), which keeps the
// byte stream and sequence numbers exact; only a half-close's position in time is approximate.
//
// Crash safety: what was recorded is flushed on every tick (on_tick, every 250 ms from the
// proxy) if anything was written since, and the writer only ever hands whole records to the
// file, so after a kill -9 the file reads completely up to the last tick.

#include "capture/pcap_writer.hpp"
#include "reassembly/stream_sink.hpp"
#include "synth/conversation.hpp"

#include <unordered_map>

namespace sniff::proxy {

class PcapRecorder final : public reassembly::StreamSink {
public:
    // writer must be open with link type Ethernet (1). It is not closed here.
    explicit PcapRecorder(capture::PcapWriter& writer);

    void on_flow_open(const model::Flow& flow) override;
    void on_data(const model::Flow& flow, model::Direction direction,
                 const model::SegmentInfo& segment, util::Bytes bytes) override;
    void on_flow_close(const model::Flow& flow, reassembly::CloseReason reason) override;
    void on_tick(model::Timestamp now) override;

    std::uint64_t frames_written() const { return m_frames; }

private:
    struct Endpoints {
        model::Endpoint client;
        model::Endpoint server;
    };
    static Endpoints same_family(const model::Flow& flow);

    capture::PcapWriter& m_writer;
    synth::FrameOutput m_output;
    synth::Frame m_udp_frame; // reused for every datagram
    std::unordered_map<std::uint64_t, synth::TcpConversation> m_tcp;
    std::uint64_t m_frames = 0;
    model::Timestamp m_last_time = 0;   // of the last frame written: the file's times never go back
    std::uint64_t m_flushed_frames = 0; // m_frames at the last flush
};

} // namespace sniff::proxy
