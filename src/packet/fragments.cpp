// IP fragment reassembly: see fragments.hpp for the contract.

#include "packet/fragments.hpp"

#include "packet/layers.hpp"

#include <algorithm>
#include <cstdio>

namespace sniff::packet {
namespace {

// Bookkeeping a set costs beyond its buffer (node, index entry), so that floods of tiny
// fragments count against the cap too.
constexpr std::size_t k_set_overhead = 256;

std::string describe(const FragmentKey& key) {
    char id[16];
    std::snprintf(id, sizeof id, "0x%x", static_cast<unsigned>(key.id));
    return std::string(key.version == 4 ? "IPv4 " : "IPv6 ") + key.source.to_string() + " -> " +
           key.destination.to_string() + " id " + id;
}

} // namespace

FragmentTable::Outcome FragmentTable::add(const Fragment& fragment, const AnomalySink& sink,
                                          std::vector<std::byte>& datagram, std::uint8_t& protocol,
                                          std::string& detail) {
    // Checked before any arithmetic or allocation: no datagram is larger than 65535 bytes.
    if (fragment.offset > k_max_datagram ||
        fragment.data.size() > k_max_datagram - fragment.offset) {
        detail = "fragment ends past 65535 bytes";
        return Outcome::malformed;
    }
    const auto end = static_cast<std::uint32_t>(fragment.offset + fragment.data.size());
    if (fragment.data.empty()) {
        detail = "empty fragment";
        return Outcome::malformed;
    }
    // Only the last fragment may end off an 8-byte boundary: offsets count in 8-byte units.
    if (fragment.more && fragment.data.size() % 8 != 0) {
        detail = "non-final fragment of " + std::to_string(fragment.data.size()) +
                 " bytes, not a multiple of 8";
        return Outcome::malformed;
    }

    auto found = m_index.find(fragment.key);
    SetList::iterator set;
    if (found == m_index.end()) {
        Set fresh;
        fresh.key = fragment.key;
        fresh.protocol = fragment.next_header;
        fresh.first_frame = fragment.frame;
        fresh.first_time = fragment.time;
        m_sets.push_back(std::move(fresh));
        set = std::prev(m_sets.end());
        m_index.emplace(fragment.key, set);
    } else {
        set = found->second;
    }

    if (!check_end(*set, fragment, end, detail))
        return Outcome::malformed;
    if (fragment.offset == 0)
        set->protocol = fragment.next_header; // the first fragment's word counts (RFC 8200)
    if (!fragment.more) {
        set->total = end;
        set->total_known = true;
    }
    if (const Overlap overlap = insert(*set, fragment, end); overlap != Overlap::none) {
        model::Anomaly anomaly;
        anomaly.kind = model::AnomalyKind::fragment_overlap;
        anomaly.frame = fragment.frame;
        anomaly.detail = describe(set->key) + ": fragment at " + std::to_string(fragment.offset) +
                         "+" + std::to_string(fragment.data.size()) +
                         (overlap == Overlap::differing
                              ? " overlaps earlier fragments with different bytes (first copy kept)"
                              : " repeats bytes of earlier fragments");
        if (sink)
            sink(anomaly);
    }
    account(*set);
    if (!enforce_cap(set, sink)) {
        drop(set, model::AnomalyKind::memory_cap, "dropped: fragment memory cap reached", sink);
        detail = "fragment memory cap reached";
        return Outcome::dropped;
    }

    const bool complete = set->total_known && set->ranges.size() == 1 &&
                          set->ranges.front().begin == 0 && set->ranges.front().end == set->total;
    if (!complete)
        return Outcome::held;
    set->buffer.resize(set->total);
    datagram.swap(set->buffer);
    protocol = set->protocol;
    m_bytes -= set->cost;
    m_index.erase(set->key);
    m_sets.erase(set);
    return Outcome::complete;
}

// A last fragment fixes the datagram's end; later fragments must agree with it.
bool FragmentTable::check_end(const Set& set, const Fragment& fragment, std::uint32_t end,
                              std::string& detail) const {
    const std::uint32_t received_end = set.ranges.empty() ? 0 : set.ranges.back().end;
    if (set.total_known && end > set.total) {
        detail = "fragment ends at " + std::to_string(end) + ", past the datagram end " +
                 std::to_string(set.total);
        return false;
    }
    if (!fragment.more && set.total_known && end != set.total) {
        detail = "second last fragment ends at " + std::to_string(end) + ", not " +
                 std::to_string(set.total);
        return false;
    }
    if (!fragment.more && end < received_end) {
        detail = "last fragment ends at " + std::to_string(end) + " before received bytes at " +
                 std::to_string(received_end);
        return false;
    }
    return true;
}

// Copies the bytes no earlier fragment supplied and says whether the fragment overlapped bytes
// already held (those keep their first copy).
FragmentTable::Overlap FragmentTable::insert(Set& set, const Fragment& fragment,
                                             std::uint32_t end) {
    if (set.buffer.size() < end) {
        // Grow geometrically while the end is unknown, never past the 65535-byte datagram
        // limit; once the last fragment fixed the end, take exactly that (the cap counts it).
        if (set.buffer.capacity() < end) {
            const std::size_t grown =
                set.total_known ? end : std::max<std::size_t>(end, set.buffer.capacity() * 2);
            set.buffer.reserve(std::min<std::size_t>(k_max_datagram, grown));
        }
        set.buffer.resize(end);
    }
    util::ByteReader reader(fragment.data);
    auto copy_to = [&](std::uint32_t from, std::uint32_t to) {
        const util::Bytes piece = reader.take(to - from);
        std::copy(piece.begin(), piece.end(), set.buffer.begin() + from);
    };
    Overlap overlap = Overlap::none;
    std::uint32_t position = fragment.offset;
    for (const Range& range : set.ranges) {
        if (range.end <= position)
            continue;
        if (range.begin >= end)
            break;
        if (range.begin > position)
            copy_to(position, range.begin);
        // Bytes held already: keep them, only note whether this copy differs.
        const std::uint32_t from = std::max(position, range.begin);
        const std::uint32_t to = std::min(range.end, end);
        const util::Bytes again = reader.take(to - from);
        overlap = std::equal(again.begin(), again.end(), set.buffer.begin() + from)
                      ? std::max(overlap, Overlap::identical)
                      : Overlap::differing;
        position = to;
    }
    if (position < end)
        copy_to(position, end);

    // Record [offset, end) and merge touching ranges.
    auto at = std::lower_bound(
        set.ranges.begin(), set.ranges.end(), fragment.offset,
        [](const Range& range, std::uint32_t value) { return range.begin < value; });
    set.ranges.insert(at, Range{fragment.offset, end});
    std::size_t write = 0;
    for (std::size_t read = 0; read < set.ranges.size(); ++read) {
        if (write > 0 && set.ranges[read].begin <= set.ranges[write - 1].end) {
            set.ranges[write - 1].end = std::max(set.ranges[write - 1].end, set.ranges[read].end);
        } else {
            set.ranges[write++] = set.ranges[read];
        }
    }
    set.ranges.resize(write);
    return overlap;
}

void FragmentTable::account(Set& set) {
    const std::size_t cost =
        k_set_overhead + set.buffer.capacity() + set.ranges.capacity() * sizeof(Range);
    m_bytes = m_bytes - set.cost + cost;
    set.cost = cost;
}

void FragmentTable::drop(SetList::iterator set, model::AnomalyKind kind, const std::string& why,
                         const AnomalySink& sink) {
    model::Anomaly anomaly;
    anomaly.kind = kind;
    anomaly.frame = set->first_frame;
    std::size_t received = 0;
    for (const Range& range : set->ranges)
        received += range.end - range.begin;
    anomaly.detail = describe(set->key) + " incomplete, " + std::to_string(received) + " of " +
                     (set->total_known ? std::to_string(set->total) : std::string("?")) +
                     " bytes: " + why;
    m_bytes -= set->cost;
    m_index.erase(set->key);
    m_sets.erase(set);
    if (sink)
        sink(anomaly);
}

bool FragmentTable::enforce_cap(SetList::iterator keep, const AnomalySink& sink) {
    while (m_bytes > m_max_bytes) {
        auto oldest = m_sets.begin();
        if (oldest == keep)
            ++oldest;
        if (oldest == m_sets.end())
            return false;
        drop(oldest, model::AnomalyKind::memory_cap, "dropped: fragment memory cap reached", sink);
    }
    return true;
}

void FragmentTable::expire(model::Timestamp now, model::Timestamp timeout,
                           const AnomalySink& sink) {
    // Sets are in arrival order, so the expired ones are at the front.
    // Unsigned difference: capture timestamps are untrusted and may be far apart.
    auto expired = [&](const Set& set) {
        return now > set.first_time &&
               static_cast<std::uint64_t>(now) - static_cast<std::uint64_t>(set.first_time) >
                   static_cast<std::uint64_t>(timeout);
    };
    while (!m_sets.empty() && expired(m_sets.front()))
        drop(m_sets.begin(), model::AnomalyKind::fragment_incomplete, "timed out", sink);
}

} // namespace sniff::packet
