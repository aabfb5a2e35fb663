#pragma once
// One direction of one flow under a framing: the engine's per-direction state machine. It cuts
// delivered bytes into messages with its Framing, tracks which segments carried each message and
// each segment's boundary counts, and reports to a MessageSink. Internal to the engine.

#include "dissectors/engine.hpp"
#include "dissectors/framing.hpp"
#include "dissectors/inner_messages.hpp"

#include <memory>
#include <optional>
#include <vector>

namespace sniff::dissect {

class DirectionFramer {
public:
    DirectionFramer(model::Direction direction, MessageSink& sink, const EngineConfig& config)
        : m_direction(direction), m_sink(sink), m_config(config) {}

    // framing null = raw (segments only, or one message per datagram when `datagrams`).
    void start(Framing* framing, std::string spec, bool datagrams);
    bool started() const { return m_started; }

    void data(const model::Flow& flow, const model::SegmentInfo& segment, util::Bytes bytes);
    void gap(const model::Flow& flow, const model::Gap& gap);
    // The peer direction just delivered bytes: a handshake framing may end our message.
    void peer_data(const model::Flow& flow);
    // End of stream: truncates the current message, flushes the last segment report.
    void finish(const model::Flow& flow);

    std::size_t buffered_bytes() const {
        return m_head.capacity() + m_preview.capacity() + (m_inner ? m_inner->buffered_bytes() : 0);
    }
    const DirectionSummary& summary() const { return m_summary; }

private:
    enum class Mode : std::uint8_t { framing, resync, stopped, raw };
    struct Current {
        bool active = false;
        std::uint64_t start = 0; // stream offset
        std::optional<std::uint64_t> total;
        std::uint64_t header = 0;
        std::string header_json;
        Feed feed = Feed::head;
        std::uint64_t need = 1;
        std::uint64_t fed = 0; // tail mode: bytes already passed to the framing
        std::uint64_t first_segment = 0, first_frame = 0, first_segment_offset = 0;
        model::Timestamp first_time = 0;
        std::string truncation; // a gap fell inside; the message goes on to its known end
    };

    void open_segment(const model::SegmentInfo& segment, util::Bytes bytes);
    void flush_segment(const model::Flow& flow);
    void datagram(const model::Flow& flow, const model::SegmentInfo& segment, util::Bytes bytes);
    // Advances through bytes[p..]; returns the new position.
    std::size_t step(const model::Flow& flow, util::Bytes bytes, std::size_t p);
    std::size_t step_head(const model::Flow& flow, util::Bytes bytes, std::size_t p);
    std::size_t step_tail(const model::Flow& flow, util::Bytes bytes, std::size_t p);
    // Applies a framing answer. The framing saw `passed` bytes from the message start, of which
    // `consumed` lie before position p of bytes; returns the new position.
    std::size_t apply(const model::Flow& flow, const FrameResult& result, std::uint64_t passed,
                      std::uint64_t consumed, util::Bytes bytes, std::size_t p);
    void begin_message(std::uint64_t offset);
    void count_message_start(); // in the open segment's report
    // Previews: a message that began in the segment being processed is shown from its bytes in
    // place; only one that spans segments has its first bytes carried over in m_preview.
    void append_preview(util::Bytes bytes);
    void carry_preview(); // end of a segment: keep the current message's first bytes
    util::Bytes preview_until(std::uint64_t end);
    void emit(const model::Flow& flow, std::uint64_t end, MessageStatus status, std::string reason);
    // The fast path: the messages that Framing::frame_run finds wholly in bytes from p, each
    // emitted without the general state machine; returns the position after them.
    std::size_t emit_run(const model::Flow& flow, util::Bytes bytes, std::size_t p);
    void emit_in_place(const model::Flow& flow, std::size_t at, const RunMessage& run);
    // The counting path (no sink wants each message): Framing::count_run's messages from p are
    // counted as emit_in_place would count them; returns the position after them.
    std::size_t count_in_place(util::Bytes bytes, std::size_t p);
    // Counts a finished message and hands it to the sink (both emit paths end here).
    void deliver(const model::Flow& flow, Message& message, util::Bytes preview);
    // A layered framing (Framing::layer_name): its units are counted, not delivered; the inner
    // messages that ended are delivered at the end of each segment (`segment_end`: the segment's
    // report then tells how they used it), or when a gap or the end of the stream ends them.
    void deliver_inner(const model::Flow& flow, bool segment_end);
    void end_inner(const std::string& reason);
    // A unit of a layered framing's layer underneath ends cut short or malformed. When inner
    // messages are open they end first (inner_reason) and carry the damage; when they are, or
    // one had bytes in the unit, the unit, which they overlap, is not a message of its own.
    // Otherwise, or without a layer, emit().
    void end_unit(const model::Flow& flow, std::uint64_t end, MessageStatus status,
                  std::string reason, const std::string& inner_reason);
    std::uint64_t here(std::size_t p) const { return m_segment.offset + p; }

    model::Direction m_direction;
    MessageSink& m_sink;
    const EngineConfig& m_config;
    Framing* m_framing = nullptr;
    bool m_started = false;
    bool m_datagrams = false;
    bool m_each_message = true; // the sink's answer for the segment being processed
    Mode m_mode = Mode::raw;
    bool m_resync_restart = false;
    std::uint64_t m_pos = 0; // next stream offset
    std::uint64_t m_next_index = 0;
    Current m_current;
    std::vector<std::byte> m_head;         // buffered header bytes of the current message
    std::vector<std::byte> m_preview;      // first bytes of the current message, from past segments
    model::SegmentInfo m_segment;          // the segment being (or last) processed
    util::Bytes m_bytes;                   // its bytes, only while data() runs
    std::optional<SegmentReport> m_report; // its report, open until its last byte's owner is known
    DirectionSummary m_summary;
    std::unique_ptr<InnerMessages> m_inner; // a layered framing's messages
    std::vector<InnerMessages::Finished> m_finished;
};

} // namespace sniff::dissect
