#pragma once
// --json: JSON Lines on standard output, one object per event. "type" is one of "flow" (with
// "event": "open" or "close" and, at close, the per-direction counters), "segment", "gap",
// "anomaly", "message" (from the dissectors) and "end" (totals, last line).

#include "output/json_line.hpp"
#include "reassembly/stream_sink.hpp"

#include <cstdio>
#include <nlohmann/json_fwd.hpp>

namespace sniff::output {

// Fields every flow-related object carries: proto, src, dst (IPv6 as "[IP]:PORT"), flow id, dir
// and, for a proxied flow, origin. flow_line starts a JsonLine of `type` with the same fields.
void put_flow_fields(nlohmann::json& object, const model::Flow& flow, model::Direction direction);
JsonLine flow_line(const char* type, const model::Flow& flow, model::Direction direction);

class JsonEventWriter final : public reassembly::StreamSink {
public:
    explicit JsonEventWriter(std::FILE* out, bool with_segments = true)
        : m_out(out), m_with_segments(with_segments) {}

    void on_flow_open(const model::Flow& flow) override;
    void on_data(const model::Flow& flow, model::Direction direction,
                 const model::SegmentInfo& segment, util::Bytes bytes) override;
    void on_gap(const model::Flow& flow, model::Direction direction,
                const model::Gap& gap) override;
    void on_anomaly(const model::Flow* flow, const model::Anomaly& anomaly) override;
    void on_flow_close(const model::Flow& flow, reassembly::CloseReason reason) override;

    void write(const nlohmann::json& object);
    void write(const JsonLine& line); // one built field by field (JsonLine is ASCII already)
    void write_end(const nlohmann::json& totals);

private:
    std::FILE* m_out;
    bool m_with_segments;
};

} // namespace sniff::output
