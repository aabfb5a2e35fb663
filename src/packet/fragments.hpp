#pragma once
// IP fragment reassembly for IPv4 (keyed by source, destination, protocol, id) and IPv6 (source,
// destination, id). Fragments are copied into one buffer per datagram; where fragments overlap
// the first copy wins and an anomaly is reported. Memory is bounded: a set never exceeds the
// 65535-byte IP limit whatever the headers claim, and when all sets together pass the cap the
// oldest sets are dropped with an anomaly.

#include "model/segment.hpp"
#include "util/byte_reader.hpp"

#include <compare>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <string>
#include <vector>

namespace sniff::packet {

using AnomalySink = std::function<void(const model::Anomaly&)>;

struct FragmentKey {
    std::uint8_t version = 4;
    std::uint8_t protocol = 0; // part of the IPv4 key; always 0 for IPv6
    std::uint32_t id = 0;
    model::IpAddress source;
    model::IpAddress destination;

    auto operator<=>(const FragmentKey&) const = default;
};

struct Fragment {
    FragmentKey key;
    std::uint32_t offset = 0;     // byte offset of data in the datagram's payload
    bool more = false;            // more fragments follow (false: this one ends the datagram)
    std::uint8_t next_header = 0; // protocol of the reassembled payload
    util::Bytes data;
    std::uint64_t frame = 0;
    model::Timestamp time = 0;
};

class FragmentTable {
public:
    enum class Outcome : std::uint8_t {
        held,      // kept; the datagram is not complete yet
        complete,  // datagram and protocol hold the whole reassembled payload
        dropped,   // the memory cap dropped this fragment's own set (anomaly reported)
        malformed, // inconsistent with its set (detail says why); the set is kept
    };

    explicit FragmentTable(std::size_t max_bytes) : m_max_bytes(max_bytes) {}

    Outcome add(const Fragment& fragment, const AnomalySink& sink, std::vector<std::byte>& datagram,
                std::uint8_t& protocol, std::string& detail);

    // Drops the sets whose first fragment came more than timeout before now, reporting each as
    // fragment_incomplete.
    void expire(model::Timestamp now, model::Timestamp timeout, const AnomalySink& sink);

    [[nodiscard]] std::size_t bytes_held() const { return m_bytes; }
    [[nodiscard]] std::size_t pending() const { return m_sets.size(); }

private:
    struct Range {
        std::uint32_t begin;
        std::uint32_t end;
    };
    struct Set {
        FragmentKey key;
        std::vector<std::byte> buffer; // payload bytes at their datagram offsets
        std::vector<Range> ranges;     // received bytes, sorted, merged
        std::uint32_t total = 0;       // payload length, known once the last fragment came
        bool total_known = false;
        std::uint8_t protocol = 0;
        std::uint64_t first_frame = 0;
        model::Timestamp first_time = 0;
        std::size_t cost = 0; // what this set counts against the cap
    };
    using SetList = std::list<Set>;

    bool check_end(const Set& set, const Fragment& fragment, std::uint32_t end,
                   std::string& detail) const;
    enum class Overlap : std::uint8_t { none, identical, differing };
    Overlap insert(Set& set, const Fragment& fragment, std::uint32_t end);
    void account(Set& set);
    void drop(SetList::iterator set, model::AnomalyKind kind, const std::string& why,
              const AnomalySink& sink);
    // Drops the oldest sets other than keep until the cap holds; false when keep alone breaks it.
    bool enforce_cap(SetList::iterator keep, const AnomalySink& sink);

    SetList m_sets; // oldest first
    std::map<FragmentKey, SetList::iterator> m_index;
    std::size_t m_bytes = 0;
    std::size_t m_max_bytes;
};

} // namespace sniff::packet
