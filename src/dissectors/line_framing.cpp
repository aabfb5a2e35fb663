// The line-and-block framing loop shared by memcached text and NATS (see line_framing.hpp).

#include "dissectors/line_framing.hpp"

namespace sniff::dissect {

FrameResult LineFraming::finish(std::uint64_t total, std::uint64_t header) const {
    if (total > m_max)
        return FrameResult::malformed("message of " + std::to_string(total) + " bytes over max " +
                                          std::to_string(m_max),
                                      Resync::give_up, total);
    return FrameResult::message(total, header);
}

FrameResult LineFraming::frame(model::Direction direction, util::Bytes bytes, std::uint64_t from) {
    State& state = m_states[static_cast<std::size_t>(direction)];
    if (from == 0)
        state = State{};
    std::size_t at = 0;
    while (at < bytes.size()) {
        if (state.data_left > 0) {
            const std::size_t skip = static_cast<std::size_t>(
                std::min<std::uint64_t>(state.data_left, bytes.size() - at));
            state.data_left -= skip;
            at += skip;
            continue;
        }
        const auto used = state.line.feed(bytes.subspan(at));
        if (!used) {
            at = bytes.size();
            break;
        }
        at += *used;
        const LineAction action =
            on_line(direction, state.line.text(), state.first, state.line.cut());
        if (state.first)
            state.header = from + at;
        state.first = false;
        state.line.reset();
        switch (action.kind) {
        case LineAction::Kind::complete:
            return finish(from + at, state.header);
        case LineAction::Kind::then_complete:
            // data <= max + 2 (the subclass parsed it with parse_size against max): no overflow.
            return finish(from + at + action.data, state.header);
        case LineAction::Kind::then_line:
            state.data_left = action.data;
            break;
        case LineAction::Kind::malformed:
            return FrameResult::malformed(action.reason, Resync::give_up, from + at);
        }
    }
    if (from + bytes.size() > m_max)
        return FrameResult::malformed("message longer than max " + std::to_string(m_max),
                                      Resync::give_up, from + bytes.size());
    return FrameResult::need_more(from + bytes.size() + 1, Feed::tail);
}

} // namespace sniff::dissect
