#pragma once
// One run, several sources: a live capture and the proxy each number their flows from 1, and
// every view keys flows by id. Each source's events pass through its own OriginSink, which gives
// every flow a run-wide id (shared FlowIds, in order of first event across the sources) and marks
// the flow's origin, so the views keep a captured connection and a proxied one apart even when
// both show the same endpoints.

#include "reassembly/stream_sink.hpp"

#include <cstdint>
#include <unordered_map>

namespace sniff::pipeline {

// The run-wide flow numbering: 1, 2, ... Shared by the run's OriginSinks.
class FlowIds {
public:
    std::uint64_t next() { return ++m_last; }
    std::uint64_t last() const { return m_last; }

private:
    std::uint64_t m_last = 0;
};

class OriginSink final : public reassembly::StreamSink {
public:
    OriginSink(FlowIds& ids, model::FlowOrigin origin, reassembly::StreamSink& next)
        : m_ids(ids), m_origin(origin), m_next(next) {}

    void on_flow_open(const model::Flow& flow) override;
    void on_data(const model::Flow& flow, model::Direction direction,
                 const model::SegmentInfo& segment, util::Bytes bytes) override;
    void on_gap(const model::Flow& flow, model::Direction direction,
                const model::Gap& gap) override;
    void on_control(const model::Flow& flow, model::Direction direction,
                    const model::ControlNote& note) override;
    void on_anomaly(const model::Flow* flow, const model::Anomaly& anomaly) override;
    void on_flow_close(const model::Flow& flow, reassembly::CloseReason reason) override;

    // The run-wide id of a source's flow that is still open, or 0 (proxy events name flows by
    // the proxy's own id).
    std::uint64_t run_id(std::uint64_t source_id) const;

private:
    // The source's flow with the run-wide id and the origin; a flow not seen before gets the
    // next id. The copy is refreshed on each event, so the counters stay the source's.
    const model::Flow& relabel(const model::Flow& flow);

    FlowIds& m_ids;
    model::FlowOrigin m_origin;
    reassembly::StreamSink& m_next;
    std::unordered_map<std::uint64_t, model::Flow> m_open; // source id -> relabelled copy
};

} // namespace sniff::pipeline
