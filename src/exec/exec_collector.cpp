#include "exec/exec_collector.hpp"

#include <cerrno>
#include <cstring>

namespace sniff::exec {

struct ExecCollector::FlowState {
    model::Flow flow;
    bool local_is_client = true;
    std::array<std::uint64_t, 2> next_offset{};
    std::array<std::uint64_t, 2> next_index{};
};

namespace {

bool local_is_client(const Record& record) {
    switch (record.role) {
    case wire::Role::connected:
        return true;
    case wire::Role::accepted:
        return false;
    case wire::Role::unknown:
        break;
    }
    if (record.type == wire::SockType::datagram)
        return record.dir == wire::Dir::out;      // the first to send
    return record.local.port >= record.peer.port; // ephemeral ports are the high ones
}

model::Direction direction_of(const Record& record, bool local_client) {
    const bool out = record.dir == wire::Dir::out;
    return out == local_client ? model::Direction::c2s : model::Direction::s2c;
}

bool transient_error(std::int64_t result) {
    return result == -EAGAIN || result == -EWOULDBLOCK || result == -EINTR;
}

} // namespace

ExecCollector::ExecCollector(reassembly::StreamSink& sink) : m_sink(sink) {}
ExecCollector::~ExecCollector() = default;

void ExecCollector::on_record(util::Bytes message) {
    ++m_counters.records;
    Record record;
    if (!parse_record(message, record).ok) {
        ++m_counters.malformed;
        return;
    }
    if (record.kind == wire::Kind::close)
        on_close_record(record);
    else
        on_data_record(record);
}

void ExecCollector::on_data_record(const Record& record) {
    // The usual case, one record per call, is passed on without a copy.
    if (record.fragment_offset == 0 && record.last_fragment()) {
        count_call(record);
        deliver(record, record.bytes, 0);
        return;
    }
    on_fragment(record);
}

// A call in several records: its fragments come in order from one thread (the pid and the
// process's call sequence name it); they are joined, up to k_max_call_bytes at a time.
void ExecCollector::on_fragment(const Record& record) {
    const PendingKey key{record.pid, record.sequence};
    auto found = m_pending.find(key);
    if (found == m_pending.end()) {
        if (record.fragment_offset != 0 || m_pending.size() >= k_max_pending) {
            ++(record.fragment_offset != 0 ? m_counters.malformed : m_counters.dropped);
            return;
        }
        found = m_pending.emplace(key, Pending{record, {}, 0, 0}).first;
    }
    Pending& pending = found->second;
    if (record.fragment_offset != pending.next_offset) {
        ++m_counters.malformed;
        m_pending.erase(found);
        return;
    }
    pending.bytes.insert(pending.bytes.end(), record.bytes.begin(), record.bytes.end());
    pending.next_offset += record.bytes.size();
    const bool last = record.last_fragment();
    if (last || pending.bytes.size() >= k_max_call_bytes) {
        deliver(pending.record, pending.bytes, pending.delivered);
        pending.delivered += pending.bytes.size();
        pending.bytes.clear();
    }
    if (last) {
        count_call(record);
        m_pending.erase(found);
    }
}

void ExecCollector::count_call(const Record& record) {
    ++m_counters.calls;
    ++(record.dir == wire::Dir::in ? m_counters.read_calls : m_counters.write_calls);
}

ExecCollector::FlowState* ExecCollector::flow_for(const Record& record) {
    FlowKey key{record.inode, {}, (record.flags & wire::flag_tls) != 0};
    if (record.type == wire::SockType::datagram)
        key.peer = record.peer;
    if (auto found = m_flows.find(key); found != m_flows.end())
        return found->second.get();
    if (m_flows.size() >= k_max_flows) {
        ++m_counters.dropped;
        return nullptr;
    }
    auto state = std::make_unique<FlowState>();
    state->local_is_client = local_is_client(record);
    model::Flow& flow = state->flow;
    flow.id = m_next_flow_id++;
    flow.protocol =
        record.type == wire::SockType::datagram ? model::Protocol::udp : model::Protocol::tcp;
    model::Endpoint local = record.local;
    model::Endpoint peer = record.peer;
    if (record.family == wire::Family::unix_socket) {
        // No IP endpoints: the socket's inode tells two Unix connections apart.
        local.port = static_cast<std::uint16_t>(record.inode);
        peer.port = 0;
    }
    flow.client = state->local_is_client ? local : peer;
    flow.server = state->local_is_client ? peer : local;
    flow.first_seen = record.time;
    flow.last_seen = record.time;
    flow.first_frame = m_call_number + 1;
    flow.saw_syn = record.role != wire::Role::unknown;
    flow.origin = model::FlowOrigin::exec;
    if (flow.saw_syn)
        flow.program_end =
            state->local_is_client ? model::ProgramEnd::client : model::ProgramEnd::server;
    FlowState* raw = state.get();
    m_flows.emplace(key, std::move(state));
    ++m_counters.flows;
    m_sink.on_flow_open(raw->flow);
    return raw;
}

void ExecCollector::deliver(const Record& record, util::Bytes bytes, std::uint64_t piece_offset) {
    FlowState* state = flow_for(record);
    if (state == nullptr)
        return;
    model::Flow& flow = state->flow;
    const model::Direction direction = direction_of(record, state->local_is_client);
    const auto side = static_cast<std::size_t>(direction);
    model::DirectionStats& stats = flow.of(direction);
    const std::uint64_t number = ++m_call_number;
    flow.last_seen = std::max(flow.last_seen, record.time);
    if (piece_offset == 0)
        ++stats.packets;
    if (record.result < 0) {
        report_error(*state, record);
        return;
    }
    if (record.peek()) {
        ++m_counters.peeks;
        return;
    }
    if (record.result == 0 && piece_offset == 0) {
        if (record.dir == wire::Dir::in && record.type != wire::SockType::datagram) {
            ++m_counters.eofs;
            stats.fin = true;
        }
        if (record.type != wire::SockType::datagram)
            return;
    }
    if (record.no_bytes()) {
        model::Gap gap{state->next_offset[side], static_cast<std::uint64_t>(record.result),
                       model::GapReason::lost, number};
        state->next_offset[side] += gap.length;
        ++stats.gaps;
        stats.gap_bytes += gap.length;
        m_sink.on_gap(flow, direction, gap);
        return;
    }
    model::SegmentInfo segment;
    segment.index = state->next_index[side]++;
    segment.frame = number;
    segment.time = record.time;
    segment.offset = state->next_offset[side];
    segment.length = static_cast<std::uint32_t>(bytes.size());
    segment.call = wire::call_name(record.call);
    segment.asked = record.asked;
    state->next_offset[side] += bytes.size();
    stats.wire_bytes += bytes.size();
    stats.stream_bytes += bytes.size();
    ++stats.segments;
    if (stats.first_frame == 0)
        stats.first_frame = number;
    (record.dir == wire::Dir::in ? m_counters.bytes_read : m_counters.bytes_written) +=
        bytes.size();
    m_sink.on_data(flow, direction, segment, bytes);
    if (record.datagram > bytes.size() && record.dir == wire::Dir::in) {
        ++m_counters.truncated_datagrams;
        anomaly(&flow, model::AnomalyKind::datagram_truncated,
                std::string(wire::call_name(record.call)) + " kept " +
                    std::to_string(bytes.size()) + " of a " + std::to_string(record.datagram) +
                    "-byte datagram; the kernel discarded " +
                    std::to_string(record.datagram - bytes.size()));
    }
}

void ExecCollector::report_error(FlowState& state, const Record& record) {
    if (transient_error(record.result)) {
        ++m_counters.would_block;
        return;
    }
    ++m_counters.errors;
    // The error number is untrusted: strerror answers "Unknown error N" for any int.
    const auto error = record.result < -100000 ? 0 : static_cast<int>(-record.result);
    anomaly(&state.flow, model::AnomalyKind::call_error,
            std::string(wire::call_name(record.call)) + " failed: " + std::strerror(error) +
                " (errno " + std::to_string(error) + ")");
}

void ExecCollector::anomaly(const model::Flow* flow, model::AnomalyKind kind, std::string detail) {
    model::Anomaly anomaly;
    anomaly.kind = kind;
    anomaly.frame = m_call_number;
    anomaly.detail = std::move(detail);
    m_sink.on_anomaly(flow, anomaly);
}

void ExecCollector::on_close_record(const Record& record) {
    ++m_counters.closes;
    auto first = m_flows.lower_bound(FlowKey{record.inode, {}, false});
    while (first != m_flows.end() && first->first.inode == record.inode) {
        m_sink.on_flow_close(first->second->flow, reassembly::CloseReason::fin);
        first = m_flows.erase(first);
    }
}

void ExecCollector::finish() {
    m_counters.dropped += m_pending.size();
    m_pending.clear();
    for (auto& [key, state] : m_flows)
        m_sink.on_flow_close(state->flow, reassembly::CloseReason::end_of_input);
    m_flows.clear();
}

} // namespace sniff::exec
