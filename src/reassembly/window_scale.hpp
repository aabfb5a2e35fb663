#pragma once
// The window scale of one TCP connection (RFC 7323 section 2): each end announces a shift count
// in its SYN (the client) or SYN+ACK (the server), and the windows an end advertises afterwards
// are multiplied by 2^shift, but only when both ends announced one; a SYN's own window is never
// scaled. Until both were seen the scale is unknown and windows are taken as they are (a capture
// that missed the handshake cannot know it, as tshark says "scaling factor: -1 (unknown)").

#include "model/flow.hpp"

#include <array>
#include <cstdint>
#include <optional>

namespace sniff::reassembly {

class WindowScale {
public:
    // A SYN (or SYN+ACK) sent in `direction`, with the shift of its window scale option or
    // nullopt when it had none. A retransmitted SYN replaces what its first copy said.
    void note_syn(model::Direction direction, std::optional<std::uint8_t> shift);

    // The shift applied to the windows `direction` advertises: 0..14 once both SYNs were seen
    // (0 when either lacked the option), else model::k_window_shift_unknown.
    std::int8_t shift(model::Direction direction) const;

    // The window in bytes that a packet sent in `direction` advertises with the raw field
    // `window`; syn: the packet is a SYN or SYN+ACK (never scaled).
    std::uint32_t bytes(model::Direction direction, std::uint16_t window, bool syn) const {
        const std::int8_t by = shift(direction);
        return syn || by <= 0 ? window : std::uint32_t{window} << by;
    }

private:
    static int index(model::Direction direction) { return static_cast<int>(direction); }

    std::array<bool, 2> m_syn_seen{};
    std::array<std::optional<std::uint8_t>, 2> m_offered{};
};

} // namespace sniff::reassembly
