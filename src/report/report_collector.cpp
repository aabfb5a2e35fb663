// The HTML report's collector: keeps flows, segments, messages, gaps, bytes and anomalies
// within ReportLimits (see report_collector.hpp).

#include "report/report_collector.hpp"

#include "report/html_page.hpp"

#include <bit>
#include <cstdio>
#include <filesystem>
#include <fstream>

namespace sniff::report {

namespace {

// Estimated JSON bytes of each kept item, as report_json writes them (numbers of typical width,
// separators included): what the budget is charged.
constexpr std::uint64_t k_segment_cost = 64;
constexpr std::uint64_t k_message_cost = 96;
constexpr std::uint64_t k_gap_cost = 48;
constexpr std::uint64_t k_control_cost = 64;
constexpr std::uint64_t k_anomaly_cost = 120;

std::uint64_t base64_cost(std::size_t bytes) {
    return (bytes + 2) / 3 * 4;
}

std::string capped(const std::string& text, std::size_t limit) {
    return text.size() <= limit ? text : text.substr(0, limit) + "...";
}

} // namespace

void Histogram::add(std::uint64_t value) {
    ++buckets[static_cast<std::size_t>(std::bit_width(value))];
}

ReportCollector::ReportCollector(std::string title, ReportLimits limits) {
    m_data.title = std::move(title);
    m_data.limits = limits;
}

bool ReportCollector::spend(std::uint64_t cost) {
    if (m_spent + cost > m_data.limits.budget_bytes) {
        m_data.omitted.budget_reached = true;
        return false;
    }
    m_spent += cost;
    return true;
}

void ReportCollector::note_time(model::Timestamp time) {
    if (!m_data.has_time || time < m_data.first_time) {
        m_data.first_time = time;
        m_data.has_time = true;
    }
}

FlowRecord* ReportCollector::record_of(const model::Flow& flow) {
    if (m_last != nullptr && m_last_id == flow.id)
        return m_last;
    const auto found = m_index.find(flow.id);
    if (found == m_index.end())
        return nullptr;
    m_last = &m_data.flows[found->second];
    m_last_id = flow.id;
    return m_last;
}

FlowRecord* ReportCollector::open_record(const model::Flow& flow) {
    if (FlowRecord* known = record_of(flow))
        return known;
    if (m_omitted_ids.contains(flow.id))
        return nullptr;
    // Rows are not charged to the budget: max_flows rows of at most k_flow_row_bytes are
    // allowed for beside it, so every flow up to max_flows is listed.
    if (m_data.flows.size() >= m_data.limits.max_flows) {
        ++m_data.omitted.flows;
        m_omitted_ids.insert(flow.id);
        return nullptr;
    }
    m_index.emplace(flow.id, m_data.flows.size());
    m_data.flows.emplace_back();
    m_data.flows.back().flow = flow;
    m_last = nullptr; // the vector may have moved
    return &m_data.flows.back();
}

void ReportCollector::on_flow_open(const model::Flow& flow) {
    note_time(flow.first_seen);
    open_record(flow);
}

void ReportCollector::keep_bytes(DirectionRecord& direction, std::uint64_t offset,
                                 util::Bytes bytes) {
    const std::size_t cap = m_data.limits.bytes_per_direction;
    // Only a contiguous prefix is kept: a gap's bytes were zero-filled by on_gap.
    if (!direction.bytes_complete || offset != direction.bytes.size() || offset >= cap) {
        direction.bytes_complete = direction.bytes_complete && bytes.empty();
        return;
    }
    const std::size_t room = cap - direction.bytes.size();
    const auto kept = bytes.first(std::min(room, bytes.size()));
    if (!spend(base64_cost(kept.size()))) {
        direction.bytes_complete = false;
        return;
    }
    direction.bytes.append(reinterpret_cast<const char*>(kept.data()), kept.size());
    if (kept.size() < bytes.size())
        direction.bytes_complete = false;
}

void ReportCollector::on_data(const model::Flow& flow, model::Direction direction,
                              const model::SegmentInfo& segment, util::Bytes bytes) {
    FlowRecord* record = record_of(flow);
    if (record == nullptr) {
        m_data.omitted.flow_bytes += bytes.size();
        return;
    }
    record->flow = flow;
    auto& lane = record->of(direction);
    ++lane.segments_seen;
    if (lane.segments.size() < m_data.limits.segments_per_direction && spend(k_segment_cost))
        lane.segments.push_back(segment);
    keep_bytes(lane, segment.offset, bytes);
}

void ReportCollector::on_gap(const model::Flow& flow, model::Direction direction,
                             const model::Gap& gap) {
    FlowRecord* record = record_of(flow);
    if (record == nullptr)
        return;
    record->flow = flow;
    auto& lane = record->of(direction);
    ++lane.gaps_seen;
    if (lane.gaps.size() < m_data.limits.gaps_per_direction && spend(k_gap_cost))
        lane.gaps.push_back(gap);
    // A short gap inside the kept prefix is zero-filled so later bytes keep their offsets.
    const std::size_t cap = m_data.limits.bytes_per_direction;
    if (lane.bytes_complete && gap.offset == lane.bytes.size() && gap.length <= cap &&
        lane.bytes.size() + gap.length <= cap && spend(base64_cost(gap.length)))
        lane.bytes.append(static_cast<std::size_t>(gap.length), '\0');
    else
        lane.bytes_complete = false;
}

void ReportCollector::on_control(const model::Flow& flow, model::Direction direction,
                                 const model::ControlNote& note) {
    FlowRecord* record = record_of(flow);
    if (record == nullptr)
        return;
    auto& lane = record->of(direction);
    if (note.kind == model::ControlKind::retransmission) {
        ++lane.retransmissions_seen;
    } else {
        ++lane.acks_seen;
        if (note.kind == model::ControlKind::window_update)
            ++lane.window_updates_seen;
    }
    if (lane.controls.size() < m_data.limits.controls_per_direction && spend(k_control_cost))
        lane.controls.push_back(note);
}

void ReportCollector::on_anomaly(const model::Flow* flow, const model::Anomaly& anomaly) {
    FlowRecord* record = flow != nullptr ? record_of(*flow) : nullptr;
    if (record != nullptr)
        ++record->anomalies;
    if (m_data.anomalies.size() >= m_data.limits.max_anomalies ||
        !spend(k_anomaly_cost + std::min(anomaly.detail.size(), m_data.limits.max_text))) {
        ++m_data.omitted.anomalies;
        return;
    }
    AnomalyRecord kept{flow != nullptr ? flow->id : 0, anomaly};
    kept.anomaly.detail = capped(anomaly.detail, m_data.limits.max_text);
    m_data.anomalies.push_back(std::move(kept));
}

void ReportCollector::on_flow_close(const model::Flow& flow, reassembly::CloseReason reason) {
    m_omitted_ids.erase(flow.id); // ids are not reused: nothing more comes for it
    FlowRecord* record = record_of(flow);
    if (record == nullptr)
        return;
    record->flow = flow;
    record->closed = true;
    record->close_reason = reason;
}

void ReportCollector::on_message(const model::Flow& flow, const dissect::Message& message,
                                 util::Bytes) {
    FlowRecord* record = record_of(flow);
    if (record == nullptr)
        return;
    auto& lane = record->of(message.direction);
    ++lane.messages_seen;
    lane.message_sizes.add(message.length);
    lane.segments_per_message.add(message.last_segment - message.first_segment + 1);
    const std::size_t limit = m_data.limits.max_text;
    const std::uint64_t cost = k_message_cost + std::min(message.header_json.size(), limit) +
                               std::min(message.reason.size(), limit);
    if (lane.messages.size() >= m_data.limits.messages_per_direction || !spend(cost))
        return;
    lane.messages.push_back(message);
    lane.messages.back().header_json = capped(message.header_json, limit);
    lane.messages.back().reason = capped(message.reason, limit);
}

bool ReportCollector::wants_each_message(const model::Flow& flow, model::Direction direction) {
    const FlowRecord* record = record_of(flow);
    return record != nullptr &&
           record->of(direction).messages.size() < m_data.limits.messages_per_direction &&
           !m_data.omitted.budget_reached;
}

void ReportCollector::on_segment(const model::Flow& flow, const dissect::SegmentReport& report) {
    FlowRecord* record = record_of(flow);
    if (record == nullptr)
        return;
    const std::uint64_t messages =
        report.has_messages ? report.last_message - report.first_message + 1 : 0;
    record->of(report.direction).messages_per_segment.add(messages);
}

void ReportCollector::on_framing(const model::Flow& flow, const dissect::FramingChoice& choice) {
    // A given spec is reported from the engine's on_flow_open, before the collector's.
    if (FlowRecord* record = open_record(flow)) {
        record->of(choice.direction).framing = choice;
        record->of(choice.direction).framing->spec = capped(choice.spec, m_data.limits.max_text);
    }
}

void ReportCollector::on_direction_end(const model::Flow& flow,
                                       const dissect::DirectionSummary& summary) {
    FlowRecord* record = record_of(flow);
    if (record == nullptr)
        return;
    auto& kept = record->of(summary.direction).summary;
    kept = summary;
    kept->stop_reason = capped(summary.stop_reason, m_data.limits.max_text);
    kept->spec = capped(summary.spec, m_data.limits.max_text);
}

void ReportCollector::write(std::ostream& out) const {
    write_html_page(m_data, out);
}

bool ReportCollector::write(const std::string& path, std::string& error) const {
    const std::string temporary = path + ".part";
    {
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        if (out)
            write(out);
        if (!out || !out.flush()) {
            error = "cannot write report " + temporary;
            std::error_code ignored;
            std::filesystem::remove(temporary, ignored);
            return false;
        }
    }
    std::error_code failure;
    std::filesystem::rename(temporary, path, failure);
    if (failure) {
        error = "cannot write report " + path + ": " + failure.message();
        return false;
    }
    return true;
}

} // namespace sniff::report
