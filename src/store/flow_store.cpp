#include "store/flow_store.hpp"

#include <algorithm>

namespace sniff::store {

namespace {

// Index of the last element whose start is <= offset and whose end is > offset.
template <typename Items, typename Start, typename Length>
std::optional<std::size_t> covering(const Items& items, std::uint64_t offset, Start start,
                                    Length length) {
    auto it = std::upper_bound(
        items.begin(), items.end(), offset,
        [&](std::uint64_t value, const auto& item) { return value < start(item); });
    if (it == items.begin())
        return std::nullopt;
    --it;
    if (offset - start(*it) >= length(*it))
        return std::nullopt;
    return static_cast<std::size_t>(it - items.begin());
}

template <typename Items, typename Start>
std::size_t first_from(const Items& items, std::uint64_t offset, Start start) {
    auto it = std::lower_bound(
        items.begin(), items.end(), offset,
        [&](const auto& item, std::uint64_t value) { return start(item) < value; });
    return static_cast<std::size_t>(it - items.begin());
}

const auto k_segment_start = [](const model::SegmentInfo& s) { return s.offset; };
const auto k_segment_length = [](const model::SegmentInfo& s) {
    return static_cast<std::uint64_t>(s.length);
};

} // namespace

std::optional<std::size_t> DirectionData::segment_at(std::uint64_t offset) const {
    return covering(segments, offset, k_segment_start, k_segment_length);
}

std::optional<std::size_t> DirectionData::message_at(std::uint64_t offset) const {
    if (messages.in_offset_order()) {
        const auto found = messages.last_starting_at_or_before(offset);
        if (!found || offset - messages[*found].offset >= messages[*found].length)
            return std::nullopt;
        return found;
    }
    std::optional<std::size_t> found; // the latest-starting message holding offset
    std::uint64_t found_offset = 0;
    std::size_t i = 0;
    for (const StoredMessage m : messages) {
        if (m.offset <= offset && offset - m.offset < m.length &&
            (!found || found_offset < m.offset)) {
            found = i;
            found_offset = m.offset;
        }
        ++i;
    }
    return found;
}

std::size_t DirectionData::first_segment_from(std::uint64_t offset) const {
    return first_from(segments, offset, k_segment_start);
}

std::size_t DirectionData::first_message_from(std::uint64_t offset) const {
    if (messages.in_offset_order())
        return messages.first_starting_from(offset);
    std::size_t i = 0;
    for (const StoredMessage m : messages) {
        if (m.offset >= offset)
            return i;
        ++i;
    }
    return messages.size();
}

std::optional<std::uint64_t> DirectionData::frame_of_segment(std::uint64_t index) const {
    const auto it = std::lower_bound(segments.begin(), segments.end(), index,
                                     [](const model::SegmentInfo& segment, std::uint64_t value) {
                                         return segment.index < value;
                                     });
    if (it == segments.end() || it->index != index)
        return std::nullopt;
    return it->frame;
}

std::uint64_t FlowRecord::message_count() const {
    return directions[0].message_total() + directions[1].message_total();
}

std::uint64_t FlowRecord::gap_count() const {
    return directions[0].gaps.size() + directions[1].gaps.size();
}

FlowRecord* FlowStore::record(std::uint64_t flow_id) {
    auto it = m_index.find(flow_id);
    return it == m_index.end() ? nullptr : m_flows[it->second].get();
}

FlowRecord* FlowStore::record(const model::Flow& flow) {
    FlowRecord* found = record(flow.id);
    if (found == nullptr) {
        // Events for a flow never opened (a sink added late): start its record now.
        m_index.emplace(flow.id, m_flows.size());
        m_flows.push_back(std::make_unique<FlowRecord>(m_region));
        found = m_flows.back().get();
        if (m_budget != 0)
            for (auto& data : found->directions)
                data.bytes.set_max_chunk(static_cast<std::size_t>(m_budget / 8));
    }
    found->flow = flow;
    ++m_version;
    return found;
}

const FlowRecord* FlowStore::find(std::uint64_t flow_id) const {
    auto it = m_index.find(flow_id);
    return it == m_index.end() ? nullptr : m_flows[it->second].get();
}

void FlowStore::on_flow_open(const model::Flow& flow) {
    record(flow);
    m_seen_capture |= flow.origin == model::FlowOrigin::capture;
    m_seen_exec |= flow.origin == model::FlowOrigin::exec;
}

const FlowRecord* FlowStore::twin_of(const FlowRecord& record) const {
    const auto& flow = record.flow;
    if (!m_seen_capture || !m_seen_exec || !flow.saw_syn || flow.protocol != model::Protocol::tcp)
        return nullptr;
    model::FlowOrigin other_origin;
    if (flow.origin == model::FlowOrigin::capture)
        other_origin = model::FlowOrigin::exec;
    else if (flow.origin == model::FlowOrigin::exec)
        other_origin = model::FlowOrigin::capture;
    else
        return nullptr;
    // The nearest in time: a reused 4-tuple's earlier connection is not this one's twin.
    const FlowRecord* nearest = nullptr;
    for (const auto& other : m_flows) {
        const auto& candidate = other->flow;
        if (candidate.origin != other_origin || !candidate.saw_syn ||
            candidate.protocol != flow.protocol || candidate.client != flow.client ||
            candidate.server != flow.server)
            continue;
        const auto distance = [&](const FlowRecord* r) {
            const auto d = r->flow.first_seen - flow.first_seen;
            return d < 0 ? -d : d;
        };
        if (nearest == nullptr || distance(other.get()) < distance(nearest))
            nearest = other.get();
    }
    return nearest;
}

void FlowStore::on_data(const model::Flow& flow, model::Direction direction,
                        const model::SegmentInfo& segment, util::Bytes bytes) {
    auto& data = record(flow)->of(direction);
    data.segments.push_back(segment);
    const std::uint64_t before = data.bytes.arena_bytes();
    data.bytes.append(segment.offset, bytes);
    m_held += data.bytes.arena_bytes() - before;
    ++m_items;
    enforce_budget();
}

void FlowStore::on_gap(const model::Flow& flow, model::Direction direction, const model::Gap& gap) {
    record(flow)->of(direction).gaps.push_back(gap);
}

void FlowStore::on_anomaly(const model::Flow* flow, const model::Anomaly& anomaly) {
    if (flow == nullptr) {
        m_global_anomalies.push_back(anomaly);
        ++m_version;
        return;
    }
    record(*flow)->anomalies.push_back(anomaly);
}

void FlowStore::on_flow_close(const model::Flow& flow, reassembly::CloseReason reason) {
    auto* found = record(flow);
    found->closed = true;
    found->close_reason = reason;
}

FlowRecord* FlowStore::message_record(const model::Flow& flow) {
    // Tens of millions of messages come from a few flows, each right after the data event that
    // already copied the flow's latest counters: find the record without copying them again.
    if (m_last_record == nullptr || m_last_record->flow.id != flow.id) {
        const auto it = m_index.find(flow.id);
        if (it == m_index.end())
            return record(flow);
        m_last_record = m_flows[it->second].get();
    }
    ++m_version;
    return m_last_record;
}

// The preview is not kept: a view reads the message's first bytes from the stored stream.
void FlowStore::on_message(const model::Flow& flow, const dissect::Message& message,
                           util::Bytes /*preview*/) {
    message_record(flow)->of(message.direction).messages.add(message);
    ++m_items;
    enforce_budget();
}

void FlowStore::set_byte_budget(std::uint64_t bytes) {
    m_budget = bytes;
    m_item_budget = bytes / k_bytes_per_item;
    // A chunk is at most an eighth of the budget, so dropping whole chunks stays fine-grained.
    for (auto& flow : m_flows)
        for (auto& data : flow->directions)
            data.bytes.set_max_chunk(
                static_cast<std::size_t>(bytes == 0 ? StreamBytes::k_chunk_size : bytes / 8));
    enforce_budget();
}

DirectionData* FlowStore::largest(bool by_items) {
    DirectionData* found = nullptr;
    std::uint64_t most = 0;
    // A scan of every direction: it runs once per dropped chunk or quarter list, not per byte.
    for (auto& flow : m_flows)
        for (auto& data : flow->directions) {
            const std::uint64_t size =
                by_items ? data.segments.size() + data.messages.size() : data.bytes.arena_bytes();
            if (size > most) {
                most = size;
                found = &data;
            }
        }
    return found;
}

void FlowStore::enforce_budget() {
    if (m_budget == 0)
        return;
    while (m_held > m_budget) {
        DirectionData* data = largest(false);
        if (data == nullptr)
            break;
        m_held -= data->bytes.drop_oldest_chunk();
    }
    while (m_items > m_item_budget) {
        DirectionData* data = largest(true);
        if (data == nullptr)
            break;
        const std::size_t segments = (data->segments.size() + 3) / 4;
        const std::size_t messages = (data->messages.size() + 3) / 4;
        data->segments.erase(data->segments.begin(),
                             data->segments.begin() + static_cast<std::ptrdiff_t>(segments));
        data->messages.drop_front(messages);
        data->dropped_segments += segments;
        m_items -= segments + messages;
    }
}

void FlowStore::on_framing(const model::Flow& flow, const dissect::FramingChoice& choice) {
    record(flow)->of(choice.direction).framing = choice;
}

void FlowStore::on_direction_end(const model::Flow& flow,
                                 const dissect::DirectionSummary& summary) {
    record(flow)->of(summary.direction).summary = summary;
}

} // namespace sniff::store
