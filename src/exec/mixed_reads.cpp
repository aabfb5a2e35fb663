#include "exec/mixed_reads.hpp"

#include <string_view>

namespace sniff::exec {

namespace {

std::string label_of(const model::Flow& flow, const dissect::SegmentReport& report,
                     const char* call) {
    return std::string(call) + " #" + std::to_string(report.index + 1) + " of " +
           model::direction_name(report.direction) + " (call " + std::to_string(report.frame) +
           " of the run, " + flow.source(report.direction).to_string() + " -> " +
           flow.destination(report.direction).to_string() + ")";
}

} // namespace

void MixedReads::on_data(const model::Flow& flow, model::Direction direction,
                         const model::SegmentInfo& segment, util::Bytes) {
    if (flow.origin != model::FlowOrigin::exec || segment.call == nullptr)
        return;
    if (m_calls.size() >= k_max_directions && !m_calls.contains({flow.id, direction}))
        m_calls.erase(m_calls.begin()); // the oldest flow: its end never came
    auto& calls = m_calls[{flow.id, direction}];
    calls.emplace_back(segment.index, segment.call);
    if (calls.size() > k_call_memory)
        calls.pop_front();
}

// The engine reports a flow's last segments when the flow closes, after this sink has seen the
// close: a direction's call names are forgotten at its end instead (on_direction_end).
void MixedReads::on_flow_close(const model::Flow&, reassembly::CloseReason) {}

const char* MixedReads::call_of(const model::Flow& flow,
                                const dissect::SegmentReport& report) const {
    const auto found = m_calls.find({flow.id, report.direction});
    if (found != m_calls.end())
        for (const auto& [index, call] : found->second)
            if (index == report.index)
                return call;
    return "call";
}

void MixedReads::on_segment(const model::Flow& flow, const dissect::SegmentReport& report) {
    m_next.on_segment(flow, report);
    if (flow.origin != model::FlowOrigin::exec || !report.has_messages)
        return;
    const std::uint64_t touched = report.last_message - report.first_message + 1;
    if (report.message_ends < touched)
        ++m_inside; // the last message goes on past this read
    if (report.last_message == report.first_message)
        return;
    ++m_mixed;
    if (m_listed.size() + m_waiting.size() >= k_max_listed || m_waiting.size() >= k_max_waiting)
        return;
    const std::string_view call = call_of(flow, report);
    const bool read =
        call.find("read") != std::string_view::npos || call.find("recv") != std::string_view::npos;
    m_waiting.push_back(
        Waiting{flow.id, report.direction, label_of(flow, report, call.data()), read, report});
}

void MixedReads::on_message(const model::Flow& flow, const dissect::Message& message,
                            util::Bytes preview) {
    m_next.on_message(flow, message, preview);
    // Reads wait for the message they end in; descriptions keep the order of the reads.
    while (!m_waiting.empty()) {
        const Waiting& front = m_waiting.front();
        if (front.flow_id != flow.id || front.direction != message.direction ||
            front.report.last_message != message.index)
            break;
        describe(front, &message);
        m_waiting.pop_front();
    }
}

void MixedReads::on_direction_end(const model::Flow& flow,
                                  const dissect::DirectionSummary& summary) {
    m_next.on_direction_end(flow, summary);
    m_calls.erase({flow.id, summary.direction});
    for (auto it = m_waiting.begin(); it != m_waiting.end();) {
        if (it->flow_id == flow.id && it->direction == summary.direction) {
            describe(*it, nullptr);
            it = m_waiting.erase(it);
        } else {
            ++it;
        }
    }
}

void MixedReads::describe(const Waiting& waiting, const dissect::Message* last) {
    const dissect::SegmentReport& report = waiting.report;
    const std::uint64_t end = report.offset + report.length;
    std::string text = waiting.label + (waiting.read ? " returned " : " wrote ");
    const std::uint64_t touched = report.last_message - report.first_message + 1;
    if (report.message_starts == touched && report.message_ends == touched) {
        text += std::to_string(touched) + " whole messages (" +
                std::to_string(report.first_message) + " to " +
                std::to_string(report.last_message) + ") at once";
    } else if (last == nullptr || last->offset < report.offset || last->offset >= end) {
        text += "bytes of messages " + std::to_string(report.first_message) + " to " +
                std::to_string(report.last_message);
    } else {
        const std::uint64_t head = last->offset - report.offset;
        const std::uint64_t tail = end - last->offset;
        const std::uint64_t between = report.last_message - report.first_message - 1;
        if (between == 0)
            text += "the last " + std::to_string(head) + " bytes of message " +
                    std::to_string(report.first_message);
        else
            text += std::to_string(head) + " bytes: the end of message " +
                    std::to_string(report.first_message) + " and " + std::to_string(between) +
                    " whole message" + (between > 1 ? "s" : "") + ",";
        text += " and the first " + std::to_string(tail) + " of message " +
                std::to_string(report.last_message);
    }
    m_listed.push_back(std::move(text));
}

} // namespace sniff::exec
