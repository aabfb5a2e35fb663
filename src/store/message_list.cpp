#include "store/message_list.hpp"

#include <algorithm>
#include <cstring>

namespace sniff::store {

namespace {

// Chunks grow from a size that suits a flow of a few dozen messages to one that keeps the
// number of allocations of a big flow low; a sealed block (at most k_block records) always fits.
constexpr std::size_t k_first_chunk = 512;
constexpr std::size_t k_largest_chunk = 64u << 10;

StoredMessage stored_of(const dissect::Message& message) {
    StoredMessage stored;
    stored.index = message.index;
    stored.offset = message.offset;
    stored.length = message.length;
    stored.first_segment = message.first_segment;
    stored.last_segment = message.last_segment;
    stored.first_time = message.first_time;
    stored.last_time = message.last_time;
    stored.header_length =
        static_cast<std::uint32_t>(std::min<std::uint64_t>(message.header_length, UINT32_MAX));
    stored.message_class = message.message_class;
    stored.status = message.status;
    stored.has_notes =
        !message.reason.empty() || !message.header_json.empty() || message.would_truncate;
    return stored;
}

} // namespace

void MessageList::add(const dissect::Message& message) {
    const StoredMessage stored = stored_of(message);
    if (stored.has_notes)
        m_notes[message.index] = MessageNotes{message.reason, message.header_json,
                                              message.would_truncate ? message.recv_buffer : 0};
    if (m_size > 0 && stored.offset < m_last_offset)
        m_in_order = false;
    m_last_offset = stored.offset;
    ++m_classes[static_cast<std::size_t>(stored.message_class)];
    if (stored.status != dissect::MessageStatus::complete)
        ++m_bad;

    if (m_blocks.empty() || m_open_count == k_block) {
        seal_open_block();
        m_blocks.push_back(Block{m_state, stored.offset, 0, nullptr});
        m_open_count = 0;
    }
    std::uint8_t record[k_max_record];
    const std::size_t length = encode_message(stored, m_state, record);
    m_tail.insert(m_tail.end(), record, record + length);
    ++m_open_count;
    ++m_size;
    if (m_cache && m_cache->block == m_blocks.size() - 1)
        m_cache->block = SIZE_MAX; // the open block grew
}

void MessageList::seal_open_block() {
    if (m_blocks.empty() || m_tail.empty())
        return;
    if (m_chunks.empty() || m_chunks.back().capacity - m_chunks.back().used < m_tail.size()) {
        m_next_capacity = std::clamp(m_next_capacity * 2, k_first_chunk, k_largest_chunk);
        const std::size_t capacity = std::max(m_next_capacity, m_tail.size());
        m_chunks.push_back({std::make_unique<std::uint8_t[]>(capacity), capacity, 0});
    }
    Chunk& chunk = m_chunks.back();
    std::uint8_t* target = chunk.data.get() + chunk.used;
    std::memcpy(target, m_tail.data(), m_tail.size());
    chunk.used += m_tail.size();
    Block& block = m_blocks.back();
    block.data = target;
    block.chunk = m_first_chunk + m_chunks.size() - 1;
    m_tail.clear();
}

std::size_t MessageList::block_size(std::size_t block) const {
    return block + 1 == m_blocks.size() ? m_open_count : k_block;
}

const StoredMessage& MessageList::decoded(std::size_t block, std::size_t position) const {
    if (!m_cache)
        m_cache = std::make_unique<Cache>();
    Cache& cache = *m_cache;
    if (cache.block != block) {
        const Block& source = m_blocks[block];
        const std::uint8_t* in = source.data != nullptr ? source.data : m_tail.data();
        CodecState state = source.start;
        cache.count = block_size(block);
        for (std::size_t i = 0; i < cache.count; ++i)
            in = decode_message(in, state, cache.messages[i]);
        cache.block = block;
    }
    return cache.messages[position];
}

StoredMessage MessageList::operator[](std::size_t i) const {
    const std::size_t physical = i + m_skip;
    return decoded(physical / k_block, physical % k_block);
}

std::optional<std::size_t> MessageList::last_starting_at_or_before(std::uint64_t offset) const {
    if (m_size == 0)
        return std::nullopt;
    // The last block whose first message starts at or before offset holds the answer, or none
    // does: every later block starts after offset.
    const auto after = std::upper_bound(
        m_blocks.begin(), m_blocks.end(), offset,
        [](std::uint64_t value, const Block& block) { return value < block.first_offset; });
    if (after == m_blocks.begin())
        return std::nullopt;
    const auto block = static_cast<std::size_t>(after - m_blocks.begin()) - 1;
    const std::size_t first = block == 0 ? m_skip : 0;
    std::optional<std::size_t> found;
    for (std::size_t p = first; p < block_size(block); ++p) {
        if (decoded(block, p).offset > offset)
            break;
        found = block * k_block + p - m_skip;
    }
    return found;
}

std::size_t MessageList::first_starting_from(std::uint64_t offset) const {
    if (m_size == 0)
        return 0;
    // Blocks starting before offset may end with messages at or after it: look in the last one.
    const auto from = std::lower_bound(
        m_blocks.begin(), m_blocks.end(), offset,
        [](const Block& block, std::uint64_t value) { return block.first_offset < value; });
    if (from == m_blocks.begin())
        return 0;
    const auto block = static_cast<std::size_t>(from - m_blocks.begin()) - 1;
    const std::size_t first = block == 0 ? m_skip : 0;
    for (std::size_t p = first; p < block_size(block); ++p)
        if (decoded(block, p).offset >= offset)
            return block * k_block + p - m_skip;
    return std::min(m_size, (block + 1) * k_block - m_skip);
}

void MessageList::drop_front(std::size_t count) {
    count = std::min(count, m_size);
    for (std::size_t i = 0; i < count; ++i)
        if (const StoredMessage message = (*this)[i]; message.has_notes)
            m_notes.erase(message.index);
    m_dropped += count;
    m_size -= count;
    m_skip += count;
    if (m_size == 0) {
        // Nothing left: the next message starts a new block, still encoded against m_state.
        m_blocks.clear();
        m_chunks.clear();
        m_tail.clear();
        m_open_count = 0;
        m_skip = 0;
        m_cache.reset();
        return;
    }
    const std::size_t whole = m_skip / k_block; // blocks dropped entirely: never the open one
    m_blocks.erase(m_blocks.begin(), m_blocks.begin() + static_cast<std::ptrdiff_t>(whole));
    m_skip %= k_block;
    // Chunks before the first kept block's hold only dropped blocks.
    const std::uint64_t keep_from =
        m_blocks.front().data != nullptr ? m_blocks.front().chunk : m_first_chunk + m_chunks.size();
    const auto freed = static_cast<std::size_t>(keep_from - m_first_chunk);
    m_chunks.erase(m_chunks.begin(), m_chunks.begin() + static_cast<std::ptrdiff_t>(freed));
    m_first_chunk = keep_from;
    m_cache.reset();
}

void MessageList::clear() {
    *this = MessageList{};
}

const MessageNotes* MessageList::notes_of(const StoredMessage& message) const {
    if (!message.has_notes)
        return nullptr;
    const auto found = m_notes.find(message.index);
    return found == m_notes.end() ? nullptr : &found->second;
}

std::uint64_t MessageList::memory_bytes() const {
    std::uint64_t bytes = m_blocks.capacity() * sizeof(Block) + m_tail.capacity() +
                          m_chunks.capacity() * sizeof(Chunk);
    for (const Chunk& chunk : m_chunks)
        bytes += chunk.capacity;
    return bytes;
}

} // namespace sniff::store
