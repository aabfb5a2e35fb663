#include "proxy/pcap_recorder.hpp"

#include <algorithm>

namespace sniff::proxy {

using model::Direction;

namespace {

// ::ffff:a.b.c.d, the IPv6 form of an IPv4 address.
model::IpAddress v4_mapped(const model::IpAddress& ip) {
    std::array<std::uint8_t, 16> bytes{};
    bytes[10] = 0xff;
    bytes[11] = 0xff;
    for (int i = 0; i < 4; ++i)
        bytes[static_cast<std::size_t>(12 + i)] = ip.bytes[static_cast<std::size_t>(i)];
    return model::IpAddress::v6(bytes);
}

} // namespace

PcapRecorder::PcapRecorder(capture::PcapWriter& writer)
    : m_writer(writer),
      m_output([this](model::Timestamp time, util::Bytes headers, util::Bytes payload) {
          m_writer.write(time, headers, payload);
          m_last_time = std::max(m_last_time, time);
          ++m_frames;
      }) {}

// A client on IPv4 proxied to an IPv6 target (or the reverse) cannot share one IP header:
// write both ends as IPv6, the IPv4 one in its mapped form.
PcapRecorder::Endpoints PcapRecorder::same_family(const model::Flow& flow) {
    Endpoints endpoints{flow.client, flow.server};
    if (endpoints.client.ip.version != endpoints.server.ip.version) {
        if (endpoints.client.ip.version == 4)
            endpoints.client.ip = v4_mapped(endpoints.client.ip);
        else
            endpoints.server.ip = v4_mapped(endpoints.server.ip);
    }
    return endpoints;
}

void PcapRecorder::on_flow_open(const model::Flow& flow) {
    if (flow.protocol != model::Protocol::tcp)
        return;
    const auto endpoints = same_family(flow);
    auto [it, inserted] = m_tcp.try_emplace(flow.id, m_output, endpoints.client, endpoints.server);
    // The proxy reports a flow once its upstream connection is made, which may be after other
    // flows' frames from later than its accept: the handshake goes after them.
    if (inserted)
        it->second.handshake(std::max(flow.first_seen, m_last_time));
}

void PcapRecorder::on_data(const model::Flow& flow, Direction direction,
                           const model::SegmentInfo& segment, util::Bytes bytes) {
    if (flow.protocol == model::Protocol::udp) {
        const auto endpoints = same_family(flow);
        const bool c2s = direction == Direction::c2s;
        synth::udp_exchange(m_output, m_udp_frame, c2s ? endpoints.client : endpoints.server,
                            c2s ? endpoints.server : endpoints.client, segment.time, bytes);
        return;
    }
    const auto found = m_tcp.find(flow.id);
    if (found != m_tcp.end())
        found->second.data(direction, segment.time, bytes);
}

void PcapRecorder::on_flow_close(const model::Flow& flow, reassembly::CloseReason reason) {
    const auto found = m_tcp.find(flow.id);
    if (found == m_tcp.end())
        return;
    auto& conversation = found->second;
    const auto time = flow.last_seen; // the proxy sets it to the close time
    if (reason == reassembly::CloseReason::rst) {
        // The side that reset is marked in the flow; a refused upstream marks s2c.
        const Direction sender = flow.of(Direction::s2c).rst ? Direction::s2c : Direction::c2s;
        conversation.rst(sender, time);
    } else {
        // The proxy's own shutdown (end_of_input) still ends the file with a clean close.
        conversation.fin(Direction::c2s, time);
        conversation.fin(Direction::s2c, time);
    }
    m_tcp.erase(found);
}

void PcapRecorder::on_tick(model::Timestamp /*now*/) {
    if (m_frames == m_flushed_frames)
        return; // nothing new: no system call
    m_flushed_frames = m_frames;
    (void)m_writer.flush(); // a failure stays in the writer's error(), reported at close
}

} // namespace sniff::proxy
