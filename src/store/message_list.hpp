#pragma once
// The messages of one flow direction as the store keeps them. A capture of Redis traffic holds
// tens of millions of ~30-byte messages, so each is a 64-byte record of numbers; the rare text
// (why a message is malformed, a JSON header's fields, a recv() buffer that would cut it) lives
// beside the records, keyed by message index. Counts per class and of bad messages are kept as
// messages come and go, so a view reads them without a scan.

#include "dissectors/message.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

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

struct MessageNotes {
    std::string reason;            // why malformed/truncated
    std::string header_json;       // a JSON header's fields as compact JSON text
    std::uint64_t recv_buffer = 0; // non-zero: a recvfrom() of this size would cut the datagram
};

class MessageList {
public:
    void add(const dissect::Message& message);
    // Gives up the oldest `count` messages (a live source's budget); counts keep them.
    void drop_front(std::size_t count);
    void clear();

    // Read access as to a vector.
    std::size_t size() const { return m_items.size(); }
    bool empty() const { return m_items.empty(); }
    const StoredMessage& operator[](std::size_t i) const { return m_items[i]; }
    const StoredMessage& front() const { return m_items.front(); }
    const StoredMessage& back() const { return m_items.back(); }
    auto begin() const { return m_items.begin(); }
    auto end() const { return m_items.end(); }

    // The message's notes, or null when it has none.
    const MessageNotes* notes_of(const StoredMessage& message) const;
    // Messages given up by drop_front.
    std::uint64_t dropped() const { return m_dropped; }
    // Messages of each class (indexed by dissect::MessageClass) and malformed/truncated ones,
    // dropped ones included.
    const std::array<std::uint64_t, 4>& class_counts() const { return m_classes; }
    std::uint64_t bad_count() const { return m_bad; }
    // False once a message began before the one added before it: a layered framing's messages
    // (grpc) are added as they end, and streams interleave. Lookups by offset then scan.
    bool in_offset_order() const { return m_in_order; }

private:
    std::vector<StoredMessage> m_items;
    std::unordered_map<std::uint64_t, MessageNotes> m_notes; // by message index
    std::array<std::uint64_t, 4> m_classes{};
    std::uint64_t m_bad = 0;
    std::uint64_t m_dropped = 0;
    bool m_in_order = true;
};

} // namespace sniff::store
