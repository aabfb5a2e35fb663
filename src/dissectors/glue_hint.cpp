// Which requests a short answer count points at: grouped by the answers that followed them.

#include "dissectors/glue_hint.hpp"

namespace sniff::dissect {

std::optional<PairShape> message_shape(const DirectionSummary& c2s, const DirectionSummary& s2c) {
    if ((c2s.exchanges && s2c.exchanges) || c2s.spec != s2c.spec)
        return std::nullopt;
    return pair_shape(c2s.spec);
}

std::vector<GlueHint> glue_hints(std::span<const model::Timestamp> request_ends,
                                 std::span<const model::Timestamp> answer_starts,
                                 const PairShape& shape) {
    std::vector<GlueHint> hints;
    const std::uint64_t expected = request_ends.size() / shape.requests * shape.answers;
    if (answer_starts.size() >= expected)
        return hints;
    std::size_t next = 0; // the first request no answer has followed yet
    for (std::size_t answer = 0; answer < answer_starts.size(); ++answer) {
        const std::size_t first = next;
        while (next < request_ends.size() && request_ends[next] <= answer_starts[answer])
            ++next;
        // A server answering in pieces sends several answers after one read: only a group
        // larger than one exchange points at gluing.
        if (next - first > shape.requests)
            hints.push_back(GlueHint{first, next - 1, answer});
    }
    if (next < request_ends.size())
        hints.push_back(GlueHint{next, request_ends.size() - 1, std::nullopt});
    return hints;
}

std::string glue_hint_text(const GlueHint& hint) {
    const std::string range = hint.requests() == 1
                                  ? "request #" + std::to_string(hint.first_request)
                                  : "requests #" + std::to_string(hint.first_request) + "-#" +
                                        std::to_string(hint.last_request);
    if (!hint.answer)
        return range + " got no answer";
    return range + " (" + std::to_string(hint.requests()) + ") came before one answer (s2c #" +
           std::to_string(*hint.answer) + "): read together by the server?";
}

} // namespace sniff::dissect
