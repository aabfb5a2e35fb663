#include "reassembly/reassembler.hpp"

#include "reassembly/direction_stream.hpp"
#include "reassembly/flow_key.hpp"
#include "reassembly/flow_table.hpp"
#include "reassembly/parked_queue.hpp"
#include "reassembly/window_scale.hpp"

#include <algorithm>
#include <array>
#include <deque>
#include <limits>
#include <list>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace sniff::reassembly {

namespace {

namespace flag = model::tcp_flags;

// Closed 4-tuples remembered for port reuse and data after RST; bounded so a scan of many short
// connections cannot grow it without limit when expire() is seldom called.
constexpr std::size_t k_max_tombstones = 1u << 20;

struct FlowState {
    FlowKey key;
    model::Flow flow;
    std::array<DirectionStream, 2> directions;
    bool client_is_first = true; // the client is the first endpoint of the key's order
    bool memory_cap_reported = false;
    // The flow ended (both FINs delivered, or an RST): it closes with this reason once
    // close_linger of capture time has passed, so the packets that still belong to it (the ACKs
    // of the last FINs, a retransmitted FIN, the peer's packets in flight at an RST) are counted
    // with it, as tshark counts a conversation's frames.
    std::optional<CloseReason> ending;
    model::Timestamp ended_at = 0;
    std::uint64_t last_frame = 0;
    ControlContext controls; // used when control events are on
    WindowScale window_scale;
    bool handshake_timed = false;
    std::array<ParkedQueue, 2> parked; // per direction, in capture order
    std::uint64_t parked_bytes = 0;

    std::uint64_t packets() const { return flow.stats[0].packets + flow.stats[1].packets; }

    std::uint64_t held() const { return directions[0].held_bytes() + directions[1].held_bytes(); }
    model::Direction direction_of(bool source_is_first) const {
        return source_is_first == client_is_first ? model::Direction::c2s : model::Direction::s2c;
    }
    DirectionStream& stream(model::Direction direction) {
        return directions[static_cast<int>(direction)];
    }
};

// Least recently active first: expire() pops from the front.
using FlowList = std::list<FlowState>;

struct Tombstone {
    std::uint64_t flow_id = 0;
    std::uint32_t reuse = 0;
    model::Timestamp closed_at = 0;
    bool absorbs = false; // closed by FIN/RST: later non-SYN packets belong to the dead flow
    bool rst = false;
};

SegmentInput segment_of(const packet::DecodedPacket& packet, std::uint64_t frame,
                        model::Timestamp time) {
    SegmentInput input;
    input.seq = packet.tcp.seq;
    input.flags = packet.tcp.flags;
    input.payload = packet.payload;
    input.missing = packet.payload_missing;
    input.stable = packet.payload_stable;
    input.frame = frame;
    input.time = time;
    return input;
}

} // namespace

struct Reassembler::State {
    State(ReassemblyConfig config_in, StreamSink& sink_in) : config(config_in), sink(sink_in) {}

    ReassemblyConfig config;
    StreamSink& sink;
    FlowList flows;
    FlowTable<FlowList::iterator> table;
    std::unordered_map<FlowKey, Tombstone, FlowKeyHash> tombstones;
    std::deque<std::pair<FlowKey, Tombstone>> tombstone_order; // oldest first
    std::uint64_t next_id = 1;
    std::uint64_t next_tcp_stream = 0; // tshark's tcp.stream: TCP flows from 0, by first packet
    std::uint64_t buffered = 0;
    std::uint64_t parked_total = 0; // payload bytes parked in all flows
    struct Ending {
        FlowKey key;
        std::uint64_t flow_id = 0;
        model::Timestamp at = 0;
    };
    std::deque<Ending> endings; // ended flows in order of ending (each lingers as long)

    FlowList::iterator create(const FlowKey& key, bool source_is_first,
                              const packet::DecodedPacket& packet, std::uint64_t frame,
                              model::Timestamp time, std::uint32_t reuse);
    // The flow a packet belongs to: open, ended but lingering, or made for it; flows.end() for
    // a late packet of a flow that has closed (it is absorbed, uncounted).
    FlowList::iterator flow_of(const FlowKey& key, bool source_is_first,
                               const packet::DecodedPacket& packet, std::uint64_t frame,
                               model::Timestamp time);
    // No open flow on the 4-tuple: the closed one's late packet, or a new flow.
    FlowList::iterator after_close(const FlowKey& key, bool source_is_first,
                                   const packet::DecodedPacket& packet, std::uint64_t frame,
                                   model::Timestamp time);
    bool replaces(FlowState& state, bool source_is_first, const packet::DecodedPacket& packet);
    // Declares the holes that will not fill (acknowledged, or waited for too long) lost gaps.
    void release_lost_holes(FlowState& state, std::uint64_t frame);
    void release_stale(FlowState& state, model::Timestamp now, std::uint64_t frame);
    // The packet into its stream, then whether the flow ended (it closes after its linger).
    void add_tcp(FlowState& state, model::Direction direction, const packet::DecodedPacket& packet,
                 const SegmentInput& input);
    // The part of add_tcp that never closes the flow: the segment into its stream, ACKs noted.
    void feed_tcp(FlowState& state, model::Direction direction, const packet::DecodedPacket& packet,
                  const SegmentInput& input);
    // Causal order: whether a packet must wait for bytes of the other direction, parking it,
    // and processing parked packets once what they acknowledge was delivered (or waited long
    // enough).
    bool must_wait(FlowState& state, model::Direction direction,
                   const packet::DecodedPacket& packet);
    void park(FlowState& state, model::Direction direction, const packet::DecodedPacket& packet,
              std::uint64_t frame, model::Timestamp time);
    bool ready(FlowState& state, model::Direction direction, const Parked& parked);
    // Whether a parked packet waited as long as ReassemblyConfig::ack_grace allows.
    bool grace_passed(const FlowState& state, const Parked& parked) const;
    // An RST recorded before bytes its sender sent earlier (a hole before its sequence number):
    // it closes the flow only after them.
    bool rst_before_its_bytes(FlowState& state, model::Direction direction,
                              const packet::DecodedPacket& packet);
    // Whether the direction's first parked packet waits for bytes the other direction holds
    // parked, starting with the next ones it is to deliver.
    bool waits_on_parked(FlowState& state, model::Direction direction);
    // Cheap test before a scan: whether no parked packet of the flow can go now.
    bool none_ready(FlowState& state);
    // The position in the direction's queue of the oldest packet that may go now.
    std::optional<std::size_t> ready_index(FlowState& state, model::Direction direction);
    // Removes a parked packet of the direction and updates the counts.
    Parked take_parked(FlowState& state, model::Direction direction, std::size_t index);
    void release_parked(FlowState& state);
    // At close: every parked packet into its stream, in capture order.
    void feed_parked(FlowState& state);
    // The input with what the packet says about the other direction: its ACK as a stream offset
    // there, and its window in bytes.
    SegmentInput with_peer_view(FlowState& state, model::Direction direction,
                                const packet::DecodedPacket& packet, const SegmentInput& input);
    // A SYN's window scale option; the flow's directions say the shifts once both SYNs were seen.
    void note_window_scale(FlowState& state, model::Direction direction,
                           std::optional<std::uint8_t> shift);
    // Control events: the handshake's round trip, and the packet as a pure ACK or window update.
    void note_control(FlowState& state, model::Direction direction, const SegmentInput& input);
    // The flow ended (FIN both ways, or RST) at `now`: it closes close_linger later.
    void end(FlowState& state, CloseReason reason, model::Timestamp now);
    // A packet of a flow ended by an RST: counted and shown, never stream data.
    void add_after_rst(FlowState& state, model::Direction direction,
                       const packet::DecodedPacket& packet, const SegmentInput& input);
    // Closes the ended flows whose linger is over as of `now`.
    void close_ended(model::Timestamp now);
    // now: packet time of the close (tombstones expire idle_timeout after it).
    void close(FlowList::iterator it, CloseReason reason, model::Timestamp now);
    void bury(const FlowState& state, CloseReason reason, model::Timestamp now);
    void enforce_caps(FlowState& state, std::uint64_t frame);
    void release_all(FlowState& state, std::uint64_t frame);
    void note_memory_cap(FlowState& state, std::uint64_t frame);
    void data_after_rst(const Tombstone& tomb, const packet::DecodedPacket& packet,
                        std::uint64_t frame);
};

FlowList::iterator Reassembler::State::create(const FlowKey& key, bool source_is_first,
                                              const packet::DecodedPacket& packet,
                                              std::uint64_t frame, model::Timestamp time,
                                              std::uint32_t reuse) {
    const bool tcp = packet.protocol == model::Protocol::tcp;
    const bool syn = tcp && (packet.tcp.flags & flag::syn) != 0;
    // A SYN+ACK seen first comes from the server; anything else is sent by the client.
    const bool source_is_client = !(syn && (packet.tcp.flags & flag::ack) != 0);
    flows.emplace_back();
    const auto it = std::prev(flows.end());
    FlowState& state = *it;
    state.key = key;
    state.client_is_first = source_is_client == source_is_first;
    model::Flow& flow = state.flow;
    flow.id = next_id++;
    if (tcp)
        flow.tcp_stream = next_tcp_stream++;
    flow.protocol = packet.protocol;
    flow.client = source_is_client ? packet.source : packet.destination;
    flow.server = source_is_client ? packet.destination : packet.source;
    flow.reuse = reuse;
    flow.first_seen = time;
    flow.last_seen = time;
    flow.first_frame = frame;
    flow.saw_syn = syn;
    table.insert(key, it);
    sink.on_flow_open(flow);
    return it;
}

bool Reassembler::State::replaces(FlowState& state, bool source_is_first,
                                  const packet::DecodedPacket& packet) {
    if (packet.protocol != model::Protocol::tcp ||
        (packet.tcp.flags & (flag::syn | flag::ack)) != flag::syn)
        return false;
    const DirectionStream& stream = state.stream(state.direction_of(source_is_first));
    if (!stream.started()) // the SYN of a flow first seen by its SYN+ACK
        return false;
    // A retransmitted SYN carries the same ISN; any other SYN opens a new connection. Without a
    // SYN seen, a SYN just before the first byte is this connection's own, recorded late (a
    // capture's per-CPU queues can put it after the SYN+ACK and the ACK).
    if (stream.has_isn())
        return stream.isn() != packet.tcp.seq;
    return stream.base_seq() != packet.tcp.seq + 1;
}

SegmentInput Reassembler::State::with_peer_view(FlowState& state, model::Direction direction,
                                                const packet::DecodedPacket& packet,
                                                const SegmentInput& input) {
    SegmentInput with_ack = input;
    if ((input.flags & flag::ack) != 0) {
        if (const auto acked =
                state.stream(model::opposite(direction)).offset_of_ack(packet.tcp.ack)) {
            with_ack.ack.has_ack = true;
            with_ack.ack.ack_offset = *acked;
        }
    }
    with_ack.ack.window =
        state.window_scale.bytes(direction, packet.tcp.window, (input.flags & flag::syn) != 0);
    return with_ack;
}

void Reassembler::State::feed_tcp(FlowState& state, model::Direction direction,
                                  const packet::DecodedPacket& packet, const SegmentInput& input) {
    DirectionStream& stream = state.stream(direction);
    DirectionStream& peer = state.stream(model::opposite(direction));
    StreamEvents events{sink, state.flow, direction,
                        config.control_events ? &state.controls : nullptr};
    const std::uint64_t held_before = state.held();
    if ((input.flags & flag::syn) != 0)
        note_window_scale(state, direction, packet.tcp.window_scale);
    const SegmentInput with_ack = with_peer_view(state, direction, packet, input);
    if (config.control_events)
        note_control(state, direction, with_ack);
    stream.add_tcp(events, with_ack, peer.window_zero());
    // The window this packet advertises limits what the peer may send to it.
    if ((input.flags & (flag::ack | flag::syn)) != 0)
        stream.set_window(with_ack.ack.window);
    // A SYN+ACK only acknowledges the SYN (and TCP Fast Open data, delivered with it), and an
    // RST's number says nothing about what arrived: neither can reveal a hole.
    if ((input.flags & (flag::ack | flag::syn | flag::rst)) == flag::ack)
        peer.note_ack(packet.tcp.ack);
    buffered = buffered - held_before + state.held();
    if (state.held() > 0)
        release_lost_holes(state, input.frame);
    auto& stats = events.stats();
    if ((input.flags & flag::fin) != 0)
        stats.fin = true;
    if ((input.flags & flag::rst) != 0)
        stats.rst = true;
}

void Reassembler::State::end(FlowState& state, CloseReason reason, model::Timestamp now) {
    if (state.ending)
        return; // an RST after both FINs: the flow had already ended, as a FIN close
    state.ending = reason;
    state.ended_at = now;
    endings.push_back({state.key, state.flow.id, now});
}

void Reassembler::State::add_after_rst(FlowState& state, model::Direction direction,
                                       const packet::DecodedPacket& packet,
                                       const SegmentInput& input) {
    if (!packet.payload.empty() || packet.payload_missing > 0) {
        model::Anomaly anomaly;
        anomaly.kind = model::AnomalyKind::data_after_rst;
        anomaly.frame = input.frame;
        anomaly.offset = state.stream(direction).next_offset();
        anomaly.detail = std::to_string(packet.payload.size() + packet.payload_missing) +
                         " byte(s) from " + packet.source.to_string() + " after RST";
        sink.on_anomaly(&state.flow, anomaly);
    }
    if ((input.flags & flag::rst) != 0)
        state.flow.of(direction).rst = true;
    if (config.control_events)
        note_control(state, direction, with_peer_view(state, direction, packet, input));
}

void Reassembler::State::close_ended(model::Timestamp now) {
    while (!endings.empty() && now - endings.front().at > config.close_linger) {
        const Ending ended = endings.front();
        endings.pop_front();
        // The flow may be gone already (closed by a new SYN, the end of input or idleness).
        if (const auto* found = table.find(ended.key);
            found != nullptr && (*found)->flow.id == ended.flow_id)
            close(*found, *(*found)->ending, now);
    }
}

void Reassembler::State::note_window_scale(FlowState& state, model::Direction direction,
                                           std::optional<std::uint8_t> shift) {
    state.window_scale.note_syn(direction, shift);
    for (const auto side : {model::Direction::c2s, model::Direction::s2c})
        state.flow.of(side).window_shift = state.window_scale.shift(side);
}

void Reassembler::State::add_tcp(FlowState& state, model::Direction direction,
                                 const packet::DecodedPacket& packet, const SegmentInput& input) {
    feed_tcp(state, direction, packet, input);
    if ((input.flags & flag::rst) != 0) {
        end(state, CloseReason::rst, input.time);
        return;
    }
    if (state.held() > config.max_buffered_per_flow || buffered > config.max_buffered_total)
        enforce_caps(state, input.frame);
    if (state.stream(direction).finished() && state.stream(model::opposite(direction)).finished())
        end(state, CloseReason::fin, input.time);
}

bool Reassembler::State::must_wait(FlowState& state, model::Direction direction,
                                   const packet::DecodedPacket& packet) {
    if (!config.causal_order)
        return false;
    // Packets of one direction may pass each other here: its stream puts their bytes in
    // sequence order anyway, and a later one may be the very bytes the other direction awaits.
    const std::uint8_t flags = packet.tcp.flags;
    const bool carries = !packet.payload.empty() || packet.payload_missing > 0 ||
                         (flags & (flag::fin | flag::rst)) != 0;
    if (!carries || (flags & flag::syn) != 0)
        return false;
    if (rst_before_its_bytes(state, direction, packet))
        return true;
    if ((flags & flag::ack) == 0)
        return false;
    const DirectionStream& peer = state.stream(model::opposite(direction));
    if (peer.finished())
        return false;
    const auto acked = peer.offset_of_ack(packet.tcp.ack);
    return acked && *acked > peer.next_offset();
}

void Reassembler::State::park(FlowState& state, model::Direction direction,
                              const packet::DecodedPacket& packet, std::uint64_t frame,
                              model::Timestamp time) {
    Parked parked;
    parked.packet = packet;
    if (!packet.payload_stable) {
        parked.owned.assign(packet.payload.begin(), packet.payload.end());
        parked.packet.payload = util::Bytes(parked.owned.data(), parked.owned.size());
    }
    parked.frame = frame;
    parked.time = time;
    parked.parked_at = state.packets();
    const DirectionStream& own = state.stream(direction);
    const DirectionStream& peer = state.stream(model::opposite(direction));
    if ((packet.tcp.flags & flag::ack) != 0)
        parked.needs_peer = peer.offset_of_ack(packet.tcp.ack).value_or(0);
    parked.own_offset = own.offset_of_ack(packet.tcp.seq).value_or(0);
    if ((packet.tcp.flags & flag::rst) != 0)
        parked.needs_own = parked.own_offset;
    state.parked[static_cast<std::size_t>(direction)].push(std::move(parked));
    state.parked_bytes += packet.payload.size();
    parked_total += packet.payload.size();
    // What it acknowledges is known now, whenever its data is delivered: a hole it acknowledges
    // in the other direction was lost by the capture, and must not wait for this packet.
    if ((packet.tcp.flags & (flag::ack | flag::syn | flag::rst)) == flag::ack)
        state.stream(model::opposite(direction)).note_ack(packet.tcp.ack);
    if (state.held() > 0)
        release_lost_holes(state, frame);
}

bool Reassembler::State::grace_passed(const FlowState& state, const Parked& parked) const {
    return state.packets() - parked.parked_at > config.ack_grace.packets ||
           state.last_frame - parked.frame > config.ack_grace.frames;
}

bool Reassembler::State::ready(FlowState& state, model::Direction direction, const Parked& parked) {
    // A capture that lost the acknowledged bytes, or acknowledgements that make no sense, must
    // not hold a direction for long: the same allowance as for an acknowledged hole.
    if (grace_passed(state, parked) || state.parked_bytes > config.max_buffered_per_flow / 8 ||
        parked_total > config.max_buffered_total / 8)
        return true;
    if (parked.needs_own > state.stream(direction).next_offset())
        return false;
    const DirectionStream& peer = state.stream(model::opposite(direction));
    return parked.needs_peer <= peer.next_offset() || peer.finished();
}

bool Reassembler::State::rst_before_its_bytes(FlowState& state, model::Direction direction,
                                              const packet::DecodedPacket& packet) {
    if ((packet.tcp.flags & flag::rst) == 0)
        return false;
    const DirectionStream& stream = state.stream(direction);
    const auto at = stream.offset_of_ack(packet.tcp.seq);
    return at && *at > stream.next_offset();
}

bool Reassembler::State::waits_on_parked(FlowState& state, model::Direction direction) {
    const auto& mine = state.parked[static_cast<std::size_t>(direction)];
    auto& theirs = state.parked[static_cast<std::size_t>(model::opposite(direction))];
    // The other direction's next bytes must be among its parked ones: when they have not been
    // captured yet (a reordered capture records them a little later), that is no deadlock, and
    // letting a packet go early would deliver it before what it answers.
    const std::uint64_t peer_next = state.stream(model::opposite(direction)).next_offset();
    return !mine.empty() && mine.front().needs_peer > peer_next &&
           theirs.least_own_offset() <= peer_next;
}

bool Reassembler::State::none_ready(FlowState& state) {
    if (parked_total > config.max_buffered_total / 8 ||
        state.parked_bytes > config.max_buffered_per_flow / 8)
        return false;
    for (const auto direction : {model::Direction::c2s, model::Direction::s2c}) {
        auto& queue = state.parked[static_cast<std::size_t>(direction)];
        if (queue.empty())
            continue;
        const DirectionStream& peer = state.stream(model::opposite(direction));
        // The oldest is the first whose allowance ends; any may have what it waits for.
        if (grace_passed(state, queue.front()) || queue.least_needs_peer() <= peer.next_offset() ||
            peer.finished())
            return false;
    }
    // Both directions waiting: the deadlock rule of release_parked may let one go.
    return state.parked[0].empty() || state.parked[1].empty() ||
           !waits_on_parked(state, model::Direction::c2s) ||
           !waits_on_parked(state, model::Direction::s2c);
}

Parked Reassembler::State::take_parked(FlowState& state, model::Direction direction,
                                       std::size_t index) {
    Parked taken = state.parked[static_cast<std::size_t>(direction)].take(index);
    state.parked_bytes -= taken.packet.payload.size();
    parked_total -= taken.packet.payload.size();
    return taken;
}

std::optional<std::size_t> Reassembler::State::ready_index(FlowState& state,
                                                           model::Direction direction) {
    auto& queue = state.parked[static_cast<std::size_t>(direction)];
    if (queue.empty())
        return std::nullopt;
    if (ready(state, direction, queue.front()))
        return 0;
    // A reordered capture records a direction's packets out of order too: a later one may
    // acknowledge less than the oldest (and go now), or carry the bytes an RST before it waits
    // for. The least acknowledgement waited for says whether any can go, without a scan.
    const DirectionStream& peer = state.stream(model::opposite(direction));
    if (queue.least_needs_peer() > peer.next_offset() && !peer.finished())
        return std::nullopt;
    for (std::size_t index = 1; index < queue.size(); ++index)
        if (ready(state, direction, queue.at(index)))
            return index;
    return std::nullopt;
}

void Reassembler::State::release_parked(FlowState& state) {
    // Of each direction, the oldest packet that may go (ready_index); of the two, the one
    // recorded first.
    while (!state.parked[0].empty() || !state.parked[1].empty()) {
        if (none_ready(state))
            return;
        std::optional<model::Direction> from;
        std::size_t from_index = 0;
        std::uint64_t from_frame = 0;
        for (const auto direction : {model::Direction::c2s, model::Direction::s2c}) {
            const auto index = ready_index(state, direction);
            if (!index)
                continue;
            const std::uint64_t frame =
                state.parked[static_cast<std::size_t>(direction)].at(*index).frame;
            if (!from || frame < from_frame) {
                from = direction;
                from_index = *index;
                from_frame = frame;
            }
        }
        // Each direction waiting for bytes the other holds parked cannot happen in a real
        // conversation; with acknowledgements that make no sense, the earlier packet goes first.
        if (!from && waits_on_parked(state, model::Direction::c2s) &&
            waits_on_parked(state, model::Direction::s2c))
            from = state.parked[0].front().frame < state.parked[1].front().frame
                       ? model::Direction::c2s
                       : model::Direction::s2c;
        if (!from)
            return;
        const Parked parked = take_parked(state, *from, from_index);
        const SegmentInput input = segment_of(parked.packet, parked.frame, parked.time);
        // An RST among them ends the flow; what follows it still goes in, as it was recorded
        // before the RST's turn came.
        add_tcp(state, *from, parked.packet, input);
    }
}

void Reassembler::State::feed_parked(FlowState& state) {
    auto& c2s = state.parked[0];
    auto& s2c = state.parked[1];
    while (!c2s.empty() || !s2c.empty()) {
        const bool from_c2s =
            s2c.empty() || (!c2s.empty() && c2s.front().frame < s2c.front().frame);
        auto& queue = from_c2s ? c2s : s2c;
        const Parked parked = queue.pop_front();
        feed_tcp(state, from_c2s ? model::Direction::c2s : model::Direction::s2c, parked.packet,
                 segment_of(parked.packet, parked.frame, parked.time));
    }
    parked_total -= state.parked_bytes;
    state.parked_bytes = 0;
}

void Reassembler::State::note_control(FlowState& state, model::Direction direction,
                                      const SegmentInput& input) {
    DirectionStream& stream = state.stream(direction);
    // The handshake's round trip (SYN to the client's ACK of the SYN+ACK): within it a segment
    // below the highest sequence is taken as reordered, as tshark does.
    if (!state.handshake_timed && direction == model::Direction::c2s && state.flow.saw_syn &&
        (input.flags & (flag::syn | flag::ack)) == flag::ack) {
        state.handshake_timed = true;
        state.controls.reorder_window = input.time - state.flow.first_seen;
    }
    const AckInfo& ack = input.ack;
    if (input.payload.empty() && input.missing == 0 && (input.flags & flag::ack) != 0) {
        model::ControlNote note;
        note.kind = model::ControlKind::pure_ack;
        // Same sequence, same ACK, another (open) window: the receiver only moved its window.
        const auto window = stream.window();
        const auto acked = stream.ack_sent();
        if ((input.flags & (flag::syn | flag::fin | flag::rst)) == 0 && ack.window != 0 && window &&
            *window != ack.window && acked && ack.has_ack && *acked == ack.ack_offset)
            note.kind = model::ControlKind::window_update;
        note.frame = input.frame;
        note.time = input.time;
        const auto offset = stream.offset_of_ack(input.seq);
        note.offset = offset.value_or(0);
        note.length = (input.flags & (flag::syn | flag::fin)) != 0 ? 1 : 0;
        note.tcp_flags = input.flags;
        note.has_ack = ack.has_ack;
        note.ack_offset = ack.ack_offset;
        note.window = ack.window;
        sink.on_control(state.flow, direction, note);
    }
    if (ack.has_ack)
        stream.set_ack_sent(ack.ack_offset);
}

void Reassembler::State::release_lost_holes(FlowState& state, std::uint64_t frame) {
    const std::uint64_t held_before = state.held();
    const std::uint64_t packets = state.flow.stats[0].packets + state.flow.stats[1].packets;
    for (const auto direction : {model::Direction::c2s, model::Direction::s2c}) {
        DirectionStream& stream = state.stream(direction);
        if (!stream.has_held())
            continue;
        StreamEvents events{sink, state.flow, direction};
        // The flow's newest frame, not the packet's: a parked packet released now is older.
        stream.release_acknowledged(events, packets, config.ack_grace, state.last_frame);
        stream.release_stale(events, state.flow.last_seen, config.hole_timeout, frame);
    }
    buffered = buffered - held_before + state.held();
}

void Reassembler::State::release_stale(FlowState& state, model::Timestamp now,
                                       std::uint64_t frame) {
    const std::uint64_t held_before = state.held();
    for (const auto direction : {model::Direction::c2s, model::Direction::s2c}) {
        StreamEvents events{sink, state.flow, direction};
        state.stream(direction).release_stale(events, now, config.hole_timeout, frame);
    }
    buffered = buffered - held_before + state.held();
}

void Reassembler::State::note_memory_cap(FlowState& state, std::uint64_t frame) {
    if (state.memory_cap_reported)
        return;
    state.memory_cap_reported = true;
    model::Anomaly anomaly;
    anomaly.kind = model::AnomalyKind::memory_cap;
    anomaly.frame = frame;
    anomaly.detail = "out-of-order buffering cap reached: holes declared gaps";
    sink.on_anomaly(&state.flow, anomaly);
}

void Reassembler::State::release_all(FlowState& state, std::uint64_t frame) {
    const std::uint64_t held_before = state.held();
    for (const auto direction : {model::Direction::c2s, model::Direction::s2c}) {
        StreamEvents events{sink, state.flow, direction};
        while (state.stream(direction).has_held())
            state.stream(direction).release_first_hole(events, model::GapReason::buffer_limit,
                                                       frame);
    }
    buffered -= held_before;
}

void Reassembler::State::enforce_caps(FlowState& state, std::uint64_t frame) {
    // Per flow: give up the earliest hole of the fuller direction until the flow fits.
    while (state.held() > config.max_buffered_per_flow) {
        note_memory_cap(state, frame);
        const auto direction = state.directions[0].held_bytes() >= state.directions[1].held_bytes()
                                   ? model::Direction::c2s
                                   : model::Direction::s2c;
        const std::uint64_t held_before = state.held();
        StreamEvents events{sink, state.flow, direction};
        state.stream(direction).release_first_hole(events, model::GapReason::buffer_limit, frame);
        buffered = buffered - held_before + state.held();
    }
    if (buffered <= config.max_buffered_total)
        return;
    // In all: this flow first, then the fullest others (a rare scan: each frees a whole flow).
    if (state.held() > 0) {
        note_memory_cap(state, frame);
        release_all(state, frame);
    }
    while (buffered > config.max_buffered_total) {
        FlowState* fullest = nullptr;
        for (auto& other : flows)
            if (fullest == nullptr || other.held() > fullest->held())
                fullest = &other;
        if (fullest == nullptr || fullest->held() == 0)
            break;
        note_memory_cap(*fullest, frame);
        release_all(*fullest, frame);
    }
}

void Reassembler::State::close(FlowList::iterator it, CloseReason reason, model::Timestamp now) {
    FlowState& state = *it;
    if (state.ending)
        reason = *state.ending; // it had ended; only its last packets were awaited
    feed_parked(state);
    const std::uint64_t held_before = state.held();
    for (const auto direction : {model::Direction::c2s, model::Direction::s2c}) {
        StreamEvents events{sink, state.flow, direction};
        state.stream(direction).flush(events, state.last_frame);
    }
    buffered -= held_before;
    sink.on_flow_close(state.flow, reason);
    bury(state, reason, now);
    table.erase(state.key);
    flows.erase(it);
}

void Reassembler::State::bury(const FlowState& state, CloseReason reason, model::Timestamp now) {
    if (reason == CloseReason::end_of_input || reason == CloseReason::replaced)
        return; // no later packet can come, or the new flow already holds the 4-tuple
    Tombstone tomb;
    tomb.flow_id = state.flow.id;
    tomb.reuse = state.flow.reuse;
    tomb.closed_at = std::max(now, state.flow.last_seen);
    tomb.absorbs = reason == CloseReason::fin || reason == CloseReason::rst;
    tomb.rst = reason == CloseReason::rst;
    tombstones[state.key] = tomb;
    tombstone_order.emplace_back(state.key, tomb);
    while (tombstones.size() > k_max_tombstones && !tombstone_order.empty()) {
        const auto& [key, oldest] = tombstone_order.front();
        if (auto found = tombstones.find(key);
            found != tombstones.end() && found->second.flow_id == oldest.flow_id)
            tombstones.erase(found);
        tombstone_order.pop_front();
    }
}

void Reassembler::State::data_after_rst(const Tombstone& tomb, const packet::DecodedPacket& packet,
                                        std::uint64_t frame) {
    // The flow is gone (on_flow_close was its last event), so the anomaly names it in text.
    model::Anomaly anomaly;
    anomaly.kind = model::AnomalyKind::data_after_rst;
    anomaly.frame = frame;
    anomaly.detail = "flow " + std::to_string(tomb.flow_id) + ": " +
                     std::to_string(packet.payload.size() + packet.payload_missing) +
                     " byte(s) from " + packet.source.to_string() + " after RST";
    sink.on_anomaly(nullptr, anomaly);
}

FlowList::iterator Reassembler::State::flow_of(const FlowKey& key, bool source_is_first,
                                               const packet::DecodedPacket& packet,
                                               std::uint64_t frame, model::Timestamp time) {
    const bool syn = packet.protocol == model::Protocol::tcp && (packet.tcp.flags & flag::syn) != 0;
    if (const auto* found = table.find(key); found != nullptr) {
        FlowList::iterator it = *found;
        if (it->ending) {
            // An ended flow takes its late packets until the linger is over; a SYN is a new
            // connection on the 4-tuple at once.
            if (!syn && time - it->ended_at <= config.close_linger)
                return it;
            close(it, *it->ending, time);
            return after_close(key, source_is_first, packet, frame, time);
        }
        if (replaces(*it, source_is_first, packet)) {
            const std::uint32_t reuse = it->flow.reuse + 1;
            close(it, CloseReason::replaced, time);
            return create(key, source_is_first, packet, frame, time, reuse);
        }
        return it;
    }
    return after_close(key, source_is_first, packet, frame, time);
}

FlowList::iterator Reassembler::State::after_close(const FlowKey& key, bool source_is_first,
                                                   const packet::DecodedPacket& packet,
                                                   std::uint64_t frame, model::Timestamp time) {
    std::uint32_t reuse = 0;
    if (const auto tomb = tombstones.find(key); tomb != tombstones.end()) {
        const bool syn =
            packet.protocol == model::Protocol::tcp && (packet.tcp.flags & flag::syn) != 0;
        if (tomb->second.absorbs && !syn) {
            if (tomb->second.rst && (!packet.payload.empty() || packet.payload_missing > 0))
                data_after_rst(tomb->second, packet, frame);
            return flows.end(); // a late ACK, FIN or retransmission of the closed flow
        }
        reuse = tomb->second.reuse + 1;
        tombstones.erase(tomb);
    }
    return create(key, source_is_first, packet, frame, time, reuse);
}

Reassembler::Reassembler(ReassemblyConfig config, StreamSink& sink)
    : m_state(std::make_unique<State>(config, sink)) {}

Reassembler::~Reassembler() = default;

void Reassembler::add(const packet::DecodedPacket& packet, std::uint64_t frame,
                      model::Timestamp time) {
    State& s = *m_state;
    const bool tcp = packet.protocol == model::Protocol::tcp;
    bool source_is_first = true;
    const FlowKey key =
        make_flow_key(packet.protocol, packet.source, packet.destination, source_is_first);
    const auto it = s.flow_of(key, source_is_first, packet, frame, time);
    if (it == s.flows.end())
        return;                                 // a late packet of a closed flow
    s.flows.splice(s.flows.end(), s.flows, it); // most recently active last

    FlowState& state = *it;
    const model::Direction direction = state.direction_of(source_is_first);
    state.flow.last_seen = std::max(state.flow.last_seen, time);
    state.last_frame = frame;
    auto& stats = state.flow.of(direction);
    const std::uint64_t payload = packet.payload.size() + packet.payload_missing;
    ++stats.packets;
    stats.wire_bytes += payload;
    if (stats.first_frame == 0 && payload > 0)
        stats.first_frame = frame;

    const SegmentInput input = segment_of(packet, frame, time);
    if (tcp && state.ending == CloseReason::rst) {
        s.add_after_rst(state, direction, packet, input);
        return;
    }
    if (tcp && s.must_wait(state, direction, packet)) {
        s.park(state, direction, packet, frame, time);
        s.release_parked(state); // the packet count moved: an old one may be due
        return;
    }
    if (tcp) {
        s.add_tcp(state, direction, packet, input);
        s.release_parked(state);
    } else {
        StreamEvents events{s.sink, state.flow, direction};
        state.stream(direction).add_datagram(events, input);
    }
}

void Reassembler::expire(model::Timestamp now) {
    State& s = *m_state;
    const model::Timestamp timeout = s.config.idle_timeout;
    s.close_ended(now);
    // The list is in order of last activity, so the idle flows are at its front.
    while (!s.flows.empty() && now - s.flows.front().flow.last_seen > timeout)
        s.close(s.flows.begin(), CloseReason::idle, now);
    // Flows that went quiet behind a hole: their held bytes time out in capture time too.
    if (s.buffered > 0)
        for (auto& state : s.flows)
            if (state.held() > 0)
                s.release_stale(state, now, state.last_frame);
    while (!s.tombstone_order.empty() &&
           now - s.tombstone_order.front().second.closed_at > timeout) {
        const auto& [key, oldest] = s.tombstone_order.front();
        if (auto found = s.tombstones.find(key);
            found != s.tombstones.end() && found->second.flow_id == oldest.flow_id)
            s.tombstones.erase(found);
        s.tombstone_order.pop_front();
    }
}

void Reassembler::finish() {
    State& s = *m_state;
    while (!s.flows.empty())
        s.close(s.flows.begin(), CloseReason::end_of_input, s.flows.front().flow.last_seen);
    s.endings.clear();
    s.tombstones.clear();
    s.tombstone_order.clear();
}

std::size_t Reassembler::open_flows() const {
    return m_state->table.size();
}

std::uint64_t Reassembler::flows_seen() const {
    return m_state->next_id - 1;
}

std::uint64_t Reassembler::buffered_bytes() const {
    return m_state->buffered;
}

} // namespace sniff::reassembly
