// http: HTTP/1.0 and 1.1 messages (RFC 9112), one message per request or response, with the
// response direction paired to the request direction, and the upgrades that follow.
//
//   request:  start line, fields, empty line | body: chunked, else Content-Length, else none
//   response: start line, fields, empty line | body: none for 1xx, 204, 304 and answers to HEAD;
//             else chunked, else Content-Length, else until the connection closes
// A response's body depends on its request's method, so the one framing instance of the flow
// keeps the methods of unanswered requests (Http1Exchange) in order: pipelining pairs by order.
// 100 Continue and other 1xx are messages of their own. 101 Switching Protocols, and a 2xx to
// CONNECT, switch both directions: to WebSocket frames (Upgrade: websocket), HTTP/2 frames
// (Upgrade: h2c; also a "PRI * HTTP/2.0" preface), else one message until close (a tunnel).
// The head is scanned once in tail mode and buffered only when it spans segments, up to hmax
// (a head without an end is malformed at hmax, never buffered further); bodies of known length
// are skipped by the engine, chunked bodies are scanned by size lines only (ChunkedBody).
// A direction that does not begin on a start line (a capture that began mid-connection) or after
// a gap resynchronises on the next start line.

#include "dissectors/chunked_body.hpp"
#include "dissectors/family_registry.hpp"
#include "dissectors/http1_exchange.hpp"
#include "dissectors/http1_head.hpp"
#include "dissectors/http2_frames.hpp"
#include "dissectors/json_text.hpp"
#include "dissectors/websocket_frames.hpp"

#include <algorithm>
#include <vector>

namespace sniff::dissect {

namespace {

constexpr std::size_t k_probe = 16; // bytes enough to recognise any start line's beginning

enum class Protocol : std::uint8_t { http1, websocket, http2, tunnel };
enum class Phase : std::uint8_t { head, chunked, until_close };

struct Side {
    Protocol protocol = Protocol::http1; // for messages that start from now on
    Protocol current = Protocol::http1;  // of the message being framed
    Phase phase = Phase::head;
    std::vector<std::byte> head; // a head that spans segments, up to hmax
    std::uint64_t head_length = 0;
    std::string json; // the current message's header_json, kept while a chunked body is scanned
    ChunkedBody chunked;
    bool until_close = false;
    bool first = true; // no message has begun in this direction yet
};

class HttpFraming final : public Framing {
public:
    explicit HttpFraming(const FramingSpec& spec)
        : m_spec(spec), m_websocket(k_websocket_default_max), m_http2(k_http2_default_max) {}

    FrameResult frame(model::Direction direction, util::Bytes bytes, std::uint64_t from) override {
        Side& side = m_sides[static_cast<std::size_t>(direction)];
        if (from == 0)
            start_message(side);
        switch (side.current) {
        case Protocol::websocket:
            return m_websocket.frame(direction, bytes);
        case Protocol::http2:
            return m_http2.frame(direction, bytes);
        case Protocol::tunnel:
            side.until_close = true;
            return FrameResult::need_more(from + bytes.size() + 1, Feed::tail);
        case Protocol::http1:
            break;
        }
        if (side.phase == Phase::head && from == 0 && side.first &&
            direction == model::Direction::s2c && starts_with_server_settings(bytes)) {
            // An HTTP/2 server with prior knowledge may send its SETTINGS before the client's
            // preface arrives: its first frame says which protocol this is.
            switch_both(Protocol::http2);
            side.current = Protocol::http2;
            side.first = false;
            return m_http2.frame(direction, bytes);
        }
        if (side.phase == Phase::head)
            return frame_head(direction, side, bytes, from);
        if (side.phase == Phase::chunked)
            return scan_chunked(side, bytes, 0, from);
        return FrameResult::need_more(from + bytes.size() + 1, Feed::tail); // until close
    }

    std::optional<std::size_t> find_resync(model::Direction direction, util::Bytes bytes,
                                           bool) override {
        const Side& side = m_sides[static_cast<std::size_t>(direction)];
        if (side.protocol == Protocol::http2)
            return m_http2.find_resync(bytes);
        if (side.protocol != Protocol::http1)
            return std::nullopt;
        return find_start_line(bytes);
    }

    bool can_resync() const override { return true; }

    bool ends_at_close(model::Direction direction) const override {
        return m_sides[static_cast<std::size_t>(direction)].until_close;
    }

    // Requests and final responses (1xx interim responses answer nothing; a 101 does), counted
    // as their heads are read, until an upgrade leaves HTTP/1. A request parsed in either
    // direction counts as a request (the flow's c2s), a response as an answer.
    std::optional<ExchangeCount> exchanges(model::Direction direction) const override {
        return client_asks(direction, m_exchanges);
    }

private:
    void start_message(Side& side) {
        side.current = side.protocol;
        side.phase = Phase::head;
        side.head.clear();
        side.head_length = 0;
        side.json.clear();
        side.until_close = false;
    }

    FrameResult frame_head(model::Direction direction, Side& side, util::Bytes bytes,
                           std::uint64_t from) {
        if (side.head.size() < k_probe) {
            // Too few bytes to tell a start line so far (the head holds all bytes passed): look
            // at up to k_probe of them before scanning on.
            std::array<std::byte, k_probe> probe{};
            const std::size_t held = side.head.size();
            const std::size_t taken = std::min(k_probe - held, bytes.size());
            std::copy(side.head.begin(), side.head.end(), probe.begin());
            std::copy_n(bytes.begin(), taken, probe.begin() + static_cast<std::ptrdiff_t>(held));
            if (looks_like_start_line(util::Bytes(probe).first(held + taken)) == StartLine::no)
                return FrameResult::malformed("not at an HTTP/1 start line (capture began "
                                              "mid-connection?)",
                                              Resync::skip_to_delimiter, from + bytes.size());
        }
        if (from == 0) {
            // The usual case: the whole head is in this segment; decide on it in place.
            if (const auto end = find_head_end(bytes))
                return decide(direction, side, bytes.first(*end), bytes, *end, from);
        }
        const std::size_t had = side.head.size();
        const std::size_t room = static_cast<std::size_t>(m_spec.header_max) - had;
        const util::Bytes kept = bytes.first(std::min(room, bytes.size()));
        side.head.insert(side.head.end(), kept.begin(), kept.end());
        if (const auto end = find_head_end(side.head, had)) {
            const std::size_t in_bytes = *end - had; // where the head ends in `bytes`
            side.head.resize(*end);
            const std::vector<std::byte> head = std::move(side.head);
            side.head.clear();
            return decide(direction, side, head, bytes, in_bytes, from);
        }
        if (side.head.size() >= m_spec.header_max)
            return FrameResult::malformed("HTTP/1 header section without an end within " +
                                              std::to_string(m_spec.header_max) + " bytes",
                                          Resync::skip_to_delimiter, from + bytes.size());
        return FrameResult::need_more(from + bytes.size() + 1, Feed::tail);
    }

    // The head is complete: `head` holds it, and it ends at `body_at` in `bytes` (passed from
    // message offset `from`).
    FrameResult decide(model::Direction direction, Side& side, util::Bytes head, util::Bytes bytes,
                       std::size_t body_at, std::uint64_t from) {
        if (head.size() > m_spec.header_max)
            return FrameResult::malformed("HTTP/1 header section of " +
                                              std::to_string(head.size()) + " bytes over hmax",
                                          Resync::skip_to_delimiter, head.size());
        side.first = false;
        std::string error;
        const std::optional<HttpHead> parsed = parse_head(head, error);
        if (!parsed)
            return FrameResult::malformed(error, Resync::skip_to_delimiter, head.size());
        side.head_length = head.size();
        side.json = "{";
        return parsed->request ? decide_request(side, *parsed, bytes, body_at, from)
                               : decide_response(direction, side, *parsed, bytes, body_at, from);
    }

    FrameResult decide_request(Side& side, const HttpHead& head, util::Bytes bytes,
                               std::size_t body_at, std::uint64_t from) {
        json_field(side.json, "http", json_quote("request"));
        json_field(side.json, "method", json_quote(head.method));
        json_field(side.json, "target", json_quote(head.target));
        if (head.http2_preface) {
            // "PRI * HTTP/2.0\r\n\r\n" then "SM\r\n\r\n": the preface; HTTP/2 frames follow.
            // All of it is header, as when the server's SETTINGS came first and the HTTP/2
            // framer read it.
            switch_both(Protocol::http2);
            return FrameResult::message(k_http2_preface_size, k_http2_preface_size,
                                        R"({"h2":"preface"})");
        }
        m_exchange.on_request(head.method);
        ++m_exchanges[0];
        if (!head.upgrade.empty())
            json_field(side.json, "upgrade", json_quote(head.upgrade));
        return body(side, head, bytes, body_at, from, false);
    }

    FrameResult decide_response(model::Direction direction, Side& side, const HttpHead& head,
                                util::Bytes bytes, std::size_t body_at, std::uint64_t from) {
        json_field(side.json, "http", json_quote("response"));
        json_field(side.json, "status", head.status);
        if (head.status < 200) {
            if (head.status == 101)
                switch_to_upgrade(direction, head);
            return head_only(side);
        }
        const std::optional<std::string> method = m_exchange.on_final_response();
        ++m_exchanges[1];
        if (method)
            json_field(side.json, "request", json_quote(*method));
        if ((method && *method == "HEAD") || head.status == 204 || head.status == 304)
            return head_only(side);
        if (method && *method == "CONNECT" && head.status < 300) {
            switch_both(Protocol::tunnel);
            return head_only(side);
        }
        return body(side, head, bytes, body_at, from, true);
    }

    FrameResult body(Side& side, const HttpHead& head, util::Bytes bytes, std::size_t body_at,
                     std::uint64_t from, bool response) {
        if (head.chunked) {
            side.phase = Phase::chunked;
            side.chunked = ChunkedBody(m_spec.max);
            return scan_chunked(side, bytes, body_at, from);
        }
        if (head.has_length) {
            if (head.content_length > m_spec.max)
                return FrameResult::malformed(
                    "HTTP/1 body of " + std::to_string(head.content_length) +
                        " bytes over the limit of " + std::to_string(m_spec.max),
                    Resync::skip_to_delimiter, side.head_length);
            json_field(side.json, "length", head.content_length);
            return FrameResult::message(side.head_length + head.content_length, side.head_length,
                                        side.json + "}");
        }
        if (!response)
            return head_only(side);
        side.phase = Phase::until_close; // RFC 9112 6.3 item 8: read until the connection closes
        side.until_close = true;
        json_bool(side.json, "until_close", true);
        return FrameResult::need_more(from + bytes.size() + 1, Feed::tail);
    }

    FrameResult head_only(Side& side) {
        return FrameResult::message(side.head_length, side.head_length, side.json + "}");
    }

    // The chunks' data as the message's parts: [offset from the message start, size], the last
    // (empty) chunk left out; the chunks past k_chunk_parts_listed are counted in "chunks" only.
    static void add_parts(Side& side) {
        std::string parts = "[";
        for (const ChunkedBody::Part& part : side.chunked.parts())
            parts += (parts.size() > 1 ? ",[" : "[") +
                     std::to_string(side.head_length + part.offset) + "," +
                     std::to_string(part.size) + "]";
        json_field(side.json, "parts", parts + "]");
    }

    // Scans a chunked body from bytes[at] (message offset from + at).
    FrameResult scan_chunked(Side& side, util::Bytes bytes, std::size_t at, std::uint64_t from) {
        const ChunkScan scan = side.chunked.feed(bytes.subspan(at));
        if (scan.status == ChunkScan::Status::done) {
            json_field(side.json, "chunks", side.chunked.chunks());
            add_parts(side);
            return FrameResult::message(from + at + scan.used, side.head_length, side.json + "}");
        }
        if (scan.status == ChunkScan::Status::bad)
            return FrameResult::malformed(scan.reason, Resync::skip_to_delimiter,
                                          from + bytes.size());
        return FrameResult::need_more(from + bytes.size() + 1, Feed::tail);
    }

    void switch_to_upgrade(model::Direction, const HttpHead& head) {
        (void)m_exchange.on_final_response(); // 101 answers the request that asked to upgrade
        ++m_exchanges[1];
        if (head.upgrade == "websocket") {
            switch_both(Protocol::websocket);
        } else if (head.upgrade == "h2c") {
            m_http2.expect_preface();
            switch_both(Protocol::http2);
        } else {
            switch_both(Protocol::tunnel);
        }
    }

    void switch_both(Protocol protocol) {
        for (Side& side : m_sides)
            side.protocol = protocol;
    }

    // RFC 9113 3.4: the server's connection preface is a SETTINGS frame (type 4, stream 0).
    static bool starts_with_server_settings(util::Bytes bytes) {
        return bytes.size() >= 9 && bytes[3] == std::byte{0x4} &&
               plausible_http2_header(bytes.first(9));
    }

    // Bytes before the next start line in bytes: "HTTP/1.x NNN" anywhere (a response follows a
    // body of any bytes), or a request line at the start of a line.
    static std::optional<std::size_t> find_start_line(util::Bytes bytes) {
        for (std::size_t at = 0; at < bytes.size(); ++at) {
            const char c = static_cast<char>(bytes[at]);
            if (c != 'H' && (c < 'A' || c > 'Z' || (at > 0 && bytes[at - 1] != std::byte{'\n'})))
                continue;
            const util::Bytes rest = bytes.subspan(at);
            if (looks_like_start_line(rest) != StartLine::yes)
                continue;
            const auto line_end = std::min<std::size_t>(rest.size(), 200);
            std::string error;
            for (std::size_t i = 0; i < line_end; ++i) {
                if (rest[i] != std::byte{'\n'})
                    continue;
                if (parse_head(rest.first(i + 1), error))
                    return at;
                break;
            }
        }
        return std::nullopt;
    }

    FramingSpec m_spec;
    std::array<Side, 2> m_sides{};
    Http1Exchange m_exchange;
    std::array<std::uint64_t, 2> m_exchanges{}; // requests and final responses so far
    WebSocketFrames m_websocket;
    Http2Frames m_http2;
};

SpecResult parse_http(const SpecParser& parser, std::span<const SpecPart> parts) {
    FramingSpec spec;
    spec.family = Family::http;
    spec.max = k_default_http_max;
    for (const SpecPart& part : parts) {
        const auto [key, value] = key_value(part.text);
        if (key == "max") {
            if (!parse_max(value, spec.max))
                return parser.error("http", "max must be 1..2^40, not", part);
        } else if (key == "hmax") {
            if (!parse_max(value, spec.header_max))
                return parser.error("http", "hmax must be 1..2^40, not", part);
        } else {
            return parser.error("http", "unknown key", part);
        }
    }
    return spec;
}

std::string print_http(const FramingSpec& spec) {
    std::string params = max_suffix(spec, k_default_http_max);
    if (spec.header_max != k_default_json_header_max)
        params += ",hmax=" + std::to_string(spec.header_max);
    return params.empty() ? "http" : "http:" + params.substr(1);
}

std::unique_ptr<Framing> make_http_framing(const FramingSpec& spec) {
    return std::make_unique<HttpFraming>(spec);
}

constexpr std::array<std::string_view, 3> k_fuzz_specs{"http", "http:hmax=64", "http:max=100"};

} // namespace

extern const FamilyInfo k_family_http{
    .family = Family::http,
    .name = "http",
    .grammar = "http[:max=N,hmax=N]",
    .parse = parse_http,
    .print = print_http,
    .make = make_http_framing,
    .lua_body = nullptr, // responses depend on the other direction's requests: no Lua form
    .fuzz_specs = k_fuzz_specs,
};

} // namespace sniff::dissect
