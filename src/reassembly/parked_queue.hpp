#pragma once
// The packets of one direction held back for causal order, oldest first. A lossy capture parks
// most packets of a flow for a while (every packet behind an acknowledged hole), so the queue is
// hot: it reuses one buffer instead of a deque's node per few packets, and answers "the least own
// offset among them" (the deadlock test of release_parked) and "the least acknowledgement they
// wait for" (whether any of them may go) without a scan per packet.

#include "model/endpoint.hpp"
#include "packet/decoded_packet.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

namespace sniff::reassembly {

// A TCP packet held back because it acknowledges bytes of the other direction that have not been
// delivered yet (see ReassemblyConfig::causal_order). Its payload is copied unless it lies in a
// stable capture frame.
struct Parked {
    packet::DecodedPacket packet;
    std::vector<std::byte> owned;
    std::uint64_t frame = 0;
    model::Timestamp time = 0;
    std::uint64_t parked_at = 0; // the flow's packet count when it was parked
    // Stream offsets, computed once when parked: the other direction's bytes it acknowledges
    // (it waits until they are delivered), its own first byte, and for an RST the bytes of its
    // own direction before it.
    std::uint64_t needs_peer = 0;
    std::uint64_t own_offset = 0;
    std::uint64_t needs_own = 0;
};

class ParkedQueue {
public:
    bool empty() const { return m_head == m_items.size(); }
    std::size_t size() const { return m_items.size() - m_head; }
    const Parked& front() const { return m_items[m_head]; }
    const Parked& at(std::size_t index) const { return m_items[m_head + index]; }

    void push(Parked&& parked) {
        m_least_own.note_added(parked.own_offset);
        m_least_needs.note_added(parked.needs_peer);
        m_items.push_back(std::move(parked));
    }

    Parked pop_front() {
        Parked oldest = std::move(m_items[m_head++]);
        note_removed(oldest);
        if (empty())
            clear();
        else if (m_head >= k_compact_after && m_head * 2 >= m_items.size())
            compact();
        return oldest;
    }

    // Removes the packet at index (0: the oldest); rare beyond the front.
    Parked take(std::size_t index) {
        if (index == 0)
            return pop_front();
        const auto at = m_items.begin() + static_cast<std::ptrdiff_t>(m_head + index);
        Parked taken = std::move(*at);
        m_items.erase(at);
        note_removed(taken);
        return taken;
    }

    // The least own_offset, and the least needs_peer, of the packets queued (the largest value
    // when none is).
    std::uint64_t least_own_offset() { return least(m_least_own, &Parked::own_offset); }
    std::uint64_t least_needs_peer() { return least(m_least_needs, &Parked::needs_peer); }

private:
    static constexpr std::size_t k_compact_after = 64;
    // A flow that parked a burst once keeps no more than this many slots while it parks nothing.
    static constexpr std::size_t k_kept_capacity = 256;
    static constexpr std::uint64_t k_none = std::numeric_limits<std::uint64_t>::max();

    // A minimum kept up to date on additions and found again by a scan after its holder left.
    struct Least {
        std::uint64_t value = k_none;
        bool known = true;
        void note_added(std::uint64_t added) {
            if (known)
                value = std::min(value, added);
        }
        void note_removed(std::uint64_t removed) {
            if (removed == value)
                known = false;
        }
    };

    std::uint64_t least(Least& least, std::uint64_t Parked::*field) {
        if (!least.known) {
            least.value = k_none;
            for (std::size_t i = m_head; i < m_items.size(); ++i)
                least.value = std::min(least.value, m_items[i].*field);
            least.known = true;
        }
        return least.value;
    }

    void note_removed(const Parked& removed) {
        m_least_own.note_removed(removed.own_offset);
        m_least_needs.note_removed(removed.needs_peer);
    }

    void clear() {
        m_items.clear();
        if (m_items.capacity() > k_kept_capacity)
            std::vector<Parked>().swap(m_items);
        m_head = 0;
        m_least_own = Least{};
        m_least_needs = Least{};
    }

    void compact() {
        m_items.erase(m_items.begin(), m_items.begin() + static_cast<std::ptrdiff_t>(m_head));
        m_head = 0;
    }

    std::vector<Parked> m_items;
    std::size_t m_head = 0; // m_items before it were popped
    Least m_least_own;
    Least m_least_needs;
};

} // namespace sniff::reassembly
