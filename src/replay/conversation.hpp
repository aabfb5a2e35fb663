#pragma once
// One captured flow as sniff replay needs it: the exact bytes each side sent (up to the first hole
// in its stream), the segments they came in with their times, where the framing puts messages,
// and what cut the capture short (a gap, no handshake). Pure data: no sockets here.
//
// ConversationCollector is a StreamSink: put it behind a PacketPipeline reading the capture and
// it keeps the flows asked for, numbered as `sniff -r FILE` numbers them.

#include "model/flow.hpp"
#include "model/segment.hpp"
#include "reassembly/stream_sink.hpp"

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace sniff::replay {

// A run of stream bytes of one direction: [offset, offset + length).
struct Span {
    std::uint64_t offset = 0;
    std::uint64_t length = 0;
    std::uint64_t end() const { return offset + length; }
    bool operator==(const Span&) const = default;
};

// A captured segment (or datagram, or recv() chunk of a recording).
struct Chunk {
    std::uint64_t offset = 0;
    std::uint64_t length = 0;
    model::Timestamp time = 0;
    std::uint64_t frame = 0; // capture order across both directions
};

struct SideStream {
    std::vector<std::byte> bytes; // in order, up to the first gap
    std::vector<Chunk> chunks;
    // The first hole: its bytes were never captured, so nothing from there on is kept.
    std::optional<model::Gap> gap;
    std::vector<Span> messages; // complete messages the framing found (empty: no framing)
    std::string framing;        // the spec that found them ("raw" when none)
    bool fin = false;
    bool rst = false;

    util::Bytes view(const Span& span) const {
        return util::Bytes(bytes.data() + span.offset, static_cast<std::size_t>(span.length));
    }
};

struct Conversation {
    model::Flow flow; // as captured: its number, endpoints, protocol, whether the SYN was seen
    std::array<SideStream, 2> sides;

    SideStream& of(model::Direction direction) {
        return sides[static_cast<std::size_t>(direction)];
    }
    const SideStream& of(model::Direction direction) const {
        return sides[static_cast<std::size_t>(direction)];
    }
    // The capture began after the connection did (no SYN): the first bytes may be the middle of a
    // message, and client and server were guessed.
    bool started_mid_connection() const {
        return flow.protocol == model::Protocol::tcp && !flow.saw_syn;
    }
    // The frame at which the first gap of either side was decided; 0 when there is none.
    std::uint64_t first_gap_frame() const;
};

class ConversationCollector final : public reassembly::StreamSink {
public:
    // wanted: which flows to keep (asked at their open); the others cost nothing.
    explicit ConversationCollector(std::function<bool(const model::Flow&)> wanted);

    void on_flow_open(const model::Flow& flow) override;
    void on_data(const model::Flow& flow, model::Direction direction,
                 const model::SegmentInfo& segment, util::Bytes bytes) override;
    void on_gap(const model::Flow& flow, model::Direction direction,
                const model::Gap& gap) override;
    void on_flow_close(const model::Flow& flow, reassembly::CloseReason reason) override;

    // Every kept flow, in flow number order (after the capture was read to its end).
    std::vector<Conversation> take();
    std::uint64_t flows_seen() const { return m_flows_seen; }

private:
    Conversation* find(std::uint64_t id);

    std::function<bool(const model::Flow&)> m_wanted;
    std::vector<Conversation> m_kept;
    std::uint64_t m_flows_seen = 0;
};

} // namespace sniff::replay
