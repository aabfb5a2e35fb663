#pragma once
// --json with a framing: each message as a JSON Lines object ("type":"message") with proto, src,
// dst, dir, index, offset, length, header_length, class, status, segments (indexes), frames,
// framing (spec string), an escaped preview, and a JSON header's fields under "header". Also
// "framing" objects (auto's guess with its confidence) and per-direction "direction_summary".

#include "dissectors/engine.hpp"
#include "output/json_events.hpp"

#include <unordered_map>

namespace sniff::output {

class MessageJsonWriter final : public dissect::MessageSink {
public:
    explicit MessageJsonWriter(JsonEventWriter& writer) : m_writer(writer) {}

    void on_message(const model::Flow& flow, const dissect::Message& message,
                    util::Bytes preview) override;
    void on_framing(const model::Flow& flow, const dissect::FramingChoice& choice) override;
    void on_direction_end(const model::Flow& flow,
                          const dissect::DirectionSummary& summary) override;

private:
    // Per flow direction, until its end: the spec to name in each message, and the start of its
    // message lines (type and flow fields), made once.
    struct DirectionText {
        std::string spec = "raw";
        std::string begun;
        bool timed = false; // the spec pairs messages one to one: their times are kept
    };
    // Per flow direction of a one-to-one pairing framing: when each request ended (c2s) or
    // each answer began (s2c), for the glue hints written after the pairing line; at most
    // k_max_timed, past which no hints are written for the flow.
    static constexpr std::size_t k_max_timed = 1 << 16;
    struct Times {
        std::vector<model::Timestamp> times;
        bool overflow = false;
    };
    void write_glue_hints(const model::Flow& flow, const dissect::DirectionSummary& c2s,
                          const dissect::DirectionSummary& s2c);
    DirectionText& text_of(const model::Flow& flow, model::Direction direction);

    JsonEventWriter& m_writer;
    std::unordered_map<std::uint64_t, DirectionText> m_directions;
    // c2s summaries of flows whose s2c summary is still to come (the engine ends c2s first),
    // for the request/answer pairing line.
    std::unordered_map<std::uint64_t, dissect::DirectionSummary> m_c2s_summaries;
    std::unordered_map<std::uint64_t, Times> m_times; // by flow direction, while timed
    void write_direction_summary(const model::Flow& flow, const dissect::DirectionSummary& summary);
};

} // namespace sniff::output
