#include "reassembly/direction_stream.hpp"

#include "util/escape.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <limits>
#include <string>

namespace sniff::reassembly {

namespace {

namespace flag = model::tcp_flags;

constexpr std::size_t k_excerpt_bytes = 16; // bytes of each version named in a conflict
constexpr std::size_t k_excerpt_chars = 32; // escaped characters kept of each version

// A segment's remaining run: captured bytes followed by `missing` bytes cut by the snap length.
struct Run {
    std::int64_t start = 0;
    util::Bytes bytes;
    std::uint64_t missing = 0;

    std::uint64_t length() const { return bytes.size() + missing; }
    void drop_front(std::uint64_t count) {
        if (count <= bytes.size()) {
            bytes = bytes.subspan(static_cast<std::size_t>(count));
        } else {
            missing -= count - bytes.size();
            bytes = {};
        }
        start += static_cast<std::int64_t>(count);
    }
    void drop_back(std::uint64_t count) {
        if (count <= missing) {
            missing -= count;
        } else {
            bytes = bytes.first(bytes.size() - static_cast<std::size_t>(count - missing));
            missing = 0;
        }
    }
};

} // namespace

void DirectionStream::start(std::uint32_t first_seq, bool from_syn, std::uint32_t syn_seq) {
    m_started = true;
    m_base_seq = first_seq;
    if (from_syn) {
        m_has_isn = true;
        m_isn = syn_seq;
    }
}

bool DirectionStream::is_keepalive(const SegmentInput& segment, std::int64_t start,
                                   std::uint64_t length) const {
    // A probe re-sends the byte before the next one (or nothing) so that the peer ACKs.
    if ((segment.flags & (flag::syn | flag::fin | flag::rst)) != 0 || length > 1)
        return false;
    if (start != static_cast<std::int64_t>(m_next) - 1)
        return false;
    return length == 0 || m_next >= 1;
}

std::optional<std::uint64_t> DirectionStream::offset_of_ack(std::uint32_t ack) const {
    if (!m_started)
        return std::nullopt;
    const std::int64_t offset =
        static_cast<std::int64_t>(m_next) + static_cast<std::int32_t>(ack - next_seq());
    return offset < 0 ? 0 : static_cast<std::uint64_t>(offset);
}

void DirectionStream::add_tcp(StreamEvents& events, const SegmentInput& segment,
                              bool peer_window_zero) {
    const bool syn = (segment.flags & flag::syn) != 0;
    // Stream offset 0 is the byte after the SYN; without a SYN, the first segment seen.
    if (!m_started)
        start(syn ? segment.seq + 1 : segment.seq, syn, segment.seq);
    // An RST's payload is diagnostic text, never stream data; the caller closes the flow.
    if ((segment.flags & flag::rst) != 0)
        return;

    const std::uint32_t data_seq = segment.seq + (syn ? 1u : 0u);
    // The signed 32-bit distance to the next expected seq places the segment in the 64-bit
    // offset space, so wraparound at 2^32 is invisible and a direction may pass 4 GiB.
    Run run{static_cast<std::int64_t>(m_next) + static_cast<std::int32_t>(data_seq - next_seq()),
            segment.payload, segment.missing};
    const std::uint64_t length = run.length();

    // A zero-window probe repeated after its byte was taken looks like a keep-alive; the
    // closed window tells them apart.
    const bool one_byte = length == 1 && (segment.flags & (flag::syn | flag::fin)) == 0;
    const bool probe = peer_window_zero && one_byte &&
                       (run.start == static_cast<std::int64_t>(m_next) ||
                        run.start + 1 == static_cast<std::int64_t>(m_next));
    if (probe)
        anomaly(events, model::AnomalyKind::zero_window_probe, segment.frame,
                static_cast<std::uint64_t>(run.start), "one byte sent into a zero window");
    else if (is_keepalive(segment, run.start, length)) {
        anomaly(events, model::AnomalyKind::keepalive, segment.frame, m_next - (m_next > 0),
                "keep-alive probe of " + std::to_string(length) + " byte(s)");
        return;
    }
    // A probe is no retransmission, and sends nothing new (tshark's rule too).
    if (events.controls != nullptr && !probe)
        note_sent(events, segment, run.start - (syn ? 1 : 0),
                  length + (syn ? 1u : 0u) + ((segment.flags & flag::fin) != 0 ? 1u : 0u));
    if ((segment.flags & flag::fin) != 0 && !m_fin_known &&
        run.start + static_cast<std::int64_t>(length) >= 0) {
        m_fin_known = true;
        m_fin_offset = static_cast<std::uint64_t>(run.start) + length;
    }
    if (length == 0)
        return;
    if (syn && m_next == 0) // a retransmitted SYN after its data was taken is no news
        anomaly(events, model::AnomalyKind::syn_with_data, segment.frame, 0,
                std::to_string(length) + " byte(s) on the SYN (TCP Fast Open)");

    // Bytes before offset 0 precede the stream being followed.
    if (run.start < 0)
        run.drop_front(std::min<std::uint64_t>(length, static_cast<std::uint64_t>(-run.start)));
    // Bytes beyond a FIN already seen are no stream data.
    if (m_fin_known && run.length() > 0 &&
        static_cast<std::uint64_t>(run.start) + run.length() > m_fin_offset) {
        const std::uint64_t start = static_cast<std::uint64_t>(run.start);
        const std::uint64_t beyond =
            std::min(run.length(), start + run.length() - std::max(start, m_fin_offset));
        run.drop_back(beyond);
        anomaly(events, model::AnomalyKind::data_after_fin, segment.frame, m_fin_offset,
                std::to_string(beyond) + " byte(s) after the FIN");
    }
    if (run.length() == 0)
        return;

    const auto start = static_cast<std::uint64_t>(run.start);
    Arrival arrival{segment};
    if (!run.bytes.empty())
        insert(events, arrival, start, run.bytes, run.bytes.size());
    if (run.missing > 0)
        insert(events, arrival, start + run.bytes.size(), {}, run.missing);

    auto& stats = events.stats();
    if (arrival.new_bytes == 0)
        ++stats.retransmissions;
    else if (arrival.held)
        ++stats.out_of_order;
}

void DirectionStream::note_sent(StreamEvents& events, const SegmentInput& segment,
                                std::int64_t start, std::uint64_t length) {
    if (length == 0)
        return;
    const std::int64_t end = start + static_cast<std::int64_t>(length);
    if (!m_sent_known || start >= m_sent_end) {
        m_sent_known = true;
        m_sent_end = end;
        m_sent_time = segment.time;
        return;
    }
    // Below the mark: late (it came within the reorder window of the segment that set the mark,
    // and is not that segment sent again) or sent again. Bytes the peer already acknowledged are
    // sent again whenever they come (tshark's spurious retransmission).
    const bool has_payload = !segment.payload.empty() || segment.missing > 0;
    const bool acknowledged =
        has_payload && m_ack_known && end > 0 && static_cast<std::uint64_t>(end) <= m_acked;
    const bool late = !acknowledged &&
                      segment.time - m_sent_time < events.controls->reorder_window &&
                      end != m_sent_end;
    if (end > m_sent_end) {
        m_sent_end = end;
        m_sent_time = segment.time;
    }
    if (late)
        return;
    model::ControlNote note;
    note.kind = model::ControlKind::retransmission;
    note.frame = segment.frame;
    note.time = segment.time;
    note.offset = start < 0 ? 0 : static_cast<std::uint64_t>(start);
    note.length = static_cast<std::uint32_t>(
        std::min<std::uint64_t>(length, std::numeric_limits<std::uint32_t>::max()));
    note.tcp_flags = segment.flags;
    note.has_ack = segment.ack.has_ack;
    note.ack_offset = segment.ack.ack_offset;
    note.window = segment.ack.window;
    events.sink.on_control(events.flow, events.direction, note);
}

void DirectionStream::add_datagram(StreamEvents& events, const SegmentInput& segment) {
    deliver(events, segment.payload, segment.frame, segment.time, 0, false);
    if (segment.missing > 0)
        emit_gap(events, segment.missing, model::GapReason::snaplen, segment.frame);
}

void DirectionStream::insert(StreamEvents& events, Arrival& arrival, std::uint64_t start,
                             util::Bytes bytes, std::uint64_t length) {
    const bool missing = bytes.empty();
    const std::uint64_t end = start + length;
    const SegmentInput& segment = arrival.segment;
    auto slice = [&](std::uint64_t from, std::uint64_t to) {
        return missing ? util::Bytes{}
                       : bytes.subspan(static_cast<std::size_t>(from - start),
                                       static_cast<std::size_t>(to - from));
    };
    for (std::uint64_t pos = start; pos < end;) {
        if (pos < m_next) { // already delivered (possibly just now, by drain())
            const std::uint64_t upto = std::min(end, m_next);
            if (!missing)
                compare_delivered(events, arrival, pos, slice(pos, upto));
            pos = upto;
            continue;
        }
        const auto it = piece_covering_or_after(pos);
        if (it != m_held.end() && it->first <= pos) { // already held: first copy wins
            const std::uint64_t upto = std::min(end, it->first + it->second.length);
            if (!missing && !it->second.missing)
                compare_held(events, arrival, pos, slice(pos, upto), *it);
            pos = upto;
            continue;
        }
        const std::uint64_t upto = it == m_held.end() ? end : std::min(end, it->first);
        arrival.new_bytes += upto - pos;
        if (pos == m_next) {
            if (missing)
                emit_gap(events, upto - pos, model::GapReason::snaplen, segment.frame);
            else
                deliver(events, slice(pos, upto), segment.frame, segment.time, segment.flags, true,
                        segment.stable, segment.ack);
            drain(events);
        } else {
            hold(arrival, pos, slice(pos, upto), upto - pos);
        }
        pos = upto;
    }
}

DirectionStream::PieceMap::iterator DirectionStream::piece_covering_or_after(std::uint64_t offset) {
    auto it = m_held.upper_bound(offset);
    if (it != m_held.begin()) {
        const auto previous = std::prev(it);
        if (previous->first + previous->second.length > offset)
            return previous;
    }
    return it;
}

void DirectionStream::compare_delivered(StreamEvents& events, Arrival& arrival,
                                        std::uint64_t offset, util::Bytes bytes) {
    const auto differs = m_recent.first_difference(offset, bytes);
    if (!differs)
        return;
    // Both excerpts cover the same stream bytes, from the first difference on.
    const util::Bytes dropped = bytes.subspan(static_cast<std::size_t>(*differs - offset));
    std::array<std::byte, k_excerpt_bytes> kept{};
    const std::size_t kept_size = m_recent.copy_out(
        *differs, std::span<std::byte>(kept.data(), std::min(dropped.size(), kept.size())));
    report_conflict(events, arrival, *differs, util::Bytes(kept.data(), kept_size),
                    dropped.first(kept_size));
}

void DirectionStream::compare_held(StreamEvents& events, Arrival& arrival, std::uint64_t offset,
                                   util::Bytes bytes, const PieceMap::value_type& piece) {
    const util::Bytes held =
        util::Bytes(piece.second.bytes).subspan(static_cast<std::size_t>(offset - piece.first));
    if (std::memcmp(held.data(), bytes.data(), bytes.size()) == 0)
        return;
    std::size_t at = 0;
    while (held[at] == bytes[at])
        ++at;
    const std::size_t excerpt = std::min(bytes.size() - at, k_excerpt_bytes);
    report_conflict(events, arrival, offset + at, held.subspan(at, excerpt),
                    bytes.subspan(at, excerpt));
}

void DirectionStream::report_conflict(StreamEvents& events, Arrival& arrival, std::uint64_t offset,
                                      util::Bytes kept, util::Bytes dropped) {
    if (arrival.conflict_reported) // one anomaly per segment is enough to point at it
        return;
    arrival.conflict_reported = true;
    ++events.stats().overlaps;
    anomaly(events, model::AnomalyKind::overlap_conflict, arrival.segment.frame, offset,
            "overlap at offset " + std::to_string(offset) + " differs: kept \"" +
                util::escape_bytes(kept, k_excerpt_chars) + "\", dropped \"" +
                util::escape_bytes(dropped, k_excerpt_chars) + "\"");
}

void DirectionStream::hold(Arrival& arrival, std::uint64_t offset, util::Bytes bytes,
                           std::uint64_t length) {
    Piece piece;
    piece.stable = arrival.segment.stable;
    if (piece.stable) {
        piece.bytes = bytes;
    } else {
        piece.owned.assign(bytes.begin(), bytes.end());
        piece.bytes = util::Bytes(piece.owned.data(), piece.owned.size());
    }
    piece.length = length;
    piece.frame = arrival.segment.frame;
    piece.time = arrival.segment.time;
    piece.flags = arrival.segment.flags;
    piece.missing = bytes.empty();
    piece.ack = arrival.segment.ack;
    m_held_bytes += bytes.size();
    m_held.emplace(offset, std::move(piece));
    arrival.held = true;
}

void DirectionStream::deliver(StreamEvents& events, util::Bytes bytes, std::uint64_t frame,
                              model::Timestamp time, std::uint8_t flags, bool remember, bool stable,
                              const AckInfo& ack) {
    model::SegmentInfo info;
    info.index = m_next_index++;
    info.frame = frame;
    info.time = time;
    info.offset = m_next;
    info.length = static_cast<std::uint32_t>(bytes.size());
    info.tcp_flags = flags;
    info.has_ack = ack.has_ack;
    info.ack_offset = ack.ack_offset;
    info.window = ack.window;
    auto& stats = events.stats();
    ++stats.segments;
    stats.stream_bytes += bytes.size();
    if (remember)
        m_recent.append(m_next, bytes, stable);
    m_next += bytes.size();
    events.sink.on_data(events.flow, events.direction, info, bytes);
}

void DirectionStream::emit_gap(StreamEvents& events, std::uint64_t length, model::GapReason reason,
                               std::uint64_t frame) {
    if (length == 0)
        return;
    const model::Gap gap{m_next, length, reason, frame};
    auto& stats = events.stats();
    ++stats.gaps;
    stats.gap_bytes += length;
    m_next += length;
    events.sink.on_gap(events.flow, events.direction, gap);
}

void DirectionStream::drain(StreamEvents& events) {
    while (!m_held.empty() && m_held.begin()->first == m_next) {
        // Out of the map before the sink sees it, so the held count is right during the call.
        const auto first = m_held.begin();
        const Piece piece = std::move(first->second);
        m_held.erase(first);
        m_held_bytes -= piece.bytes.size();
        if (piece.missing)
            emit_gap(events, piece.length, model::GapReason::snaplen, piece.frame);
        else
            deliver(events, piece.bytes, piece.frame, piece.time, piece.flags, true, piece.stable,
                    piece.ack);
    }
}

void DirectionStream::release_first_hole(StreamEvents& events, model::GapReason reason,
                                         std::uint64_t frame) {
    if (m_held.empty())
        return;
    emit_gap(events, m_held.begin()->first - m_next, reason, frame);
    drain(events);
}

void DirectionStream::note_ack(std::uint32_t ack) {
    if (!m_started)
        return;
    // Same placement as a segment's seq: the signed distance from the next expected seq.
    const std::int64_t offset =
        static_cast<std::int64_t>(m_next) + static_cast<std::int32_t>(ack - next_seq());
    if (offset <= 0 || (m_ack_known && static_cast<std::uint64_t>(offset) <= m_acked))
        return;
    m_ack_known = true;
    m_acked = static_cast<std::uint64_t>(offset);
}

void DirectionStream::release_acknowledged(StreamEvents& events, std::uint64_t packet_number,
                                           const AckGrace& grace, std::uint64_t frame) {
    while (!m_held.empty() && m_ack_known && m_acked > m_next) {
        if (!m_acked_hole_known || m_acked_hole != m_next) {
            m_acked_hole_known = true;
            m_acked_hole = m_next;
            m_acked_since = packet_number;
            m_acked_since_frame = frame;
        }
        if (packet_number - m_acked_since < grace.packets &&
            frame - m_acked_since_frame < grace.frames)
            return;
        // Only the acknowledged part: bytes after the ACK may still be in flight.
        const std::uint64_t hole_end = std::min(m_acked, m_held.begin()->first);
        emit_gap(events, hole_end - m_next, model::GapReason::lost, frame);
        drain(events);
    }
}

void DirectionStream::release_stale(StreamEvents& events, model::Timestamp now,
                                    model::Timestamp timeout, std::uint64_t frame) {
    while (!m_held.empty() && now - m_held.begin()->second.time > timeout)
        release_first_hole(events, model::GapReason::lost, frame);
}

void DirectionStream::flush(StreamEvents& events, std::uint64_t frame) {
    while (!m_held.empty())
        release_first_hole(events, model::GapReason::lost, frame);
    if (m_fin_known && m_next < m_fin_offset)
        emit_gap(events, m_fin_offset - m_next, model::GapReason::lost, frame);
}

void DirectionStream::anomaly(StreamEvents& events, model::AnomalyKind kind, std::uint64_t frame,
                              std::uint64_t offset, std::string detail) {
    model::Anomaly anomaly;
    anomaly.kind = kind;
    anomaly.frame = frame;
    anomaly.offset = offset;
    anomaly.detail = std::move(detail);
    events.sink.on_anomaly(&events.flow, anomaly);
}

} // namespace sniff::reassembly
