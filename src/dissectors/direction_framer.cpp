// Per-direction framing state machine (see direction_framer.hpp).

#include "dissectors/direction_framer.hpp"

#include <algorithm>
#include <array>

namespace sniff::dissect {

void DirectionFramer::start(Framing* framing, std::string spec, bool datagrams) {
    m_framing = framing;
    m_datagrams = datagrams;
    m_mode = framing != nullptr ? Mode::framing : Mode::raw;
    m_summary.direction = m_direction;
    m_summary.spec = std::move(spec);
    m_started = true;
    if (framing != nullptr && !datagrams && !framing->layer_name().empty()) {
        m_inner = std::make_unique<InnerMessages>(m_config);
        m_summary.layer = framing->layer_name();
        framing->set_inner_sink(m_direction, m_inner.get());
    }
}

void DirectionFramer::open_segment(const model::SegmentInfo& segment, util::Bytes bytes) {
    m_segment = segment;
    m_bytes = bytes;
    SegmentReport report;
    report.direction = m_direction;
    report.index = segment.index;
    report.frame = segment.frame;
    report.time = segment.time;
    report.offset = segment.offset;
    report.length = segment.length;
    if (m_inner)
        m_inner->begin_segment(segment, bytes);
    if (m_current.active && !m_inner) {
        report.has_messages = true;
        report.first_message = report.last_message = m_next_index;
    }
    m_report = report;
}

void DirectionFramer::flush_segment(const model::Flow& flow) {
    if (m_report)
        m_sink.on_segment(flow, *m_report);
    m_report.reset();
}

void DirectionFramer::data(const model::Flow& flow, const model::SegmentInfo& segment,
                           util::Bytes bytes) {
    flush_segment(flow);
    if (m_datagrams) {
        datagram(flow, segment, bytes);
        m_bytes = {};
        return;
    }
    if (segment.offset != m_pos && m_pos < segment.offset) {
        // Reassembly reports gaps first; this guards against a source that does not.
        model::Gap implied;
        implied.offset = m_pos;
        implied.length = segment.offset - m_pos;
        gap(flow, implied);
    }
    open_segment(segment, bytes);
    if (m_each_message) // a "no" is final (MessageSink::wants_each_message)
        m_each_message = m_sink.wants_each_message(flow, m_direction);
    std::size_t p = 0;
    while (p < bytes.size())
        p = step(flow, bytes, p);
    m_pos = segment.offset + bytes.size();
    carry_preview();
    if (m_inner)
        deliver_inner(flow, true);
    m_bytes = {};
}

void DirectionFramer::deliver_inner(const model::Flow& flow, bool segment_end) {
    const InnerMessages::SegmentUse use = m_inner->segment_use();
    m_inner->end_segment(m_finished);
    const std::uint64_t first = m_next_index;
    for (InnerMessages::Finished& finished : m_finished) {
        Message& message = finished.message;
        message.flow_id = flow.id;
        message.direction = m_direction;
        message.index = m_next_index++;
        deliver(flow, message, util::as_bytes(finished.preview.data(), finished.preview.size()));
    }
    m_finished.clear();
    if (!m_report || !segment_end)
        return;
    // Messages still open have no index yet: the report names those that ended here, or the
    // next index when none did.
    m_report->has_messages = use.touched > 0;
    m_report->message_starts = use.starts;
    m_report->message_ends = use.ends;
    m_report->first_message = first;
    m_report->last_message = first + std::max<std::uint64_t>(use.touched, 1) - 1;
}

void DirectionFramer::end_unit(const model::Flow& flow, std::uint64_t end, MessageStatus status,
                               std::string reason, const std::string& inner_reason) {
    if (m_inner && (m_inner->has_open() || m_inner->unit_used())) {
        end_inner(inner_reason);
        if (status == MessageStatus::truncated) // between segments: deliver them now
            deliver_inner(flow, false);
        ++m_summary.layer_units;
        m_current.active = false;
        m_head.clear();
        m_preview.clear();
        return;
    }
    emit(flow, end, status, std::move(reason));
}

void DirectionFramer::end_inner(const std::string& reason) {
    if (m_inner)
        m_inner->end_all(reason);
}

void DirectionFramer::datagram(const model::Flow& flow, const model::SegmentInfo& segment,
                               util::Bytes bytes) {
    open_segment(segment, bytes);
    m_pos = segment.offset;
    if (m_framing == nullptr) {
        begin_message(segment.offset);
        m_current.total = bytes.size();
        emit(flow, segment.offset + bytes.size(), MessageStatus::complete, {});
    } else {
        // Each datagram is framed on its own: state does not carry over.
        m_mode = Mode::framing;
        std::size_t p = 0;
        while (p < bytes.size() && m_mode == Mode::framing)
            p = step(flow, bytes, p);
        if (m_current.active)
            emit(flow, segment.offset + bytes.size(), MessageStatus::truncated,
                 "datagram ended inside the message");
        m_summary.skipped_bytes += bytes.size() - p;
    }
    m_pos = segment.offset + bytes.size();
    flush_segment(flow);
}

std::size_t DirectionFramer::step(const model::Flow& flow, util::Bytes bytes, std::size_t p) {
    switch (m_mode) {
    case Mode::raw:
        return bytes.size();
    case Mode::stopped:
        m_summary.skipped_bytes += bytes.size() - p;
        return bytes.size();
    case Mode::resync: {
        const auto found = m_framing->find_resync(m_direction, bytes.subspan(p), m_resync_restart);
        m_resync_restart = false;
        const std::size_t skip = found ? *found : bytes.size() - p;
        m_summary.skipped_bytes += skip;
        if (found)
            m_mode = Mode::framing;
        return p + skip;
    }
    case Mode::framing:
        break;
    }
    if (!m_current.active) {
        p = m_each_message ? emit_run(flow, bytes, p) : count_in_place(bytes, p);
        if (p == bytes.size())
            return p;
        begin_message(here(p));
    }
    if (m_current.total) {
        // Known length: skip the body without reading it.
        const std::uint64_t end = m_current.start + *m_current.total;
        p += static_cast<std::size_t>(std::min<std::uint64_t>(end - here(p), bytes.size() - p));
        if (here(p) == end)
            emit(flow, end, MessageStatus::complete, {});
        return p;
    }
    return m_current.feed == Feed::tail ? step_tail(flow, bytes, p) : step_head(flow, bytes, p);
}

std::size_t DirectionFramer::step_head(const model::Flow& flow, util::Bytes bytes, std::size_t p) {
    const util::Bytes rest = bytes.subspan(p);
    if (m_head.empty() && rest.size() >= m_current.need) {
        // The header lies within this segment: decide on it in place, no copy.
        return apply(flow, m_framing->frame(m_direction, rest, 0), rest.size(), 0, bytes, p);
    }
    // Copy just the header bytes asked for; they are few (capped by max_head).
    const std::size_t want = static_cast<std::size_t>(
        m_current.need - std::min<std::uint64_t>(m_current.need, m_head.size()));
    const std::size_t take = std::min(want, rest.size());
    m_head.insert(m_head.end(), rest.begin(), rest.begin() + static_cast<std::ptrdiff_t>(take));
    p += take;
    if (m_head.size() < m_current.need)
        return p;
    const FrameResult result = m_framing->frame(m_direction, m_head, 0);
    return apply(flow, result, m_head.size(), m_head.size(), bytes, p);
}

std::size_t DirectionFramer::step_tail(const model::Flow& flow, util::Bytes bytes, std::size_t p) {
    const util::Bytes rest = bytes.subspan(p);
    const FrameResult result = m_framing->frame(m_direction, rest, m_current.fed);
    return apply(flow, result, m_current.fed + rest.size(), m_current.fed, bytes, p);
}

std::size_t DirectionFramer::apply(const model::Flow& flow, const FrameResult& result,
                                   std::uint64_t passed, std::uint64_t consumed, util::Bytes bytes,
                                   std::size_t p) {
    Current& current = m_current;
    if (result.kind == FrameResult::Kind::message) {
        m_head.clear();
        if (result.total >= consumed && result.total >= 1) {
            current.total = result.total;
            current.header = result.header;
            current.header_json = result.header_json;
            if (here(p) == current.start + result.total)
                emit(flow, current.start + result.total, MessageStatus::complete, {});
            return p;
        }
        // The message ended inside bytes already buffered: only possible when a framing asked
        // for more than the message holds. Recover when those bytes are in this segment.
        const std::uint64_t end = current.start + result.total;
        if (result.total >= 1 && end >= m_segment.offset) {
            current.total = result.total;
            current.header = result.header;
            current.header_json = result.header_json;
            emit(flow, end, MessageStatus::complete, {});
            return static_cast<std::size_t>(end - m_segment.offset);
        }
        end_unit(flow, current.start + consumed, MessageStatus::malformed,
                 "framing overran the message", "the layer underneath was malformed");
        m_mode = Mode::stopped;
        m_summary.stopped = true;
        m_summary.stop_reason = "framing overran a message";
        return p;
    }
    if (result.kind == FrameResult::Kind::need_more) {
        if (result.feed == Feed::tail || current.feed == Feed::tail) {
            current.feed = Feed::tail;
            current.fed = passed;
            m_head.clear();
            return static_cast<std::size_t>(p + (passed - consumed));
        }
        if (result.need <= passed || result.need > m_config.max_head) {
            FrameResult bad = FrameResult::malformed(
                result.need > m_config.max_head
                    ? "header of " + std::to_string(result.need) + " bytes over the engine's cap"
                    : "framing asked for bytes it already had");
            return apply(flow, bad, passed, consumed, bytes, p);
        }
        current.need = result.need;
        return p;
    }
    // Malformed: the bad part covers `covers` bytes from the message start.
    const std::uint64_t covers =
        std::max<std::uint64_t>(1, result.total != 0 ? result.total : passed);
    const std::uint64_t end = current.start + std::min(covers, passed);
    end_unit(flow, end, MessageStatus::malformed, result.reason,
             "the layer underneath was malformed: " + result.reason);
    m_head.clear();
    if (result.resync == Resync::skip_to_delimiter && m_framing->can_resync()) {
        m_mode = Mode::resync;
        m_resync_restart = true;
    } else {
        m_mode = Mode::stopped;
        m_summary.stopped = true;
        m_summary.stop_reason = "gave up after a malformed message: " + result.reason;
    }
    const std::uint64_t at = std::max(end, here(p));
    return static_cast<std::size_t>(std::min<std::uint64_t>(at - m_segment.offset, bytes.size()));
}

void DirectionFramer::begin_message(std::uint64_t offset) {
    m_current = Current{};
    m_current.active = true;
    m_current.start = offset;
    m_current.first_segment = m_segment.index;
    m_current.first_frame = m_segment.frame;
    m_current.first_time = m_segment.time;
    m_current.first_segment_offset = m_segment.offset;
    m_head.clear();
    m_preview.clear();
    if (m_inner)
        m_inner->set_unit(offset); // the unit's start: the framing's pieces are relative to it
    else
        count_message_start();
}

void DirectionFramer::count_message_start() {
    if (!m_report)
        return;
    ++m_report->message_starts;
    if (!m_report->has_messages)
        m_report->first_message = m_next_index;
    m_report->has_messages = true;
    m_report->last_message = m_next_index;
}

void DirectionFramer::append_preview(util::Bytes bytes) {
    const std::size_t room =
        m_config.preview_bytes - std::min(m_config.preview_bytes, m_preview.size());
    const std::size_t take = std::min(room, bytes.size());
    m_preview.insert(m_preview.end(), bytes.begin(),
                     bytes.begin() + static_cast<std::ptrdiff_t>(take));
}

void DirectionFramer::carry_preview() {
    if (!m_current.active || m_preview.size() >= m_config.preview_bytes)
        return;
    const std::uint64_t from = std::max(m_current.start, m_segment.offset);
    if (from - m_segment.offset < m_bytes.size())
        append_preview(m_bytes.subspan(static_cast<std::size_t>(from - m_segment.offset)));
}

util::Bytes DirectionFramer::preview_until(std::uint64_t end) {
    const std::uint64_t start = m_current.start;
    const auto want =
        static_cast<std::size_t>(std::min<std::uint64_t>(end - start, m_config.preview_bytes));
    const std::uint64_t segment_start = m_segment.offset;
    if (!m_bytes.empty() && start >= segment_start) {
        // The message began in the segment being processed: a view, no copy (the usual case).
        const auto at = static_cast<std::size_t>(start - segment_start);
        return at < m_bytes.size() ? m_bytes.subspan(at, std::min(want, m_bytes.size() - at))
                                   : util::Bytes{};
    }
    if (!m_bytes.empty() && end > segment_start)
        append_preview(m_bytes.first(static_cast<std::size_t>(
            std::min<std::uint64_t>(end - segment_start, m_bytes.size()))));
    return util::Bytes(m_preview).first(std::min(want, m_preview.size()));
}

void DirectionFramer::emit(const model::Flow& flow, std::uint64_t end, MessageStatus status,
                           std::string reason) {
    Current& current = m_current;
    if (m_inner && status == MessageStatus::complete && current.truncation.empty()) {
        ++m_summary.layer_units; // a unit of the layer underneath, not a message
        m_current.active = false;
        m_head.clear();
        m_preview.clear();
        return;
    }
    Message message;
    message.flow_id = flow.id;
    message.direction = m_direction;
    message.index = m_next_index++;
    message.offset = current.start;
    message.length = end - current.start;
    message.header_length = std::min(current.header, message.length);
    message.first_time = current.first_time;
    message.last_time = m_segment.time;
    message.first_segment = current.first_segment;
    message.last_segment = m_segment.index;
    message.first_frame = current.first_frame;
    message.last_frame = m_segment.frame;
    const bool split = message.first_segment != message.last_segment;
    const bool coalesced =
        current.start > current.first_segment_offset || end < m_segment.offset + m_segment.length;
    message.message_class = split
                                ? (coalesced ? MessageClass::coalesced_split : MessageClass::split)
                                : (coalesced ? MessageClass::coalesced : MessageClass::whole);
    if (status == MessageStatus::complete && !current.truncation.empty()) {
        status = MessageStatus::truncated;
        reason = current.truncation;
    }
    message.status = status;
    message.reason = std::move(reason);
    const util::Bytes preview = preview_until(end);
    message.header_json = std::move(current.header_json);
    m_current.active = false;
    m_head.clear();
    deliver(flow, message, preview);
    m_preview.clear(); // after the sink: `preview` may point into it
}

std::size_t DirectionFramer::emit_run(const model::Flow& flow, util::Bytes bytes, std::size_t p) {
    std::array<RunMessage, 64> run;
    for (;;) {
        const std::size_t found = m_framing->frame_run(m_direction, bytes.subspan(p), run);
        for (std::size_t i = 0; i < found; ++i) {
            emit_in_place(flow, p, run[i]);
            p += static_cast<std::size_t>(run[i].total);
        }
        if (found < run.size() || p == bytes.size())
            return p;
    }
}

void DirectionFramer::emit_in_place(const model::Flow& flow, std::size_t at,
                                    const RunMessage& run) {
    count_message_start();
    Message message;
    message.flow_id = flow.id;
    message.direction = m_direction;
    message.index = m_next_index++;
    message.offset = m_segment.offset + at;
    message.length = run.total;
    message.header_length = run.header;
    message.first_time = message.last_time = m_segment.time;
    message.first_segment = message.last_segment = m_segment.index;
    message.first_frame = message.last_frame = m_segment.frame;
    const bool alone = at == 0 && run.total == m_bytes.size();
    message.message_class = alone ? MessageClass::whole : MessageClass::coalesced;
    const auto shown =
        static_cast<std::size_t>(std::min<std::uint64_t>(run.total, m_config.preview_bytes));
    deliver(flow, message, m_bytes.subspan(at, shown));
}

std::size_t DirectionFramer::count_in_place(util::Bytes bytes, std::size_t p) {
    const RunCount run = m_framing->count_run(m_direction, bytes.subspan(p));
    if (run.messages == 0)
        return p;
    const bool alone = run.messages == 1 && p == 0 && run.bytes == bytes.size();
    const MessageClass message_class = alone ? MessageClass::whole : MessageClass::coalesced;
    if (m_report) {
        const auto count = static_cast<std::uint32_t>(run.messages); // <= segment length
        m_report->message_starts += count;
        m_report->message_ends += count;
        if (!m_report->has_messages)
            m_report->first_message = m_next_index;
        m_report->has_messages = true;
        m_report->last_message = m_next_index + run.messages - 1;
    }
    m_next_index += run.messages;
    m_summary.messages += run.messages;
    m_summary.by_class[static_cast<std::size_t>(message_class)] += run.messages;
    m_summary.by_status[static_cast<std::size_t>(MessageStatus::complete)] += run.messages;
    return p + run.bytes;
}

void DirectionFramer::deliver(const model::Flow& flow, Message& message, util::Bytes preview) {
    const std::uint64_t end = message.offset + message.length;
    if (m_datagrams && m_config.udp_bufsize != 0 && end - m_segment.offset > m_config.udp_bufsize) {
        message.would_truncate = true;
        message.recv_buffer = m_config.udp_bufsize;
    }
    if (m_report && end > m_segment.offset) {
        ++m_report->message_ends;
        m_report->has_messages = true;
    }
    ++m_summary.messages;
    ++m_summary.by_class[static_cast<std::size_t>(message.message_class)];
    ++m_summary.by_status[static_cast<std::size_t>(message.status)];
    m_sink.on_message(flow, message, preview);
}

void DirectionFramer::gap(const model::Flow& flow, const model::Gap& gap) {
    flush_segment(flow);
    const std::uint64_t gap_end = gap.offset + gap.length;
    const std::string where =
        "gap of " + std::to_string(gap.length) + " bytes at offset " + std::to_string(gap.offset);
    m_pos = std::max(m_pos, gap_end);
    if (m_mode == Mode::resync) {
        m_resync_restart = true;
        return;
    }
    if (m_mode != Mode::framing)
        return;
    if (m_current.active && m_current.total && gap_end <= m_current.start + *m_current.total) {
        // The gap fell inside a body of known length: the next message start is still known.
        m_current.truncation = where;
        if (gap_end == m_current.start + *m_current.total)
            emit(flow, gap_end, MessageStatus::truncated, where);
        return;
    }
    if (m_current.active) {
        end_unit(flow, gap.offset, MessageStatus::truncated, where, where);
    }
    if (m_inner) {
        // The units' boundaries are lost, and with them the place in every inner message.
        end_inner(where);
        deliver_inner(flow, false);
    }
    if (m_framing->can_resync()) {
        m_mode = Mode::resync;
        m_resync_restart = true;
    } else {
        m_mode = Mode::stopped;
        m_summary.stopped = true;
        m_summary.stop_reason = "lost message boundaries after a " + where;
    }
}

void DirectionFramer::peer_data(const model::Flow& flow) {
    if (m_mode != Mode::framing || m_framing == nullptr || m_datagrams)
        return;
    const std::uint64_t pending = m_current.active ? m_pos - m_current.start : 0;
    const auto result = m_framing->on_peer_data(m_direction, pending);
    if (!result || result->kind != FrameResult::Kind::message || !m_current.active)
        return;
    m_head.clear();
    m_current.total = result->total;
    m_current.header = result->header;
    m_current.feed = Feed::head;
    if (result->total <= pending)
        emit(flow, m_current.start + result->total, MessageStatus::complete, {});
}

void DirectionFramer::finish(const model::Flow& flow) {
    if (m_current.active && m_mode == Mode::framing && !m_current.total &&
        m_framing->ends_at_close(m_direction)) {
        emit(flow, m_pos, MessageStatus::complete, {});
    } else if (m_current.active && m_mode == Mode::framing) {
        const std::uint64_t seen = m_pos - m_current.start;
        std::string reason = "stream ended after " + std::to_string(seen) + " bytes";
        if (m_current.total)
            reason += " of " + std::to_string(*m_current.total);
        end_unit(flow, m_pos, MessageStatus::truncated, std::move(reason),
                 "stream ended inside the message");
    }
    if (m_inner) {
        end_inner("stream ended inside the message");
        deliver_inner(flow, false);
    }
    flush_segment(flow);
    if (m_framing != nullptr)
        m_summary.exchanges = m_framing->exchanges(m_direction);
}

} // namespace sniff::dissect
