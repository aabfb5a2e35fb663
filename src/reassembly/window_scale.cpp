#include "reassembly/window_scale.hpp"

#include "packet/tcp_options.hpp"

#include <algorithm>

namespace sniff::reassembly {

void WindowScale::note_syn(model::Direction direction, std::optional<std::uint8_t> shift) {
    m_syn_seen[index(direction)] = true;
    m_offered[index(direction)] = shift;
}

std::int8_t WindowScale::shift(model::Direction direction) const {
    if (!m_syn_seen[0] || !m_syn_seen[1])
        return model::k_window_shift_unknown;
    // Scaling is on only when both ends offered it (RFC 7323 2.2); otherwise both windows are
    // plain 16-bit values.
    if (!m_offered[0] || !m_offered[1])
        return 0;
    // RFC 7323 2.3: a receiver of a shift above 14 logs it and uses 14.
    return static_cast<std::int8_t>(
        std::min(*m_offered[index(direction)], packet::k_max_window_shift));
}

} // namespace sniff::reassembly
