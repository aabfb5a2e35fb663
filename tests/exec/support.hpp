#pragma once
// Test support for sniff exec: a StreamSink that keeps every event, and a run of a program under
// ExecProcess on a fresh io_context until it has exited and its report is read.

#include "exec/asio.hpp"
#include "exec/exec_process.hpp"
#include "reassembly/stream_sink.hpp"

#include <map>
#include <string>
#include <vector>

namespace sniff::test {

struct SeenSegment {
    model::Direction direction = model::Direction::c2s;
    model::SegmentInfo info;
    std::string call;
    std::string bytes;
};

struct SeenFlow {
    model::Flow flow;
    std::vector<SeenSegment> segments;
    std::vector<model::Gap> gaps;
    bool closed = false;
    reassembly::CloseReason reason = reassembly::CloseReason::fin;

    std::string stream(model::Direction direction) const {
        std::string text;
        for (const auto& segment : segments)
            if (segment.direction == direction)
                text += segment.bytes;
        return text;
    }
    // Segments of one direction delivered by `call`.
    std::size_t calls(model::Direction direction, const std::string& call) const {
        std::size_t count = 0;
        for (const auto& segment : segments)
            count += segment.direction == direction && segment.call == call ? 1 : 0;
        return count;
    }
    bool any_call(const std::string& call) const {
        for (const auto& segment : segments)
            if (segment.call == call)
                return true;
        return false;
    }
};

class RecordingSink final : public reassembly::StreamSink {
public:
    void on_flow_open(const model::Flow& flow) override {
        flows[flow.id].flow = flow;
        order.push_back(flow.id);
    }
    void on_data(const model::Flow& flow, model::Direction direction,
                 const model::SegmentInfo& segment, util::Bytes bytes) override {
        SeenSegment seen{direction, segment, segment.call != nullptr ? segment.call : "",
                         std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size())};
        flows[flow.id].segments.push_back(std::move(seen));
    }
    void on_gap(const model::Flow& flow, model::Direction, const model::Gap& gap) override {
        flows[flow.id].gaps.push_back(gap);
    }
    void on_anomaly(const model::Flow*, const model::Anomaly& anomaly) override {
        anomalies.push_back(anomaly);
    }
    void on_flow_close(const model::Flow& flow, reassembly::CloseReason reason) override {
        flows[flow.id].flow = flow;
        flows[flow.id].closed = true;
        flows[flow.id].reason = reason;
    }

    // The flows whose stream in `direction` contains `text`.
    std::vector<const SeenFlow*> carrying(model::Direction direction,
                                          const std::string& text) const {
        std::vector<const SeenFlow*> found;
        for (const auto& [id, flow] : flows)
            if (flow.stream(direction).find(text) != std::string::npos)
                found.push_back(&flow);
        return found;
    }

    std::map<std::uint64_t, SeenFlow> flows;
    std::vector<std::uint64_t> order;
    std::vector<model::Anomaly> anomalies;
};

struct ExecRun {
    std::string error; // start() refused
    int status = -1;
    exec::ExecCounters counters;
};

// Runs argv under the preload (the build's library) with `sink` fed on the loop.
inline ExecRun run_exec(std::vector<std::string> argv, reassembly::StreamSink& sink,
                        std::vector<std::string> environment = {}) {
    boost::asio::io_context io;
    exec::ExecProcess process({std::move(argv), SNIFF_PRELOAD, std::move(environment)});
    ExecRun run;
    run.error = process.start(io, sink);
    if (!run.error.empty())
        return run;
    process.on_exit([&] { io.stop(); });
    io.run();
    process.finish();
    run.status = process.exit_status().value_or(-1);
    run.counters = process.counters();
    return run;
}

} // namespace sniff::test
