#include "packet/decoder.hpp"

namespace sniff::packet {

struct Decoder::State {};

Decoder::Decoder(DecoderConfig) : m_state(std::make_unique<State>()) {}
Decoder::~Decoder() = default;

DecodeResult Decoder::decode(const capture::RawPacket&) {
    return {DecodeStatus::unsupported_link, {}, "not implemented yet"};
}

void Decoder::expire(model::Timestamp) {}

} // namespace sniff::packet
