#pragma once
// The text report of the dissectors (the default without a terminal when a framing is in use):
// per flow and direction, the framing, counts per class, a boundary picture of the first bytes,
// then each message with its class, status and the segments that carried it. A flow's block is
// printed when it closes; each direction keeps at most k_max_listed messages in memory (the
// counts cover all of them), so memory stays bounded on endless streams.

#include "dissectors/engine.hpp"
#include "output/boundary_picture.hpp"

#include <cstdio>
#include <unordered_map>

namespace sniff::output {

class MessageReport final : public reassembly::StreamSink, public dissect::MessageSink {
public:
    static constexpr std::size_t k_max_listed = 200;
    static constexpr std::size_t k_picture_bytes = 96;

    explicit MessageReport(std::FILE* out) : m_out(out) {}

    // StreamSink: keeps the first bytes and segment starts for the picture. Register it after
    // the engine so the flow block is printed after the engine's last messages.
    void on_flow_open(const model::Flow& flow) override;
    void on_data(const model::Flow& flow, model::Direction direction,
                 const model::SegmentInfo& segment, util::Bytes bytes) override;
    void on_gap(const model::Flow& flow, model::Direction direction,
                const model::Gap& gap) override;
    void on_flow_close(const model::Flow& flow, reassembly::CloseReason reason) override;

    // MessageSink
    void on_message(const model::Flow& flow, const dissect::Message& message,
                    util::Bytes preview) override;
    // Past k_max_listed messages of a direction (the picture is complete long before), only
    // counts are needed: they come from the direction's summary.
    bool wants_each_message(const model::Flow& flow, model::Direction direction) override {
        return flow_report(flow.id).directions[static_cast<int>(direction)].lines.size() <
               k_max_listed;
    }
    void on_framing(const model::Flow& flow, const dissect::FramingChoice& choice) override;
    void on_direction_end(const model::Flow& flow,
                          const dissect::DirectionSummary& summary) override;

private:
    struct DirectionReport {
        std::string framing = "raw";
        std::string framing_note;
        PictureInput picture;
        std::vector<std::string> lines;
        std::uint64_t gaps = 0;
        dissect::DirectionSummary summary;
        bool has_summary = false;
    };
    struct FlowReport {
        DirectionReport directions[2];
    };

    // The flow's report; remembers the last one, as consecutive messages mostly share a flow.
    FlowReport& flow_report(std::uint64_t flow_id) {
        if (m_last == nullptr || m_last_id != flow_id) {
            m_last = &m_flows[flow_id];
            m_last_id = flow_id;
        }
        return *m_last;
    }
    void print_direction(const model::Flow& flow, model::Direction direction,
                         const DirectionReport& report);

    std::FILE* m_out;
    std::unordered_map<std::uint64_t, FlowReport> m_flows; // node-based: m_last stays valid
    std::uint64_t m_last_id = 0;
    FlowReport* m_last = nullptr; // m_flows[m_last_id], or null
};

} // namespace sniff::output
