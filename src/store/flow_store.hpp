#pragma once
// The model a viewer browses: every flow (kept after it closes), and per direction its segments,
// gaps, messages, framing and bytes. Fed as a reassembly::StreamSink (put it before the
// dissector engine in a fan-out) and as the engine's dissect::MessageSink.
//
// Bytes are referenced, not copied, when they lie in the stable region given at construction
// (the capture file's mapping: capture::FileReader::mapped_data()). A flow can be dissected again
// with another framing: its stored events are replayed into a fresh engine.
//
// Live sources never end, so a store can be given a budget (set_byte_budget): past it, the
// oldest copied bytes of the direction holding the most are dropped (they read as missing, like
// a gap), and past budget / k_bytes_per_item segments + messages, the oldest quarter of the
// longest direction's lists is dropped. Dropped items are still counted (dropped_*), so totals
// and class counts stay right; labels keep their own index.

#include "dissectors/engine.hpp"
#include "reassembly/stream_sink.hpp"
#include "store/message_list.hpp"
#include "store/stream_bytes.hpp"

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace sniff::store {

struct DirectionData {
    explicit DirectionData(util::Bytes region) : bytes(region) {}

    std::vector<model::SegmentInfo> segments; // in stream order
    std::vector<model::Gap> gaps;             // in stream order
    MessageList messages;                     // in stream order
    std::optional<dissect::FramingChoice> framing;
    std::optional<dissect::DirectionSummary> summary;
    StreamBytes bytes;
    // Oldest segments given up to stay within the store's budget (messages: messages.dropped()).
    std::uint64_t dropped_segments = 0;

    // Index of the segment / message holding stream offset `offset`, or nullopt.
    std::optional<std::size_t> segment_at(std::uint64_t offset) const;
    std::optional<std::size_t> message_at(std::uint64_t offset) const;
    // Index of the first segment / message starting at or after offset (size() when none).
    std::size_t first_segment_from(std::uint64_t offset) const;
    std::size_t first_message_from(std::uint64_t offset) const;
    std::uint64_t segment_total() const { return dropped_segments + segments.size(); }
    std::uint64_t message_total() const { return messages.dropped() + messages.size(); }
    // Messages of each class (indexed by dissect::MessageClass) and malformed/truncated ones,
    // dropped ones included.
    const std::array<std::uint64_t, 4>& class_counts() const { return messages.class_counts(); }
    std::uint64_t bad_messages() const { return messages.bad_count(); }
    // Frame number of the segment with SegmentInfo::index `index`, when it is still kept.
    std::optional<std::uint64_t> frame_of_segment(std::uint64_t index) const;
};

struct FlowRecord {
    explicit FlowRecord(util::Bytes region)
        : directions{DirectionData(region), DirectionData(region)} {}

    model::Flow flow; // updated with every event, so stats are the latest
    bool closed = false;
    reassembly::CloseReason close_reason = reassembly::CloseReason::end_of_input;
    std::array<DirectionData, 2> directions;
    std::vector<model::Anomaly> anomalies;
    std::string framing_override; // spec text set by redissect(); empty when none

    DirectionData& of(model::Direction d) { return directions[static_cast<int>(d)]; }
    const DirectionData& of(model::Direction d) const { return directions[static_cast<int>(d)]; }
    std::uint64_t message_count() const;
    std::uint64_t gap_count() const;
};

class FlowStore final : public reassembly::StreamSink, public dissect::MessageSink {
public:
    explicit FlowStore(util::Bytes stable_region = {}, dissect::EngineConfig config = {})
        : m_region(stable_region), m_config(config) {}

    // reassembly::StreamSink
    void on_flow_open(const model::Flow& flow) override;
    void on_data(const model::Flow& flow, model::Direction direction,
                 const model::SegmentInfo& segment, util::Bytes bytes) override;
    void on_gap(const model::Flow& flow, model::Direction direction,
                const model::Gap& gap) override;
    void on_anomaly(const model::Flow* flow, const model::Anomaly& anomaly) override;
    void on_flow_close(const model::Flow& flow, reassembly::CloseReason reason) override;

    // dissect::MessageSink
    void on_message(const model::Flow& flow, const dissect::Message& message,
                    util::Bytes preview) override;
    void on_framing(const model::Flow& flow, const dissect::FramingChoice& choice) override;
    void on_direction_end(const model::Flow& flow,
                          const dissect::DirectionSummary& summary) override;

    // Flows in order of first packet.
    std::size_t size() const { return m_flows.size(); }
    const FlowRecord& at(std::size_t index) const { return *m_flows[index]; }
    const FlowRecord* find(std::uint64_t flow_id) const;
    // The same TCP connection as another source saw it (`sniff exec -i`: the wire's flow for the
    // program's, and back), when both saw it open; null otherwise.
    const FlowRecord* twin_of(const FlowRecord& record) const;
    const std::vector<model::Anomaly>& global_anomalies() const { return m_global_anomalies; }
    // Bumped on every change, so a view knows when to redraw.
    std::uint64_t version() const { return m_version; }

    // Bounds memory for a live source: copied bytes (arena memory) at most `bytes`, list entries
    // at most bytes / k_bytes_per_item. 0 (the default) keeps everything.
    void set_byte_budget(std::uint64_t bytes);
    std::uint64_t held_bytes() const { return m_held; }
    static constexpr std::uint64_t k_bytes_per_item = 512;

    // Replaces the flow's messages, framings and summaries with those of `spec`, by replaying the
    // stored segments and gaps into a fresh engine. False when the flow is unknown.
    bool redissect(std::uint64_t flow_id, const dissect::FramingSpec& spec);

private:
    FlowRecord* record(const model::Flow& flow);
    FlowRecord* record(std::uint64_t flow_id);
    FlowRecord* message_record(const model::Flow& flow);
    void enforce_budget();
    DirectionData* largest(bool by_items);

    util::Bytes m_region;
    dissect::EngineConfig m_config;
    std::vector<std::unique_ptr<FlowRecord>> m_flows;
    std::unordered_map<std::uint64_t, std::size_t> m_index; // flow id → position
    FlowRecord* m_last_record = nullptr; // the record of the last message (records never move)
    std::vector<model::Anomaly> m_global_anomalies;
    std::uint64_t m_version = 0;
    bool m_seen_capture = false; // twins exist only when both kinds of flows do
    bool m_seen_exec = false;
    std::uint64_t m_budget = 0; // 0: unlimited
    std::uint64_t m_item_budget = 0;
    std::uint64_t m_held = 0;  // arena bytes of every direction
    std::uint64_t m_items = 0; // segments + messages kept
};

} // namespace sniff::store
