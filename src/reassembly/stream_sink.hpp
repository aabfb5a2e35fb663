#pragma once
// The events reassembly reports, in stream order per direction. Everything downstream
// (dissectors, outputs, the TUI model) is a StreamSink; the same events come from captures
// (segments) and from the proxy (recv() chunks).

#include "model/flow.hpp"
#include "model/segment.hpp"
#include "util/byte_reader.hpp"

#include <vector>

namespace sniff::reassembly {

enum class CloseReason : std::uint8_t { fin, rst, idle, end_of_input, replaced };
const char* close_reason_name(CloseReason reason);

class StreamSink {
public:
    virtual ~StreamSink() = default;
    virtual void on_flow_open(const model::Flow&) {}
    // bytes.size() == segment.length; bytes are valid only during the call.
    virtual void on_data(const model::Flow&, model::Direction, const model::SegmentInfo&,
                         util::Bytes /*bytes*/) {}
    virtual void on_gap(const model::Flow&, model::Direction, const model::Gap&) {}
    // A pure ACK, window update or retransmission sent in `direction`, in capture order. Only
    // when the reassembler was asked for them (ReassemblyConfig::control_events): --report.
    virtual void on_control(const model::Flow&, model::Direction, const model::ControlNote&) {}
    // flow is null for anomalies not tied to a flow (bad link type, fragment problems).
    virtual void on_anomaly(const model::Flow*, const model::Anomaly&) {}
    // The flow's last event; the Flow object is destroyed after it.
    virtual void on_flow_close(const model::Flow&, CloseReason) {}
    // Time passes (live sources only, every few hundred ms even without traffic): a sink that
    // buffers (a recording) flushes here, so a crash loses at most the last moments.
    virtual void on_tick(model::Timestamp /*now*/) {}
};

// Passes every event to each sink in order.
class SinkFanout final : public StreamSink {
public:
    void add(StreamSink& sink) { m_sinks.push_back(&sink); }
    void on_flow_open(const model::Flow& flow) override {
        for (auto* sink : m_sinks)
            sink->on_flow_open(flow);
    }
    void on_data(const model::Flow& flow, model::Direction direction,
                 const model::SegmentInfo& segment, util::Bytes bytes) override {
        for (auto* sink : m_sinks)
            sink->on_data(flow, direction, segment, bytes);
    }
    void on_gap(const model::Flow& flow, model::Direction direction,
                const model::Gap& gap) override {
        for (auto* sink : m_sinks)
            sink->on_gap(flow, direction, gap);
    }
    void on_control(const model::Flow& flow, model::Direction direction,
                    const model::ControlNote& note) override {
        for (auto* sink : m_sinks)
            sink->on_control(flow, direction, note);
    }
    void on_anomaly(const model::Flow* flow, const model::Anomaly& anomaly) override {
        for (auto* sink : m_sinks)
            sink->on_anomaly(flow, anomaly);
    }
    void on_flow_close(const model::Flow& flow, CloseReason reason) override {
        for (auto* sink : m_sinks)
            sink->on_flow_close(flow, reason);
    }
    void on_tick(model::Timestamp now) override {
        for (auto* sink : m_sinks)
            sink->on_tick(now);
    }

private:
    std::vector<StreamSink*> m_sinks;
};

} // namespace sniff::reassembly
