#pragma once
// The framing spec language (`--framing SPEC`, `--framing PORT=SPEC`).
//
//   raw                                   no framing: segments only (TCP), datagrams (UDP)
//   auto                                  guess per flow direction (dissectors/auto_detect.hpp)
//   len:off=N,size=1|2|3|4|8|varint,be|le,signed,adj=±N,max=N
//                                         length prefix, Netty LengthFieldBasedFrameDecoder
//                                         semantics: total = off + size + value + adj
//   json:size=1|2|4|8,be|le,field=NAME,hmax=N,max=N
//                                         header length, JSON header, body of header[field] bytes;
//                                         field defaults to the first of data_size, file_size,
//                                         length, size; hmax caps the header (64 KiB), max the
//                                         message (16 MiB)
//   delim:SEP,max=N                       messages end with SEP (C escapes \n \r \t \0 \\ \xNN; a
//                                         comma is \x2c); max defaults to 1 MiB
//   ascii-len[:ack=TEXT,max=N]            decimal length text, then (with ack) the peer's TEXT
//                                         and an optional line end, then the body
//                                         (dissectors/framing_ascii_len.cpp)
//   pgsql[:max=N]                         PostgreSQL with its first-message rules
//                                         (dissectors/framing_pgsql.cpp)
//   resp[:max=N]                          Redis RESP2/RESP3 values (dissectors/framing_resp.cpp)
//   memcache-text[:max=N]                 memcached's text protocol
//                                         (dissectors/framing_memcache_text.cpp)
//   http[:max=N,hmax=N]                   HTTP/1.x requests and responses, paired across the two
//                                         directions, then WebSocket/HTTP/2/tunnel after an
//                                         upgrade (dissectors/framing_http.cpp); max caps a body
//                                         (1 GiB), hmax the header section (64 KiB)
//   websocket[:max=N]                     RFC 6455 frames (dissectors/websocket_frames.hpp)
//   http2[:max=N]                         HTTP/2 preface and frames (dissectors/http2_frames.hpp)
//   grpc[:max=N]                          the gRPC messages cut out of HTTP/2 DATA payloads, over
//                                         the HTTP/2 frames as a layer underneath
//                                         (dissectors/framing_grpc.cpp); max caps a gRPC message
//   nats[:max=N]                          NATS operations (dissectors/framing_nats.cpp)
//   stomp[:max=N]                         STOMP frames, heart-beats marked
//                                         (dissectors/framing_stomp.cpp)
//   amqp[:content,max=N]                  AMQP 0-9-1 frames, or with content one message per
//                                         content (dissectors/framing_amqp.cpp)
//   smtp[:max=N]                          SMTP commands, replies, DATA/BDAT content, then TLS
//                                         after STARTTLS (dissectors/framing_smtp.cpp)
// Defaults: be, unsigned, off=0, size=4, adj=0. Presets (struct, dns-tcp, ...) expand to specs;
// preset_list() gives them for `--list-framings`.

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace sniff::dissect {

inline constexpr std::uint64_t k_default_max = 16ull << 20;
inline constexpr std::uint64_t k_default_json_header_max = 64ull << 10;
inline constexpr std::uint64_t k_default_delim_max = 1ull << 20;
inline constexpr std::uint64_t k_default_http_max = 1ull << 30;
inline constexpr std::uint64_t k_default_http2_max = (1ull << 24) - 1;
inline constexpr std::uint64_t k_largest_max = 1ull << 40; // keeps all length sums far from 2^64

// One enumerator per row of the family registry (dissectors/family_registry.hpp), which names,
// parses, prints and makes each; append new families at the end, one a line.
enum class Family : std::uint8_t {
    raw,
    auto_detect,
    len,
    json,
    delim,
    ascii_len,
    pgsql,
    resp,
    memcache_text,
    http,
    websocket,
    http2,
    nats,
    grpc,
    stomp,
    amqp,
    smtp,
};

struct FramingSpec {
    Family family = Family::raw;
    std::uint32_t off = 0;      // len
    std::uint8_t size = 4;      // len, json: bytes of the length field (0 = varint for len)
    bool little_endian = false; // len, json
    bool is_signed = false;     // len
    std::int64_t adj = 0;       // len
    std::uint64_t max = k_default_max;
    std::uint64_t header_max = k_default_json_header_max; // json, http
    std::string field;  // json; empty = data_size, file_size, length, size
    std::string bytes;  // delim: separator; ascii-len: ack text (empty = none)
    bool group = false; // amqp: the frames of one content are one message

    bool varint() const { return family == Family::len && size == 0; }
    bool operator==(const FramingSpec&) const = default;
};

struct SpecError {
    std::string message;      // names the family, the offending part and the whole spec
    std::size_t position = 0; // offset of the offending part in the spec text
};

using SpecResult = std::variant<FramingSpec, SpecError>;

// Parses a spec or preset name. Errors point at the offending part, e.g.
// "len: unknown key 'sise' at position 4 in 'len:sise=4'".
SpecResult parse_spec(std::string_view text);

// Canonical text of a spec; parse_spec(to_string(s)) == s. Defaults are written out for len/json
// so the string is self-explanatory (e.g. "len:size=4,le,signed").
std::string to_string(const FramingSpec& spec);

// Escapes a byte string in the spec's C-escape syntax (the inverse of the delim parser).
std::string escape_spec_bytes(std::string_view bytes);

struct Preset {
    std::string_view name;
    std::string_view expansion;
    std::string_view description;
};
const std::vector<Preset>& preset_list();

} // namespace sniff::dissect
