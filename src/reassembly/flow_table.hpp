#pragma once
// The open flows by key: every packet looks its flow up here, so it is an open-addressing table
// (linear probing, power-of-two size, at most half full) instead of std::unordered_map, whose
// node chase and prime modulo were 10-14 % of reading a capture of small packets. Erasing shifts
// the following entries back (no tombstones), so probe runs stay short however many flows come
// and go; the table shrinks again when most of its flows closed.

#include "reassembly/flow_key.hpp"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace sniff::reassembly {

template <class Value> class FlowTable {
public:
    std::size_t size() const { return m_size; }

    // The value stored for key, or nullptr.
    Value* find(const FlowKey& key) {
        if (m_size == 0)
            return nullptr;
        const std::uint64_t hash = hash_of(key);
        for (std::size_t at = hash & m_mask;; at = (at + 1) & m_mask) {
            Slot& slot = m_slots[at];
            if (slot.hash == 0)
                return nullptr;
            if (slot.hash == hash && slot.key == key)
                return &slot.value;
        }
    }

    // Stores value for a key that is not in the table.
    void insert(const FlowKey& key, Value value) {
        if ((m_size + 1) * 2 > m_slots.size())
            rehash(m_slots.empty() ? k_min_slots : m_slots.size() * 2);
        place(Slot{hash_of(key), key, std::move(value)});
        ++m_size;
    }

    // Removes key; false when it was not there.
    bool erase(const FlowKey& key) {
        if (m_size == 0)
            return false;
        const std::uint64_t hash = hash_of(key);
        std::size_t hole = hash & m_mask;
        while (m_slots[hole].hash != hash || !(m_slots[hole].key == key)) {
            if (m_slots[hole].hash == 0)
                return false;
            hole = (hole + 1) & m_mask;
        }
        // Backward shift: an entry further along the run moves into the hole unless its home
        // slot lies cyclically after the hole (it would then be found before reaching it).
        for (std::size_t next = (hole + 1) & m_mask; m_slots[next].hash != 0;
             next = (next + 1) & m_mask) {
            const std::size_t home = m_slots[next].hash & m_mask;
            if (((next - home) & m_mask) >= ((next - hole) & m_mask)) {
                m_slots[hole] = std::move(m_slots[next]);
                hole = next;
            }
        }
        m_slots[hole] = Slot{};
        --m_size;
        if (m_slots.size() > k_min_slots && m_size * 8 < m_slots.size())
            rehash(m_slots.size() / 2);
        return true;
    }

    void clear() {
        m_slots.clear();
        m_mask = 0;
        m_size = 0;
    }

private:
    static constexpr std::size_t k_min_slots = 64;

    struct Slot {
        std::uint64_t hash = 0; // 0: empty (hash_of sets the top bit)
        FlowKey key;
        Value value{};
    };

    // The key's five words are mixed independently, so the multiplications run in parallel.
    static std::uint64_t hash_of(const FlowKey& key) {
        const auto& w = key.words;
        std::uint64_t hash = (w[0] * 0x9e3779b97f4a7c15ull) ^ (w[1] * 0xc2b2ae3d27d4eb4full) ^
                             (w[2] * 0x165667b19e3779f9ull) ^ (w[3] * 0xd6e8feb86659fd93ull) ^
                             (w[4] * 0xff51afd7ed558ccdull);
        hash ^= hash >> 32;
        hash *= 0x94d049bb133111ebull;
        hash ^= hash >> 29;
        return hash | (std::uint64_t{1} << 63);
    }

    void place(Slot&& slot) {
        std::size_t at = slot.hash & m_mask;
        while (m_slots[at].hash != 0)
            at = (at + 1) & m_mask;
        m_slots[at] = std::move(slot);
    }

    void rehash(std::size_t slot_count) {
        std::vector<Slot> old(slot_count);
        old.swap(m_slots);
        m_mask = slot_count - 1;
        for (Slot& slot : old)
            if (slot.hash != 0)
                place(std::move(slot));
    }

    std::vector<Slot> m_slots;
    std::size_t m_mask = 0;
    std::size_t m_size = 0;
};

} // namespace sniff::reassembly
