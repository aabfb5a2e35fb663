#pragma once
// Wire framings of the command server and client: the article's four stages, from the bug to the
// general fix. The same framing is used in both directions on one connection.
//
// none (the bug): no boundaries on answers.
//   request : COMMAND '\n'                      (one line; '\r' before '\n' is dropped)
//   answer  : BODY                              (raw output; a 0-byte answer sends nothing)
//
// ascii-len (the article's naive fix: a round trip per answer):
//   request : COMMAND '\n'
//   answer  : DECIMAL-LENGTH '\n'   ...server waits for the client's  "ready\n"  ...   BODY
//
// struct (struct.pack('i', n): 4-byte little-endian signed length; negative is malformed):
//   request : +--------+---------+      answer : +--------+------+
//             | len:le32| COMMAND |               | len:le32| BODY |
//             +--------+---------+               +--------+------+
//
// json-header (the general fix):
//   +-------------+-----------------------------+------+
//   | hlen: le32  | JSON header, hlen bytes UTF-8| BODY |
//   +-------------+-----------------------------+------+
//   request header: {"data_size": n}                  BODY = the command line (n bytes)
//                or {"cmd": "upload", "file_name": s, "file_size": n, "md5": hex}  BODY = file
//   answer header : {"data_size": n, "status": "ok"|"error", ...}                 BODY = output
//
// UDP ignores the framing: one datagram holds one command, one datagram holds its answer.

#include "util/byte_reader.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace sniff::commands {

enum class Framing : std::uint8_t { none, ascii_len, struct_len, json_header };

struct FramingInfo {
    Framing value;
    const char* name;
    const char* summary;
};

inline constexpr std::array<FramingInfo, 4> k_framings{{
    {Framing::none, "none", "raw bytes, no boundaries (the sticky-packet bug)"},
    {Framing::ascii_len, "ascii-len", "length as decimal text, client answers ready, then body"},
    {Framing::struct_len, "struct", "4-byte little-endian signed length, then body"},
    {Framing::json_header, "json-header",
     "4-byte length of a JSON header {\"data_size\": n}, then "
     "header, then body"},
}};

const char* framing_name(Framing framing);
// The --framing spec sniff dissects this wire framing with ("raw" for none; presets otherwise:
// the ascii-len preset takes the client's "ready\n" acknowledgement as one message).
const char* sniff_framing_spec(Framing framing);
std::optional<Framing> parse_framing(std::string_view name);
std::string framing_names(); // "none|ascii-len|struct|json-header", for usage text

inline constexpr std::size_t k_max_request = 64 * 1024;     // command line, any framing
inline constexpr std::size_t k_max_json_header = 64 * 1024; // JSON header bytes
inline constexpr std::size_t k_max_length_line = 24;        // ascii-len "digits\n"
inline constexpr std::size_t k_struct_max = 0x7fffffff;     // 'i' is signed 32-bit

std::string encode_le32(std::uint32_t value);

// A request for one command line, framed as `framing` (ascii-len requests are lines, as in none).
std::string frame_request(Framing framing, std::string_view command);

// An answer framed as `framing`; for ascii-len only the body (the length line is sent first by
// the handshake, see length_line). `error` sets "status" in a JSON header.
std::string frame_answer(Framing framing, std::string_view body, bool error,
                         const nlohmann::json& extra = nlohmann::json::object());

std::string length_line(std::size_t length); // "1500\n"

// Result of decoding one frame at the start of a buffer. need_more is a value, not an error.
enum class DecodeState { complete, need_more, malformed };
struct Decoded {
    DecodeState state = DecodeState::need_more;
    std::size_t header_length = 0; // bytes before the body (prefix, JSON header)
    std::size_t body_length = 0;
    std::size_t frame_length = 0; // header + body (+ '\n' for lines); valid when complete
    nlohmann::json header;        // parsed JSON header (json-header only)
    std::string reason;           // why malformed
};

// Decodes the frame at the start of `bytes`. Lines (none/ascii-len requests) and the ascii-len
// length line are decoded with decode_line. max_body caps the declared body; a larger one is
// malformed (so nobody allocates what a length field claims).
Decoded decode_frame(Framing framing, util::Bytes bytes, std::size_t max_body);

// A '\n'-terminated line of at most max_length bytes (without the '\n'); body_length is the
// line's length without a trailing '\r'. Malformed when max_length bytes pass without '\n'.
Decoded decode_line(util::Bytes bytes, std::size_t max_length);

// Parses the ascii-len length line's text (digits only, no sign); nullopt when malformed.
std::optional<std::size_t> parse_decimal(std::string_view text, std::size_t max);

inline util::Bytes bytes_of(std::string_view text) {
    return util::as_bytes(text.data(), text.size());
}

} // namespace sniff::commands
