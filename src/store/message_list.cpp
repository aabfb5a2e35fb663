#include "store/message_list.hpp"

#include <algorithm>

namespace sniff::store {

static_assert(sizeof(StoredMessage) <= 64, "a stored message stays one cache line");

void MessageList::add(const dissect::Message& message) {
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
    if (stored.has_notes)
        m_notes[message.index] = MessageNotes{message.reason, message.header_json,
                                              message.would_truncate ? message.recv_buffer : 0};
    if (!m_items.empty() && stored.offset < m_items.back().offset)
        m_in_order = false;
    ++m_classes[static_cast<std::size_t>(stored.message_class)];
    if (stored.status != dissect::MessageStatus::complete)
        ++m_bad;
    m_items.push_back(stored);
}

void MessageList::drop_front(std::size_t count) {
    count = std::min(count, m_items.size());
    for (std::size_t i = 0; i < count; ++i)
        if (m_items[i].has_notes)
            m_notes.erase(m_items[i].index);
    m_items.erase(m_items.begin(), m_items.begin() + static_cast<std::ptrdiff_t>(count));
    m_dropped += count;
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

} // namespace sniff::store
