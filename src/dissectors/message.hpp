#pragma once
// A message found by a framing, mapped onto the segments (or recv() chunks) that carried it.

#include "model/flow.hpp"

#include <cstdint>
#include <string>

namespace sniff::dissect {

// whole: exactly one segment, alone in it. coalesced: shares a segment with another message (the
// sticky-packet case). split: spans several segments. coalesced_split: both.
enum class MessageClass : std::uint8_t { whole, coalesced, split, coalesced_split };
enum class MessageStatus : std::uint8_t { complete, truncated, malformed };
const char*
message_class_name(MessageClass value); // "whole", "coalesced", "split", "coalesced+split"
const char* message_status_name(MessageStatus value); // "complete", "truncated", "malformed"

struct Message {
    std::uint64_t flow_id = 0;
    model::Direction direction = model::Direction::c2s;
    std::uint64_t index = 0;  // 0, 1, ... per direction
    std::uint64_t offset = 0; // stream offset of the first byte
    std::uint64_t length = 0; // header + body
    // A layered framing's message (grpc) is made of pieces of several frames: its bytes end at
    // span_end, with other bytes between its pieces (listed in header_json). 0: contiguous.
    std::uint64_t span_end = 0;
    std::uint64_t header_length = 0;
    model::Timestamp first_time = 0; // time of the segment holding the first byte
    model::Timestamp last_time = 0;  // time of the segment holding the last byte
    std::uint64_t first_segment = 0; // SegmentInfo::index range that carried it
    std::uint64_t last_segment = 0;
    std::uint64_t first_frame = 0; // SegmentInfo::frame of those segments
    std::uint64_t last_frame = 0;
    MessageClass message_class = MessageClass::whole;
    MessageStatus status = MessageStatus::complete;
    std::string reason;      // why malformed/truncated; empty when complete
    std::string header_json; // a JSON header's fields as compact JSON text; empty when none
    // UDP: a recvfrom() with a buffer of recv_buffer bytes (--udp-bufsize) would have cut this
    // datagram (the article's lost-data case). False when no buffer size is set.
    bool would_truncate = false;
    std::uint64_t recv_buffer = 0;
};

} // namespace sniff::dissect
