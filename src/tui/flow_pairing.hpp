#pragma once
// A flow's request/answer pairing, once both directions are summarised (the flow ended): shown
// in the flow view's title and details, and on the flow's row when the counts differ.

#include "dissectors/glue_hint.hpp"
#include "dissectors/pairing.hpp"
#include "store/flow_store.hpp"

#include <optional>
#include <vector>

namespace sniff::tui {

inline std::optional<dissect::Pairing> pairing_of(const store::FlowRecord& record) {
    const auto& c2s = record.of(model::Direction::c2s).summary;
    const auto& s2c = record.of(model::Direction::s2c).summary;
    if (!c2s || !s2c)
        return std::nullopt;
    return dissect::pair_messages(*c2s, *s2c);
}

// The requests a short answer count points at (dissectors/glue_hint.hpp), when the store still
// holds every message of both directions.
inline std::vector<dissect::GlueHint> glue_hints_of(const store::FlowRecord& record) {
    const auto& c2s = record.of(model::Direction::c2s);
    const auto& s2c = record.of(model::Direction::s2c);
    const auto pairing = pairing_of(record);
    if (!pairing || pairing->agree() || c2s.messages.size() != c2s.summary->messages ||
        s2c.messages.size() != s2c.summary->messages)
        return {};
    const auto shape = dissect::message_shape(*c2s.summary, *s2c.summary);
    if (!shape)
        return {};
    std::vector<model::Timestamp> request_ends, answer_starts;
    request_ends.reserve(c2s.messages.size());
    answer_starts.reserve(s2c.messages.size());
    for (const auto& message : c2s.messages)
        request_ends.push_back(message.last_time);
    for (const auto& message : s2c.messages)
        answer_starts.push_back(message.first_time);
    return dissect::glue_hints(request_ends, answer_starts, *shape);
}

} // namespace sniff::tui
