#pragma once
// The store's encoding of one message as a few bytes: each record is written against the message
// before it (the next index, where the previous message ended, its last segment and time), so
// the common case of a line coalesced with others in one segment costs two bytes (flags and
// length) instead of a 64-byte struct, and a message that starts a new segment a few more.
//
// Record layout (varints are LEB128, signed deltas zigzag-coded):
//
//   flags            class (bits 0-1), status (2-3), has_notes (4), offset moved (5),
//                    new segment (6), more flags follow (7)
//   [more]           index moved (0), spans segments (1), has a header (2)
//   [index delta]    index - state.next_index                           (more: index moved)
//   [offset delta]   offset - state.expected_offset                     (offset moved)
//   length
//   [header length]                                                     (more: has a header)
//   [segment delta, time delta]  first_segment - state.last_segment,
//                                first_time - state.last_time           (new segment)
//   [segment span, time span]    last_segment - first_segment,
//                                last_time - first_time                 (more: spans segments)
//
// These bytes are the store's own, never input: the decoder trusts them.

#include "dissectors/message.hpp"

#include <cstddef>
#include <cstdint>

namespace sniff::store {

struct StoredMessage {
    std::uint64_t index = 0;  // 0, 1, ... per direction
    std::uint64_t offset = 0; // stream offset of the first byte
    std::uint64_t length = 0; // header + body
    std::uint64_t first_segment = 0;
    std::uint64_t last_segment = 0;
    model::Timestamp first_time = 0;
    model::Timestamp last_time = 0;
    std::uint32_t header_length = 0; // headers are capped far below 4 GiB by the engine
    dissect::MessageClass message_class = dissect::MessageClass::whole;
    dissect::MessageStatus status = dissect::MessageStatus::complete;
    bool has_notes = false;
};

// What a record is encoded against: what the message before it left.
struct CodecState {
    std::uint64_t next_index = 0;
    std::uint64_t expected_offset = 0; // where the previous message ended
    std::uint64_t last_segment = 0;
    model::Timestamp last_time = 0;
};

// Bytes one record takes at most: two flag bytes and eight 64-bit varints of 10 bytes.
inline constexpr std::size_t k_max_record = 2 + 8 * 10;

// Writes the record of `message` at out (room for k_max_record bytes) and advances state to it.
// Returns the bytes written.
std::size_t encode_message(const StoredMessage& message, CodecState& state, std::uint8_t* out);

// Reads one record written by encode_message with the same state into `message`, advances
// state; returns the position after the record.
const std::uint8_t* decode_message(const std::uint8_t* in, CodecState& state,
                                   StoredMessage& message);

} // namespace sniff::store
