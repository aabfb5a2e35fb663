#pragma once
// Small helpers the generator's cases share: endpoints, link-layer wrappers for every link type,
// and a TCP connection that numbers its segments by stream offset.

#include "capture/pcap_writer.hpp"
#include "capture/raw_packet.hpp"
#include "model/flow.hpp"
#include "synth/frame_builder.hpp"

#include <functional>
#include <string>

namespace sniff::gencap {

model::Endpoint endpoint(const std::string& ip, std::uint16_t port);
util::Bytes text_bytes(const std::string& text);

// Wraps an IP packet in the link layer of the given LINKTYPE (Ethernet, SLL, SLL2, NULL, LOOP,
// RAW, IPV4, IPV6). vlan_ids adds 802.1Q tags (the outer one as 802.1ad when there are two).
synth::Frame link_frame(std::uint32_t link_type, util::Bytes ip_packet, std::uint8_t ip_version,
                        const std::vector<std::uint16_t>& vlan_ids = {});

// Where a case's frames go: a frame and its original length (0 = not cut).
using FrameSink = std::function<void(model::Timestamp, util::Bytes, std::uint32_t)>;

class TcpCaseConnection {
public:
    TcpCaseConnection(FrameSink sink, model::Endpoint client, model::Endpoint server,
                      std::uint32_t client_isn, std::uint32_t server_isn,
                      std::uint32_t link_type = capture::linktype::ethernet);

    void handshake();
    // A segment of direction whose first byte is at stream offset `offset`.
    void send(model::Direction direction, std::uint64_t offset, const std::string& payload,
              std::uint8_t flags = model::tcp_flags::psh | model::tcp_flags::ack,
              std::uint16_t window = 65535);
    // A segment with an explicit sequence number (probes, SYN data).
    void send_seq(model::Direction direction, std::uint32_t seq, const std::string& payload,
                  std::uint8_t flags, std::uint16_t window = 65535);
    void fin(model::Direction direction, std::uint64_t offset);
    void rst(model::Direction direction, std::uint64_t offset);

    std::uint32_t seq_at(model::Direction direction, std::uint64_t offset) const;
    // From now on, the ACK number of direction's segments acknowledges the other direction's
    // bytes up to `offset` (by default offset 0: the other side's SYN only).
    void acknowledge(model::Direction direction, std::uint64_t offset) {
        m_acked[static_cast<int>(direction)] = offset;
    }
    void set_vlans(std::vector<std::uint16_t> vlan_ids) { m_vlans = std::move(vlan_ids); }
    void set_ip_id(std::uint16_t id) { m_ip_id = id; }
    model::Timestamp& clock() { return m_clock; }

private:
    FrameSink m_sink;
    model::Endpoint m_client;
    model::Endpoint m_server;
    std::uint32_t m_isn[2];
    std::uint64_t m_acked[2] = {0, 0};
    std::uint32_t m_link_type;
    std::vector<std::uint16_t> m_vlans;
    std::uint16_t m_ip_id = 1;
    model::Timestamp m_clock = 1'700'000'000'000'000'000;
};

} // namespace sniff::gencap
