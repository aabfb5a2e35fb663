// Rewriting a capture with frames reordered and dropped (see reshuffle.hpp).

#include "gencap/reshuffle.hpp"

#include "capture/file_reader.hpp"
#include "packet/decoder.hpp"

#include <stdexcept>

namespace sniff::gencap {

namespace {

// Frames that carry transport payload are moved and dropped; the handshake and pure ACKs stay
// in place, so that the first packet of each connection still tells its client (see
// reshuffle.hpp).
bool movable(const packet::DecodeResult& decoded) {
    return decoded.status == packet::DecodeStatus::ok &&
           (!decoded.packet.payload.empty() || decoded.packet.payload_missing > 0);
}

} // namespace

LossCounts reshuffle_capture(const std::string& in, const std::string& out,
                             const LossOptions& loss) {
    capture::CaptureError error;
    const auto reader = capture::FileReader::open(in, error);
    if (reader == nullptr)
        throw std::runtime_error(in + ": " + error.to_string());
    capture::PcapFileOptions options;
    options.link_type = reader->first_link_type();
    options.snap_length = reader->snap_length();
    options.nanosecond = true;
    LossyWriter writer(out, options, loss);
    capture::RawPacket packet;
    packet::Decoder decoder;
    while (reader->next(packet)) {
        if (packet.link_type != options.link_type)
            throw std::runtime_error(in + ": frames of more than one link type");
        writer.offer(packet.time, packet.data, {}, movable(decoder.decode(packet)));
    }
    if (reader->error())
        throw std::runtime_error(in + ": " + reader->error()->to_string());
    writer.close();
    return writer.counts();
}

} // namespace sniff::gencap
