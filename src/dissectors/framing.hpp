#pragma once
// The framing interface: how a direction's byte stream is cut into messages.
//
// A framing is asked about the current message of one direction of one flow. The engine passes the
// message's bytes from message-relative offset `from`; the framing answers with a FrameResult:
//   need_more(n, head)  call again once n bytes from the message start are available, passed
//                       contiguously from offset 0 (the engine buffers at most n bytes: header
//                       bytes only, never a body);
//   need_more(n, tail)  call again with the next bytes only (from = bytes already passed); the
//                       framing keeps its own scan state, so a stream is scanned once (O(n));
//   message(t, h)       the message is t bytes long, h of them header; t >= 1 and t may exceed the
//                       bytes passed (the engine then skips the body without reading it);
//   malformed(reason)   the bytes passed cannot start a message; `resync` says whether the framing
//                       can find the next boundary (skip_to_delimiter, see find_resync) or the
//                       direction is given up.
// One framing instance serves one flow (both directions), so a handshake framing can see the peer
// direction: the engine calls on_peer_data() for the other direction after each delivery.

#include "model/flow.hpp"
#include "util/byte_reader.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace sniff::dissect {

enum class Resync : std::uint8_t { skip_to_delimiter, give_up };
enum class Feed : std::uint8_t { head, tail };

struct FrameResult {
    enum class Kind : std::uint8_t { need_more, message, malformed };
    Kind kind = Kind::need_more;
    Feed feed = Feed::head;
    std::uint64_t need = 0; // need_more: bytes wanted from the message start (head) or in all
    std::uint64_t total =
        0; // message: header + body; malformed: bytes it covers (0 = those passed)
    std::uint64_t header = 0; // message: header bytes
    Resync resync = Resync::give_up;
    std::string header_json; // message: parsed header fields as compact JSON text, if any
    std::string reason;      // malformed

    static FrameResult need_more(std::uint64_t bytes, Feed feed = Feed::head) {
        FrameResult result;
        result.need = bytes;
        result.feed = feed;
        return result;
    }
    static FrameResult message(std::uint64_t total, std::uint64_t header,
                               std::string header_json = {}) {
        FrameResult result;
        result.kind = Kind::message;
        result.total = total;
        result.header = header;
        result.header_json = std::move(header_json);
        return result;
    }
    static FrameResult malformed(std::string reason, Resync resync = Resync::give_up,
                                 std::uint64_t covers = 0) {
        FrameResult result;
        result.kind = Kind::malformed;
        result.total = covers;
        result.reason = std::move(reason);
        result.resync = resync;
        return result;
    }
};

// A message found by Framing::frame_run: its total and header lengths.
struct RunMessage {
    std::uint64_t total = 0;
    std::uint64_t header = 0;
};

// A layered framing (grpc) cuts its messages out of the payloads of the units it frames (gRPC
// messages out of HTTP/2 DATA frames): the units are the layer underneath, not messages, and
// an inner message is made of pieces of several units, interleaved with other sequences' units.
// While frame() runs, the framing reports each piece of inner message it passes.
struct InnerPiece {
    std::uint64_t key = 0;    // the sequence the message belongs to (an HTTP/2 stream id)
    std::uint64_t at = 0;     // offset of the piece from the first byte of the unit being framed
    std::uint64_t length = 0; // bytes of the piece (0 only for a piece that ends a message early)
    bool first = false;       // the message's first byte is in this piece
    bool last = false;        // its last byte is (or, with `reason`, it ends here unfinished)
    bool unit_start = false;  // the piece begins where the unit's payload begins
    bool unit_end = false;    // the piece ends where the unit's payload ends
    std::uint64_t header = 0; // on a first piece: the message's header bytes
    std::string fields;       // on the last piece: the message's fields, JSON members ("a":1,...)
    std::string reason;       // on the last piece: why the message is cut short (else complete)
    bool malformed = false;   // with reason: the message is malformed, not truncated
};

class InnerSink {
public:
    virtual ~InnerSink() = default;
    virtual void on_piece(const InnerPiece& piece) = 0;
};

// What Framing::count_run found: how many messages, covering how many bytes.
struct RunCount {
    std::uint64_t messages = 0;
    std::size_t bytes = 0;
};

// Messages of one direction that ask for an answer, and that complete one (Framing::exchanges).
struct ExchangeCount {
    std::uint64_t asks = 0;
    std::uint64_t answers = 0;
};

// The usual shape: the client's counted messages ask, the server's answer.
inline ExchangeCount client_asks(model::Direction direction,
                                 const std::array<std::uint64_t, 2>& counted) {
    const std::uint64_t count = counted[static_cast<std::size_t>(direction)];
    return direction == model::Direction::c2s ? ExchangeCount{count, 0} : ExchangeCount{0, count};
}

class Framing {
public:
    virtual ~Framing() = default;
    // See the contract above. `from` is 0 on the first call for a message; a call with from == 0
    // always starts a new message (the framing drops its scan state for that direction).
    virtual FrameResult frame(model::Direction direction, util::Bytes bytes,
                              std::uint64_t from) = 0;
    // The peer of `direction` just delivered bytes, and `direction`'s current message has
    // `pending` bytes so far (0 when it is between messages). A handshake framing may now know
    // where that message ends: it returns message(); otherwise nullopt.
    virtual std::optional<FrameResult> on_peer_data(model::Direction /*direction*/,
                                                    std::uint64_t /*pending*/) {
        return std::nullopt;
    }
    // After malformed(skip_to_delimiter) or a gap: bytes to drop up to and including the next
    // boundary found in `bytes` (state is kept across calls; `restart` begins a new search), or
    // nullopt when there is none yet. Framings without delimiters never find one.
    virtual std::optional<std::size_t> find_resync(model::Direction /*direction*/,
                                                   util::Bytes /*bytes*/, bool /*restart*/) {
        return std::nullopt;
    }
    // The fast path for many small messages in one segment (a Redis pipeline is ~18 bytes a
    // line): the messages that lie wholly in `bytes`, back to back from its first byte, written to
    // `out` (as many as fit); returns how many. It stops before anything that is not a plain
    // complete message (incomplete, malformed, with header fields, a handshake), which the engine
    // then passes to frame(). Stateless between calls; the default finds none.
    virtual std::size_t frame_run(model::Direction /*direction*/, util::Bytes /*bytes*/,
                                  std::span<RunMessage> /*out*/) {
        return 0;
    }
    // frame_run's counting form, for when no view wants each message: every message lying wholly
    // in `bytes`, back to back from its first byte, counted (not limited to a buffer's size). The
    // default counts what frame_run finds; a framing overrides it only with the same answer.
    virtual RunCount count_run(model::Direction direction, util::Bytes bytes) {
        RunCount run;
        std::array<RunMessage, 64> found;
        for (;;) {
            const std::size_t count = frame_run(direction, bytes.subspan(run.bytes), found);
            for (std::size_t i = 0; i < count; ++i)
                run.bytes += static_cast<std::size_t>(found[i].total);
            run.messages += count;
            if (count < found.size())
                return run;
        }
    }
    // True when the current message of `direction` ends where the stream ends (an HTTP response
    // read until the connection closes, a tunnel): the end of stream completes it rather than
    // truncating it.
    virtual bool ends_at_close(model::Direction /*direction*/) const { return false; }
    // True when the framing can find a boundary after a gap (a delimiter framing).
    virtual bool can_resync() const { return false; }
    // A layered framing names the units it frames underneath its messages ("HTTP/2 frames") and
    // reports inner message pieces to the sink of each direction; others answer empty.
    virtual std::string_view layer_name() const { return {}; }
    virtual void set_inner_sink(model::Direction /*direction*/, InnerSink* /*sink*/) {}
    // Request/answer pairing (pairing.hpp), for a framing that knows its protocol's exchanges:
    // how many of the messages it framed in `direction` so far ask for an answer (a query, a
    // command, a Sync, a length text waiting for its ack) and how many complete one (a
    // response, ReadyForQuery, the ack). Counted as messages are returned, by frame(),
    // frame_run() and count_run() alike. nullopt: the framing does not count (the shape table
    // may still pair its messages one to one).
    virtual std::optional<ExchangeCount> exchanges(model::Direction /*direction*/) const {
        return std::nullopt;
    }
};

} // namespace sniff::dissect
