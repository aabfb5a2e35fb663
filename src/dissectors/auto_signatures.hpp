#pragma once
// `auto`'s first step: protocols recognised from their signatures (Wireshark's heuristic
// dissectors, nDPI), one row per protocol in a table, before any generic inference. A row looks
// at a direction's first bytes (a header is enough: the body may still be arriving) and names
// the preset that frames it; guess_framing() then checks that the preset walks the whole sample
// without a malformed message before it believes the row.
//
// Rows today: TLS, PostgreSQL (startup, SSLRequest, GSSENCRequest), MySQL greeting, MQTT CONNECT,
// memcached binary, DNS over TCP, RESP, memcached text, NATS, AMQP, STOMP, SMTP. Room is left for
// HTTP/1 request and status lines and the HTTP/2 preface (issue 15): add a row to k_signatures in
// auto_signatures.cpp.

#include "model/flow.hpp"
#include "util/byte_reader.hpp"

#include <optional>
#include <string_view>

namespace sniff::dissect {

struct Signature {
    std::string_view protocol; // what was recognised ("tls")
    std::string_view preset;   // the spec or preset that frames it ("tls")
    // True when `head` (a direction's first bytes, at least one byte) starts like this protocol.
    bool (*matches)(util::Bytes head, model::Direction direction);
};

// The first row whose signature matches, or nullopt.
std::optional<Signature> recognise(util::Bytes head, model::Direction direction);

} // namespace sniff::dissect
