// The one table that maps a spec family to its framing factory.

#include "dissectors/framings.hpp"

#include <array>

namespace sniff::dissect {

namespace {

struct FramingEntry {
    Family family;
    std::unique_ptr<Framing> (*make)(const FramingSpec&);
};

constexpr std::array<FramingEntry, 8> k_framings{{
    {Family::len, make_len_framing},
    {Family::json, make_json_framing},
    {Family::delim, make_delim_framing},
    {Family::ascii_len, make_ascii_len_framing},
    {Family::pgsql, make_pgsql_framing},
    {Family::http, make_http_framing},
    {Family::websocket, make_websocket_framing},
    {Family::http2, make_http2_framing},
}};

} // namespace

std::unique_ptr<Framing> make_framing(const FramingSpec& spec) {
    for (const FramingEntry& entry : k_framings)
        if (entry.family == spec.family)
            return entry.make(spec);
    return nullptr;
}

} // namespace sniff::dissect
