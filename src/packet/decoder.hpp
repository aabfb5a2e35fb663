#pragma once
// Decodes a captured frame down to TCP or UDP: link layer (Ethernet with 802.1Q/QinQ, Linux SLL
// and SLL2, BSD NULL/LOOP, raw IPv4/IPv6), IPv4 with options and fragments (reassembled here),
// IPv6 with extension headers, TCP with options, UDP. Lengths come from the IP header, never the
// frame length (Ethernet padding is not payload).

#include "capture/raw_packet.hpp"
#include "model/segment.hpp"
#include "packet/decoded_packet.hpp"

#include <functional>
#include <memory>
#include <string>

namespace sniff::packet {

enum class DecodeStatus : std::uint8_t {
    ok,               // packet holds a TCP or UDP packet
    not_transport,    // valid but not TCP/UDP over IP (ARP, ICMP, ...): ignored silently
    fragment_held,    // an IPv4/IPv6 fragment kept until its datagram is complete
    unsupported_link, // a link type sniff does not decode (counted, named once)
    truncated,        // headers cut short by the snap length or the frame
    malformed,        // impossible header values (bad IHL, length below header, ...)
};

struct DecodeResult {
    DecodeStatus status = DecodeStatus::malformed;
    DecodedPacket packet; // valid when status == ok
    std::string detail;   // why, for truncated/malformed
};

struct DecoderConfig {
    model::Timestamp fragment_timeout = 30'000'000'000; // ns an incomplete datagram is kept
    std::size_t max_fragment_bytes = 16 * 1024 * 1024;  // all pending fragments together
};

class Decoder {
public:
    explicit Decoder(DecoderConfig config = {});
    ~Decoder();
    Decoder(const Decoder&) = delete;
    Decoder& operator=(const Decoder&) = delete;

    DecodeResult decode(const capture::RawPacket& packet);

    // Drops fragment sets older than the timeout (reporting each as fragment_incomplete).
    void expire(model::Timestamp now);

    // Anomalies not tied to a flow yet: fragment overlaps and incomplete datagrams.
    std::function<void(const model::Anomaly&)> on_anomaly;

private:
    struct State;
    std::unique_ptr<State> m_state;
};

} // namespace sniff::packet
