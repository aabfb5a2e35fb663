#pragma once
// `--export-lua FILE`: a Wireshark Lua dissector that carries a framing into Wireshark (the
// families whose registry row has a lua_body: len:, json:, delim:, amqp:), registered on a TCP
// port. Length prefixes use Wireshark's dissect_tcp_pdus(); varint lengths, JSON headers and
// delimiters set pinfo.desegment_offset/desegment_len themselves (DESEGMENT_ONE_MORE_SEGMENT while
// a delimiter or header is still incomplete). Each message is a "sniff_framing" tree item with
// sniff_framing.length and sniff_framing.header_length fields.

#include "dissectors/spec.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace sniff::dissect {

// The Lua text, or nullopt (with `error` set) for a family Lua export does not cover.
std::optional<std::string> export_lua(const FramingSpec& spec, std::uint16_t tcp_port,
                                      std::string* error = nullptr);

// For the families' Lua bodies (FamilyInfo::lua_body):
// A Lua string literal with every byte outside plain ASCII as a decimal escape.
std::string lua_string(std::string_view bytes);
// proto.dissector as a loop over message_length(tvb, offset, available), which the body defines
// and which returns total, header, or nil when more bytes are needed.
std::string lua_manual_loop();

} // namespace sniff::dissect
