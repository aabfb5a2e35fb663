#pragma once
// `--export-lua FILE`: a Wireshark Lua dissector that carries a len:/json:/delim: framing into
// Wireshark, registered on a TCP port. Length prefixes use Wireshark's dissect_tcp_pdus(); varint
// lengths, JSON headers and delimiters set pinfo.desegment_offset/desegment_len themselves
// (DESEGMENT_ONE_MORE_SEGMENT while a delimiter or header is still incomplete). Each message is a
// "sniff_framing" tree item with sniff_framing.length and sniff_framing.header_length fields.

#include "dissectors/spec.hpp"

#include <optional>
#include <string>

namespace sniff::dissect {

// The Lua text, or nullopt (with `error` set) for a family Lua export does not cover.
std::optional<std::string> export_lua(const FramingSpec& spec, std::uint16_t tcp_port,
                                      std::string* error = nullptr);

} // namespace sniff::dissect
