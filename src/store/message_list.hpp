#pragma once
// The messages of one flow direction as the store keeps them. A capture of Redis traffic holds
// tens of millions of ~30-byte messages, so they are kept encoded (store/message_codec.hpp: two
// to six bytes each for such traffic) in blocks of k_block; a block starts with what decoding
// needs, so any message is found by decoding at most one block, and lookups by offset search the
// blocks' first offsets. The rare text (why a message is malformed, a JSON header's fields, a
// recv() buffer that would cut it) lives beside the records, keyed by message index. Counts per
// class and of bad messages are kept as messages come and go, so a view reads them without a
// scan.
//
// Reading is as from a vector of StoredMessage values. The last block read is kept decoded, so
// walking the list either way decodes each block once. That cache makes even const reads
// modify the object: a list is read by one thread at a time.

#include "store/message_codec.hpp"

#include <array>
#include <cstdint>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace sniff::store {

struct MessageNotes {
    std::string reason;            // why malformed/truncated
    std::string header_json;       // a JSON header's fields as compact JSON text
    std::uint64_t recv_buffer = 0; // non-zero: a recvfrom() of this size would cut the datagram
};

class MessageList {
public:
    static constexpr std::size_t k_block = 32;

    class Iterator {
    public:
        using iterator_category = std::input_iterator_tag;
        using value_type = StoredMessage;
        using difference_type = std::ptrdiff_t;
        using pointer = void;
        using reference = StoredMessage;

        Iterator() = default;
        Iterator(const MessageList* list, std::size_t at) : m_list(list), m_at(at) {}
        StoredMessage operator*() const { return (*m_list)[m_at]; }
        Iterator& operator++() {
            ++m_at;
            return *this;
        }
        Iterator operator++(int) {
            Iterator before = *this;
            ++m_at;
            return before;
        }
        bool operator==(const Iterator& other) const { return m_at == other.m_at; }

    private:
        const MessageList* m_list = nullptr;
        std::size_t m_at = 0;
    };

    MessageList() = default;
    MessageList(MessageList&&) noexcept = default;
    MessageList& operator=(MessageList&&) noexcept = default;

    void add(const dissect::Message& message);
    // Gives up the oldest `count` messages (a live source's budget); counts keep them.
    void drop_front(std::size_t count);
    void clear();

    // Read access as to a vector of values.
    std::size_t size() const { return m_size; }
    bool empty() const { return m_size == 0; }
    StoredMessage operator[](std::size_t i) const;
    StoredMessage front() const { return (*this)[0]; }
    StoredMessage back() const { return (*this)[m_size - 1]; }
    Iterator begin() const { return Iterator(this, 0); }
    Iterator end() const { return Iterator(this, m_size); }

    // In offset order only (in_offset_order()): the last message starting at or before offset
    // (nullopt when none does), and the first starting at or after it (size() when none does).
    std::optional<std::size_t> last_starting_at_or_before(std::uint64_t offset) const;
    std::size_t first_starting_from(std::uint64_t offset) const;

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
    // Heap bytes the records take (encoded blocks and their index), for tests and budgets.
    std::uint64_t memory_bytes() const;

private:
    struct Block {
        CodecState start;                   // what its first record is encoded against
        std::uint64_t first_offset = 0;     // offset of its first message
        std::uint64_t chunk = 0;            // sequence number of the chunk holding a sealed block
        const std::uint8_t* data = nullptr; // null: the open block, encoded in m_tail
    };
    struct Chunk {
        std::unique_ptr<std::uint8_t[]> data;
        std::size_t capacity = 0;
        std::size_t used = 0;
    };
    struct Cache {
        std::size_t block = SIZE_MAX; // index into m_blocks of the decoded block
        std::size_t count = 0;        // messages decoded
        std::array<StoredMessage, k_block> messages;
    };

    void seal_open_block();
    const StoredMessage& decoded(std::size_t block, std::size_t position) const;
    std::size_t block_size(std::size_t block) const;

    std::vector<Block> m_blocks;
    std::vector<Chunk> m_chunks;
    std::uint64_t m_first_chunk = 0;  // sequence number of m_chunks.front()
    std::size_t m_next_capacity = 0;  // of the next chunk
    std::vector<std::uint8_t> m_tail; // the open (last) block's records
    std::size_t m_open_count = 0;     // messages in the open block
    CodecState m_state;               // after the last message added
    std::uint64_t m_last_offset = 0;  // of the last message added
    std::size_t m_skip = 0;           // dropped messages still in the first block
    std::size_t m_size = 0;
    mutable std::unique_ptr<Cache> m_cache; // made on first read: most lists are never read

    std::unordered_map<std::uint64_t, MessageNotes> m_notes; // by message index
    std::array<std::uint64_t, 4> m_classes{};
    std::uint64_t m_bad = 0;
    std::uint64_t m_dropped = 0;
    bool m_in_order = true;
};

} // namespace sniff::store
