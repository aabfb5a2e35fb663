#include "reassembly/recent_bytes.hpp"

#include <algorithm>
#include <bit>
#include <cstring>

namespace sniff::reassembly {

namespace {
constexpr std::size_t k_initial_size = 4096;
}

void RecentBytes::append(std::uint64_t offset, util::Bytes bytes) {
    if (offset != m_end)
        m_begin = m_end = offset;
    if (bytes.empty())
        return;
    // Only the tail that fits can ever be compared: copy no more than the ring holds.
    const std::size_t keep = std::min(bytes.size(), k_capacity);
    const std::uint64_t new_end = offset + bytes.size();
    const std::uint64_t wanted = std::min<std::uint64_t>(new_end - m_begin, k_capacity);
    if (m_buffer.size() < wanted)
        grow(static_cast<std::size_t>(wanted));
    write(new_end - keep, bytes.last(keep));
    m_end = new_end;
    m_begin = std::max(m_begin, m_end - std::min<std::uint64_t>(m_end, m_buffer.size()));
}

void RecentBytes::grow(std::size_t needed) {
    const std::size_t size = std::min(k_capacity, std::max(k_initial_size, std::bit_ceil(needed)));
    std::vector<std::byte> old = std::move(m_buffer);
    const std::size_t old_size = old.size();
    m_buffer.assign(size, std::byte{0});
    // Re-lay the remembered bytes out for the new mask.
    for (std::uint64_t offset = m_begin; offset < m_end;) {
        const std::size_t at = static_cast<std::size_t>(offset & (old_size - 1));
        const std::size_t run =
            static_cast<std::size_t>(std::min<std::uint64_t>(old_size - at, m_end - offset));
        write(offset, util::Bytes(old.data() + at, run));
        offset += run;
    }
}

void RecentBytes::write(std::uint64_t offset, util::Bytes bytes) {
    const std::size_t mask = m_buffer.size() - 1;
    const std::size_t at = static_cast<std::size_t>(offset & mask);
    const std::size_t first = std::min(bytes.size(), m_buffer.size() - at);
    std::memcpy(m_buffer.data() + at, bytes.data(), first);
    if (first < bytes.size())
        std::memcpy(m_buffer.data(), bytes.data() + first, bytes.size() - first);
}

std::optional<std::uint64_t> RecentBytes::first_difference(std::uint64_t offset,
                                                           util::Bytes bytes) const {
    const std::uint64_t from = std::max(offset, m_begin);
    const std::uint64_t to = std::min(offset + bytes.size(), m_end);
    if (m_buffer.empty())
        return std::nullopt;
    const std::size_t mask = m_buffer.size() - 1;
    for (std::uint64_t at = from; at < to;) {
        const std::size_t slot = static_cast<std::size_t>(at & mask);
        const std::size_t run =
            static_cast<std::size_t>(std::min<std::uint64_t>(m_buffer.size() - slot, to - at));
        const std::byte* mine = m_buffer.data() + slot;
        const std::byte* theirs = bytes.data() + (at - offset);
        if (std::memcmp(mine, theirs, run) != 0) {
            for (std::size_t i = 0; i < run; ++i)
                if (mine[i] != theirs[i])
                    return at + i;
        }
        at += run;
    }
    return std::nullopt;
}

std::size_t RecentBytes::copy_out(std::uint64_t offset, std::span<std::byte> out) const {
    if (offset < m_begin || offset >= m_end || m_buffer.empty())
        return 0;
    const std::size_t count =
        static_cast<std::size_t>(std::min<std::uint64_t>(out.size(), m_end - offset));
    const std::size_t mask = m_buffer.size() - 1;
    for (std::size_t i = 0; i < count; ++i)
        out[i] = m_buffer[static_cast<std::size_t>((offset + i) & mask)];
    return count;
}

} // namespace sniff::reassembly
