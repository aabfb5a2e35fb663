#pragma once
// Parses one report record (exec/record_format.hpp) from the bytes of one message of the report
// socket. The bytes are untrusted (the traced program can write anything to that socket): every
// field is read through util::ByteReader, every enum and size is checked, and a record whose
// fragment does not fit its own header is rejected with a reason.

#include "exec/record_format.hpp"
#include "model/endpoint.hpp"
#include "util/byte_reader.hpp"

#include <cstdint>
#include <string>

namespace sniff::exec {

struct Record {
    wire::Kind kind = wire::Kind::data;
    wire::Call call = wire::Call::read;
    wire::Dir dir = wire::Dir::in;
    wire::Family family = wire::Family::unknown;
    wire::SockType type = wire::SockType::unknown;
    wire::Role role = wire::Role::unknown;
    std::uint8_t flags = 0;
    std::uint32_t pid = 0;
    model::Timestamp time = 0;
    std::uint64_t inode = 0;
    std::uint64_t sequence = 0;
    std::uint64_t asked = 0;
    std::int64_t result = 0;
    std::uint64_t datagram = 0;
    std::uint64_t fragment_offset = 0;
    model::Endpoint local;
    model::Endpoint peer;
    util::Bytes bytes; // this fragment's bytes, a view into the parsed message

    bool peek() const { return (flags & wire::flag_peek) != 0; }
    bool no_bytes() const { return (flags & wire::flag_no_bytes) != 0; }
    bool last_fragment() const { return (flags & wire::flag_last_fragment) != 0; }
};

struct ParseResult {
    bool ok = false;
    const char* reason = ""; // static text when !ok
};

ParseResult parse_record(util::Bytes message, Record& out);

} // namespace sniff::exec
