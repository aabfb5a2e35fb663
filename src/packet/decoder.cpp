// Decoder: link layer → IP → (fragment reassembly) → TCP/UDP. The normal path works on views of
// the frame and allocates nothing; only fragments are copied, into the fragment table.

#include "packet/decoder.hpp"

#include "packet/fragments.hpp"
#include "packet/layers.hpp"

namespace sniff::packet {
namespace {

constexpr std::uint8_t k_ipv6_hop_by_hop = 0, k_ipv6_routing = 43, k_ipv6_destination = 60,
                       k_ipv6_ah = 51;

DecodeResult finish(DecodeStatus status, std::string detail) {
    DecodeResult result;
    result.status = status;
    result.detail = std::move(detail);
    return result;
}

// Whether a fragmented datagram can hold TCP or UDP, so that it is worth reassembling: the
// protocol itself, or for IPv6 an extension header that may precede it.
bool worth_reassembling(std::uint8_t version, std::uint8_t protocol) {
    if (protocol == k_proto_tcp || protocol == k_proto_udp)
        return true;
    return version == 6 && (protocol == k_ipv6_hop_by_hop || protocol == k_ipv6_routing ||
                            protocol == k_ipv6_destination || protocol == k_ipv6_ah);
}

} // namespace

struct Decoder::State {
    explicit State(const DecoderConfig& settings)
        : config(settings), fragments(settings.max_fragment_bytes) {}

    DecodeResult reassemble(const capture::RawPacket& packet, std::uint8_t ip_version,
                            const IpResult& ip, const AnomalySink& sink);

    DecoderConfig config;
    FragmentTable fragments;
    std::vector<std::byte> datagram; // the last reassembled payload, valid until the next call
};

Decoder::Decoder(DecoderConfig config) : m_state(std::make_unique<State>(config)) {}
Decoder::~Decoder() = default;

DecodeResult Decoder::decode(const capture::RawPacket& packet) {
    LinkResult link = find_network_layer(packet.link_type, packet.data);
    if (link.status != DecodeStatus::ok)
        return finish(link.status, std::move(link.detail));
    IpResult ip = link.ip_version == 4 ? decode_ipv4(link.network) : decode_ipv6(link.network);
    if (ip.status != DecodeStatus::ok)
        return finish(ip.status, std::move(ip.detail));
    if (ip.fragment.present)
        return m_state->reassemble(packet, link.ip_version, ip, on_anomaly);

    DecodeResult result;
    result.packet.source.ip = ip.source;
    result.packet.destination.ip = ip.destination;
    result.status = decode_transport(ip.protocol, ip.payload, result.packet, result.detail);
    result.packet.payload_stable = packet.stable;
    return result;
}

DecodeResult Decoder::State::reassemble(const capture::RawPacket& packet, std::uint8_t ip_version,
                                        const IpResult& ip, const AnomalySink& sink) {
    if (!worth_reassembling(ip_version, ip.protocol))
        return finish(DecodeStatus::not_transport, {});
    // A fragment cut by the snap length can never complete its datagram; its set expires.
    if (ip.payload.missing != 0)
        return finish(DecodeStatus::truncated, "fragment cut by the snap length");

    Fragment fragment;
    fragment.key.version = ip_version;
    fragment.key.protocol = ip_version == 4 ? ip.protocol : 0;
    fragment.key.id = ip.fragment.id;
    fragment.key.source = ip.source;
    fragment.key.destination = ip.destination;
    fragment.offset = ip.fragment.offset;
    fragment.more = ip.fragment.more;
    fragment.next_header = ip.protocol;
    fragment.data = ip.payload.captured;
    fragment.frame = packet.frame;
    fragment.time = packet.time;

    std::uint8_t protocol = 0;
    std::string detail;
    switch (fragments.add(fragment, sink, datagram, protocol, detail)) {
    case FragmentTable::Outcome::held:
        return finish(DecodeStatus::fragment_held, {});
    case FragmentTable::Outcome::dropped:
        return finish(DecodeStatus::fragment_held, std::move(detail));
    case FragmentTable::Outcome::malformed:
        return finish(DecodeStatus::malformed, std::move(detail));
    case FragmentTable::Outcome::complete:
        break;
    }

    DecodeResult result;
    Region whole{util::Bytes(datagram), 0};
    if (ip_version == 6) {
        result.status = walk_ipv6_extensions(protocol, whole, nullptr, result.detail);
        if (result.status != DecodeStatus::ok)
            return result;
    }
    result.packet.source.ip = ip.source;
    result.packet.destination.ip = ip.destination;
    result.status = decode_transport(protocol, whole, result.packet, result.detail);
    return result;
}

void Decoder::expire(model::Timestamp now) {
    m_state->fragments.expire(now, m_state->config.fragment_timeout, on_anomaly);
}

} // namespace sniff::packet
