#include "pipeline/origin_sink.hpp"

namespace sniff::pipeline {

const model::Flow& OriginSink::relabel(const model::Flow& flow) {
    auto [it, inserted] = m_open.try_emplace(flow.id);
    const std::uint64_t id = inserted ? m_ids.next() : it->second.id;
    it->second = flow;
    it->second.id = id;
    it->second.origin = m_origin;
    return it->second;
}

void OriginSink::on_flow_open(const model::Flow& flow) {
    m_next.on_flow_open(relabel(flow));
}

void OriginSink::on_data(const model::Flow& flow, model::Direction direction,
                         const model::SegmentInfo& segment, util::Bytes bytes) {
    m_next.on_data(relabel(flow), direction, segment, bytes);
}

void OriginSink::on_gap(const model::Flow& flow, model::Direction direction,
                        const model::Gap& gap) {
    m_next.on_gap(relabel(flow), direction, gap);
}

void OriginSink::on_control(const model::Flow& flow, model::Direction direction,
                            const model::ControlNote& note) {
    m_next.on_control(relabel(flow), direction, note);
}

void OriginSink::on_anomaly(const model::Flow* flow, const model::Anomaly& anomaly) {
    m_next.on_anomaly(flow != nullptr ? &relabel(*flow) : nullptr, anomaly);
}

void OriginSink::on_flow_close(const model::Flow& flow, reassembly::CloseReason reason) {
    m_next.on_flow_close(relabel(flow), reason);
    m_open.erase(flow.id); // the flow's last event
}

std::uint64_t OriginSink::run_id(std::uint64_t source_id) const {
    const auto found = m_open.find(source_id);
    return found == m_open.end() ? 0 : found->second.id;
}

} // namespace sniff::pipeline
