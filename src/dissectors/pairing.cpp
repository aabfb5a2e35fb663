// Request/answer pairing: the table of exchange shapes and the counts' verdict in words.

#include "dissectors/pairing.hpp"

#include "util/plural.hpp"

#include <array>

namespace sniff::dissect {

namespace {

struct ShapeEntry {
    std::string_view spec; // as the engine reports it (presets expanded)
    PairShape shape;
};

// DNS over TCP (RFC 1035 4.2.2; RFC 7766 allows pipelining, still one answer per query) and the
// article's command exchanges as `sniff serve` speaks them: one framed request, one framed answer.
constexpr std::array k_shapes{
    ShapeEntry{"len:size=2,be", {1, 1}},        // dns-tcp
    ShapeEntry{"len:size=4,le,signed", {1, 1}}, // struct
    ShapeEntry{"json:size=4,le", {1, 1}},       // json-header
};

} // namespace

std::optional<PairShape> pair_shape(std::string_view spec) {
    for (const auto& entry : k_shapes)
        if (entry.spec == spec)
            return entry.shape;
    return std::nullopt;
}

std::optional<Pairing> pair_messages(const DirectionSummary& c2s, const DirectionSummary& s2c) {
    // A framing that knows its exchanges counted them (pgsql, resp, http, ...): its counts.
    if (c2s.exchanges && s2c.exchanges) {
        Pairing pairing;
        pairing.requests = c2s.exchanges->asks + s2c.exchanges->asks;
        pairing.answers = c2s.exchanges->answers + s2c.exchanges->answers;
        pairing.expected_answers = pairing.requests;
        // These servers parse a stream: requests glued by one read are still each answered, so
        // a difference says nothing about segments (requests_whole stays false).
        return pairing;
    }
    if (c2s.spec != s2c.spec)
        return std::nullopt;
    const auto shape = pair_shape(c2s.spec);
    if (!shape)
        return std::nullopt;
    Pairing pairing;
    pairing.requests = c2s.messages;
    pairing.answers = s2c.messages;
    // Whole exchanges only: a request cut short by the end of the capture asks for nothing yet.
    pairing.expected_answers = c2s.messages / shape->requests * shape->answers;
    pairing.requests_whole =
        c2s.messages > 0 && c2s.by_class[static_cast<int>(MessageClass::whole)] == c2s.messages;
    return pairing;
}

std::string pairing_text(const Pairing& pairing) {
    std::string text = util::counted(pairing.requests, "request") + ", " +
                       util::counted(pairing.answers, "answer");
    if (pairing.agree())
        return text;
    text += " (" + std::to_string(pairing.expected_answers) + " expected)";
    if (pairing.answers > pairing.expected_answers)
        return text + ": more answers than requests: requests missing from the capture, or a "
                      "server that answers in pieces";
    if (pairing.answers == 0)
        return text + ": no answer came";
    if (pairing.requests_whole)
        // What a segment is (the wire's packet, sniff's read, the program's call) the views say
        // per flow's origin, beside this text.
        return text + ": the requests came as " + util::counted(pairing.requests, "whole segment") +
               ", so the server's reads glued them";
    return text + ": a reader glued or dropped messages, or answers are still missing";
}

} // namespace sniff::dissect
