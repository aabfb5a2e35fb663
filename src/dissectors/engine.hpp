#pragma once
// The dissector engine: runs a framing over each flow direction's segments, maps every message
// onto the segments that carried it, and reports messages and per-segment boundary counts.
//
// Memory per direction is bounded: the engine buffers only the bytes a framing needs to decide
// (header bytes, a JSON header up to its cap), a preview of the current message, and for `auto`
// a sample of the first EngineConfig::auto_window bytes. Bodies are skipped, never copied.
//
// Status: truncated when the stream ended or a gap fell inside the message; malformed when the
// framing rejected it. After a gap between messages, or one that swallowed a header, a length
// framing cannot know where the next message starts: the direction stops (DirectionSummary says
// why); a delimiter framing resyncs after the next delimiter (skipped bytes are counted).
// TCP with raw framing reports no messages, only segments. UDP: one datagram = one message
// unless a framing is named for the port (then each datagram is framed on its own).

#include "dissectors/framing.hpp"
#include "dissectors/message.hpp"
#include "dissectors/selector.hpp"
#include "reassembly/stream_sink.hpp"

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

namespace sniff::dissect {

// Boundary counts of one delivered segment (or datagram, or recv chunk), reported once the owner
// of its last byte is known: "segment 7 carried the tail of 3, all of 4, head of 5" is
// first_message 3, last_message 5, message_starts 2, message_ends 2.
struct SegmentReport {
    model::Direction direction = model::Direction::c2s;
    std::uint64_t index = 0;
    std::uint64_t frame = 0;
    model::Timestamp time = 0;
    std::uint64_t offset = 0;
    std::uint32_t length = 0;
    std::uint32_t message_starts = 0;
    std::uint32_t message_ends = 0;
    bool has_messages = false;       // false for raw, before framing resumes, or skipped bytes
    std::uint64_t first_message = 0; // index of the message owning the first byte
    std::uint64_t last_message = 0;  // index of the message owning the last byte
};

// The framing a direction runs with, reported once it is known (at once, or after `auto`).
struct FramingChoice {
    model::Direction direction = model::Direction::c2s;
    std::string spec;        // pasteable spec string ("raw" when none)
    bool guessed = false;    // from auto
    double confidence = 1.0; // auto's confidence, 1 for a given spec
    bool uncertain = false;
    // auto: what decided it ("signature", "inferred", "peer": the other direction's signature,
    // "service": the signature decision of an earlier flow to the same server address and port);
    // empty for a given spec.
    std::string basis{};
    std::string disagrees{}; // auto: the service's decision when this flow's signature differs
};

struct DirectionSummary {
    model::Direction direction = model::Direction::c2s;
    std::string spec;
    std::uint64_t messages = 0;
    std::array<std::uint64_t, 4> by_class{};  // indexed by MessageClass
    std::array<std::uint64_t, 3> by_status{}; // indexed by MessageStatus
    std::uint64_t skipped_bytes = 0;          // bytes in no message (resync)
    bool stopped = false;                     // framing given up
    std::string stop_reason;
    // A layered framing (grpc): the units framed underneath the messages ("HTTP/2 frames").
    std::string layer;
    std::uint64_t layer_units = 0;
    // The framing's count of this direction's messages that ask for an answer and that complete
    // one, when it knows its protocol's exchanges (Framing::exchanges); set at the direction's
    // end.
    std::optional<ExchangeCount> exchanges;
};

class MessageSink {
public:
    virtual ~MessageSink() = default;
    // preview: the message's first bytes (at most EngineConfig::preview_bytes), raw and valid only
    // during the call: a sink that shows them escapes them, one that keeps them copies them. Most
    // messages are never shown, so the engine neither copies nor escapes them.
    virtual void on_message(const model::Flow&, const Message&, util::Bytes preview) = 0;
    // Whether on_message is wanted for each message of this direction from now on; asked once per
    // segment. A sink that only counts from some point (the text report past its listed
    // messages) answers false: the engine then counts the messages lying wholly in a segment
    // instead of building each (Framing::count_run). Counts, segment reports and summaries stay
    // the same; messages that span segments or are not complete are still reported one by one.
    // A "no" is final: the direction is not asked again.
    virtual bool wants_each_message(const model::Flow&, model::Direction) { return true; }
    virtual void on_segment(const model::Flow&, const SegmentReport&) {}
    virtual void on_framing(const model::Flow&, const FramingChoice&) {}
    // At flow close, for each direction, after its last message and segment.
    virtual void on_direction_end(const model::Flow&, const DirectionSummary&) {}
};

struct EngineConfig {
    std::uint64_t udp_bufsize = 0;          // flag UDP datagrams longer than this; 0 = off
    std::size_t preview_bytes = 48;         // first bytes of each message given to sinks
    std::size_t auto_window = 64u << 10;    // bytes sampled per direction before `auto` decides
    std::size_t max_head = (1u << 20) + 64; // most header bytes a framing may ask to buffer
};

class DissectorEngine final : public reassembly::StreamSink {
public:
    DissectorEngine(FramingSelector selector, MessageSink& sink, EngineConfig config = {});
    ~DissectorEngine() override;
    DissectorEngine(const DissectorEngine&) = delete;
    DissectorEngine& operator=(const DissectorEngine&) = delete;

    void on_flow_open(const model::Flow& flow) override;
    void on_data(const model::Flow& flow, model::Direction direction,
                 const model::SegmentInfo& segment, util::Bytes bytes) override;
    void on_gap(const model::Flow& flow, model::Direction direction,
                const model::Gap& gap) override;
    void on_flow_close(const model::Flow& flow, reassembly::CloseReason reason) override;

    // Bytes held in all directions (header buffers, previews, auto samples): stays small.
    std::size_t buffered_bytes() const;
    std::size_t open_flows() const { return m_flows.size(); }

    struct FlowState;
    struct Services;

private:
    FlowState& state_for(const model::Flow& flow);

    FramingSelector m_selector;
    MessageSink& m_sink;
    EngineConfig m_config;
    std::unordered_map<std::uint64_t, std::unique_ptr<FlowState>> m_flows;
    std::unique_ptr<Services> m_services; // auto's decision per server address and port
    std::uint64_t m_last_id = 0;
    FlowState* m_last = nullptr; // m_flows[m_last_id], or null
};

} // namespace sniff::dissect
