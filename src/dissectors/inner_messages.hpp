#pragma once
// The messages of a layered framing for one direction (framing.hpp: InnerPiece): the engine's
// side of `grpc`, internal to DirectionFramer. A message is made of pieces of several units of
// the layer underneath (DATA frames), interleaved with other sequences' messages, so it has a
// start offset (its first byte), an end offset (after its last byte) and the pieces between;
// its length is the sum of its pieces.
//
// Classes, against the TCP segments as for every framing: split when its pieces lie in more
// than one segment, coalesced when a segment that carried it also carried another message of
// this framing (bytes of the layer underneath, such as frame headers, are not messages). A
// message is delivered at the end of the segment it ended in, once that segment's sharing is
// known. Against the units underneath (header "in_frames"): split over several DATA frames,
// coalesced when a frame it used held another message too.
//
// Memory: at most k_inner_open messages are open per direction, each with a preview of
// EngineConfig::preview_bytes and at most k_inner_listed pieces listed; bodies are never copied.

#include "dissectors/engine.hpp"
#include "dissectors/framing.hpp"

#include <map>
#include <vector>

namespace sniff::dissect {

inline constexpr std::size_t k_inner_open = 1024;
inline constexpr std::size_t k_inner_listed = 8;

class InnerMessages final : public InnerSink {
public:
    // A message that ended, classed, with its first bytes; flow, direction and index are left to
    // the framer that delivers it.
    struct Finished {
        Message message;
        std::string preview;
    };
    // How the segment being processed was used, for its SegmentReport.
    struct SegmentUse {
        std::uint32_t touched = 0; // distinct messages with bytes in it
        std::uint32_t starts = 0;
        std::uint32_t ends = 0;
    };

    explicit InnerMessages(const EngineConfig& config) : m_config(config) {}

    // The segment whose bytes the next pieces lie in; its bytes stay valid until end_segment.
    void begin_segment(const model::SegmentInfo& segment, util::Bytes bytes);
    // The unit the framing is asked about begins at this stream offset.
    void set_unit(std::uint64_t offset) {
        if (offset != m_unit)
            m_unit_used = false;
        m_unit = offset;
    }
    void on_piece(const InnerPiece& piece) override;
    // Ends every open message unfinished (a gap, a resynchronisation, the end of the stream).
    void end_all(const std::string& reason);
    // End of the segment: the messages that ended in it (or by end_all), classed, in the order
    // they ended, appended to `out`.
    void end_segment(std::vector<Finished>& out);
    const SegmentUse& segment_use() const { return m_use; }
    std::size_t buffered_bytes() const;
    bool has_open() const { return !m_open.empty(); }
    // A piece of an inner message lay in the current unit.
    bool unit_used() const { return m_unit_used; }

private:
    struct Open {
        Message message;           // offset, length, times, segments, frames, as pieces come
        std::uint64_t end = 0;     // stream offset after the last byte so far
        std::uint64_t seen_in = 0; // the last segment it had bytes in
        std::uint64_t unit = 0;    // stream offset of the last unit it had a piece in
        std::uint64_t units = 0;   // units (DATA frames) it has pieces in
        bool shared = false;       // a segment it used carried another message
        bool unit_shared = false;  // a unit it used held another message
        std::string preview;
        std::vector<std::pair<std::uint64_t, std::uint64_t>> pieces; // offset, length: listed
        std::uint64_t unlisted = 0; // pieces past the first k_inner_listed
    };
    // The open message a piece belongs to (begun by a first piece), or null when not tracked.
    Open* open_for(const InnerPiece& piece);
    void add_bytes(Open& open, std::uint64_t offset, std::uint64_t length);
    // The message of `key` ends: complete, or with `reason` truncated (malformed if so said).
    void finish(std::uint64_t key, const std::string& fields, const std::string& reason,
                bool malformed);

    const EngineConfig& m_config;
    std::map<std::uint64_t, Open> m_open; // by key (stream id)
    std::vector<Open> m_done;             // ended in the segment being processed
    model::SegmentInfo m_segment;
    util::Bytes m_bytes;
    std::uint64_t m_unit = 0;
    bool m_unit_used = false;
    SegmentUse m_use;
};

} // namespace sniff::dissect
