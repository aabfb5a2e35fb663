#pragma once
// The reads a `sniff exec` user is looking for: a call that returned the end of one message and
// the start of the next (the sticky-packet read), or that ended inside a message. Put between the
// dissector engine and the view's MessageSink (every call is passed on unchanged); it counts such
// reads per run and describes the first k_max_listed of them in words:
//
//   "s2c read #3 (call 9, 127.0.0.1:40000 <- 127.0.0.1:6379) returned the last 956 bytes of
//    message 0 and the first 68 of message 1"
//
// It is also a StreamSink, to be fed the collector's events beside the engine (it keeps the call
// name of each flow direction's last k_call_memory segments, to say "recv" or "read"); only
// flows of origin exec are watched (writes that carry two messages are listed too, named as
// what they are). A description needs the offset of the
// message the read ends in, known once that message is reported (it spans reads, so the engine
// always reports it): until then the read waits in a bounded list (a direction's end describes what
// is left).

#include "dissectors/engine.hpp"
#include "reassembly/stream_sink.hpp"

#include <deque>
#include <map>
#include <string>
#include <vector>

namespace sniff::exec {

class MixedReads final : public dissect::MessageSink, public reassembly::StreamSink {
public:
    static constexpr std::size_t k_call_memory = 64;
    static constexpr std::size_t k_max_listed = 200;
    static constexpr std::size_t k_max_waiting = 1024;
    static constexpr std::size_t k_max_directions = 8192; // call names kept for this many

    explicit MixedReads(dissect::MessageSink& next) : m_next(next) {}

    void on_message(const model::Flow& flow, const dissect::Message& message,
                    util::Bytes preview) override;
    bool wants_each_message(const model::Flow& flow, model::Direction direction) override {
        return m_next.wants_each_message(flow, direction);
    }
    void on_segment(const model::Flow& flow, const dissect::SegmentReport& report) override;
    void on_framing(const model::Flow& flow, const dissect::FramingChoice& choice) override {
        m_next.on_framing(flow, choice);
    }
    void on_direction_end(const model::Flow& flow,
                          const dissect::DirectionSummary& summary) override;

    // StreamSink: the collector's events (only the call names of exec flows are kept).
    void on_data(const model::Flow& flow, model::Direction direction,
                 const model::SegmentInfo& segment, util::Bytes bytes) override;
    void on_flow_close(const model::Flow& flow, reassembly::CloseReason reason) override;

    // Calls that returned (or wrote) bytes of two or more messages.
    std::uint64_t mixed_reads() const { return m_mixed; }
    // Calls whose last byte is not the end of a message.
    std::uint64_t reads_ending_inside() const { return m_inside; }
    // The first k_max_listed mixed reads, described, in the order they were made.
    const std::vector<std::string>& listed() const { return m_listed; }

private:
    struct Waiting {
        std::uint64_t flow_id = 0;
        model::Direction direction = model::Direction::c2s;
        std::string label; // "recv #3 of s2c (call 9 of the run, A -> B)"
        bool read = true;  // a reading call ("returned"), else a writing one ("wrote")
        dissect::SegmentReport report;
    };
    void describe(const Waiting& waiting, const dissect::Message* last);
    const char* call_of(const model::Flow& flow, const dissect::SegmentReport& report) const;

    using CallKey = std::pair<std::uint64_t, model::Direction>;
    std::map<CallKey, std::deque<std::pair<std::uint64_t, const char*>>> m_calls;

    dissect::MessageSink& m_next;
    std::deque<Waiting> m_waiting;
    std::uint64_t m_mixed = 0;
    std::uint64_t m_inside = 0;
    std::vector<std::string> m_listed;
};

} // namespace sniff::exec
