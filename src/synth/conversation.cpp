#include "synth/conversation.hpp"

#include <algorithm>

namespace sniff::synth {

using model::Direction;
namespace flags = model::tcp_flags;

TcpConversation::TcpConversation(FrameOutput output, model::Endpoint client, model::Endpoint server,
                                 std::uint32_t client_isn, std::uint32_t server_isn)
    : m_output(std::move(output)), m_client(client),
      m_server(server), m_next_seq{client_isn, server_isn} {}

void TcpConversation::emit(Direction direction, model::Timestamp time, std::uint8_t tcp_flags,
                           util::Bytes payload) {
    const bool from_client = direction == Direction::c2s;
    TcpFields fields;
    fields.seq = m_next_seq[static_cast<int>(direction)];
    fields.ack = m_next_seq[static_cast<int>(model::opposite(direction))];
    fields.flags = tcp_flags;
    fields.mss_option = (tcp_flags & flags::syn) != 0;
    fields.window = m_window[static_cast<int>(direction)];
    if ((tcp_flags & flags::syn) != 0) {
        fields.window_scale = m_window_scale;
        fields.window = 65535; // a SYN's window is never scaled
    }
    if ((tcp_flags & flags::ack) == 0)
        fields.ack = 0;
    build_tcp_headers(m_headers, from_client ? m_client : m_server,
                      from_client ? m_server : m_client, fields, payload);
    m_output(time, m_headers, payload);
    const std::uint32_t consumed = static_cast<std::uint32_t>(payload.size()) +
                                   ((tcp_flags & (flags::syn | flags::fin)) ? 1u : 0u);
    m_next_seq[static_cast<int>(direction)] += consumed;
}

void TcpConversation::handshake(model::Timestamp time) {
    emit(Direction::c2s, time, flags::syn, {});
    emit(Direction::s2c, time + 1000, flags::syn | flags::ack, {});
    emit(Direction::c2s, time + 2000, flags::ack, {});
}

void TcpConversation::data(Direction direction, model::Timestamp time, util::Bytes payload) {
    do {
        const std::size_t size = std::min(payload.size(), k_max_payload);
        emit(direction, time, flags::psh | flags::ack, payload.first(size));
        payload = payload.subspan(size);
    } while (!payload.empty());
}

void TcpConversation::fin(Direction direction, model::Timestamp time) {
    emit(direction, time, flags::fin | flags::ack, {});
}

void TcpConversation::rst(Direction direction, model::Timestamp time) {
    emit(direction, time, flags::rst | flags::ack, {});
}

void udp_exchange(const FrameOutput& output, const model::Endpoint& source,
                  const model::Endpoint& destination, model::Timestamp time, util::Bytes payload) {
    Frame frame;
    udp_exchange(output, frame, source, destination, time, payload);
}

void udp_exchange(const FrameOutput& output, Frame& frame, const model::Endpoint& source,
                  const model::Endpoint& destination, model::Timestamp time, util::Bytes payload) {
    build_udp_frame(frame, source, destination, payload);
    output(time, frame, {});
}

} // namespace sniff::synth
