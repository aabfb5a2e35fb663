#pragma once
// Passes the engine's message events to several MessageSinks (e.g. the text report and the HTML
// report), in the order they were added. The engine takes one MessageSink; give it this.

#include "dissectors/engine.hpp"

#include <vector>

namespace sniff::dissect {

class MessageFanout final : public MessageSink {
public:
    void add(MessageSink& sink) { m_sinks.push_back(&sink); }

    void on_message(const model::Flow& flow, const Message& message, util::Bytes preview) override {
        for (auto* sink : m_sinks)
            sink->on_message(flow, message, preview);
    }
    // Each message is wanted while any sink wants it: the engine's "no" is final, so a sink that
    // said no may still be given messages, and must accept them.
    bool wants_each_message(const model::Flow& flow, model::Direction direction) override {
        bool wanted = false;
        for (auto* sink : m_sinks)
            wanted = sink->wants_each_message(flow, direction) || wanted;
        return wanted;
    }
    void on_segment(const model::Flow& flow, const SegmentReport& report) override {
        for (auto* sink : m_sinks)
            sink->on_segment(flow, report);
    }
    void on_framing(const model::Flow& flow, const FramingChoice& choice) override {
        for (auto* sink : m_sinks)
            sink->on_framing(flow, choice);
    }
    void on_direction_end(const model::Flow& flow, const DirectionSummary& summary) override {
        for (auto* sink : m_sinks)
            sink->on_direction_end(flow, summary);
    }

private:
    std::vector<MessageSink*> m_sinks;
};

} // namespace sniff::dissect
