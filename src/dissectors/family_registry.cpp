// The framing family registry (see family_registry.hpp), and the two families that are not
// framings: raw (segments or datagrams as they came) and auto (dissectors/auto_detect.hpp).

#include "dissectors/family_registry.hpp"

#include "dissectors/framings.hpp"
#include "util/enum_names.hpp"

#include <array>

namespace sniff::dissect {

namespace {

constexpr std::array<std::string_view, 1> k_raw_fuzz_specs{"raw"};
constexpr std::array<std::string_view, 1> k_auto_fuzz_specs{"auto"};

} // namespace

extern const FamilyInfo k_family_raw{
    .family = Family::raw,
    .name = "raw",
    .grammar = "raw",
    .parse = nullptr,
    .print = nullptr,
    .make = nullptr,
    .lua_body = nullptr,
    .fuzz_specs = k_raw_fuzz_specs,
};

extern const FamilyInfo k_family_auto{
    .family = Family::auto_detect,
    .name = "auto",
    .grammar = "auto",
    .parse = nullptr,
    .print = nullptr,
    .make = nullptr,
    .lua_body = nullptr,
    .fuzz_specs = k_auto_fuzz_specs,
};

// Each defined in its own file (framing_<name>.cpp).
extern const FamilyInfo k_family_len;
extern const FamilyInfo k_family_json;
extern const FamilyInfo k_family_delim;
extern const FamilyInfo k_family_ascii_len;
extern const FamilyInfo k_family_pgsql;
extern const FamilyInfo k_family_resp;
extern const FamilyInfo k_family_memcache_text;
extern const FamilyInfo k_family_http;
extern const FamilyInfo k_family_websocket;
extern const FamilyInfo k_family_http2;
extern const FamilyInfo k_family_nats;
extern const FamilyInfo k_family_grpc;
extern const FamilyInfo k_family_stomp;
extern const FamilyInfo k_family_amqp;
extern const FamilyInfo k_family_smtp;

namespace {

// One row per family, in --list-framings order, one a line (clang-format off keeps it so, and
// appended rows then merge cleanly). fuzz/CMakeLists.txt makes a fuzz target framing_<name> from
// each `&k_family_<name>` here.
// clang-format off
constexpr std::array k_families{
    &k_family_raw,
    &k_family_auto,
    &k_family_len,
    &k_family_json,
    &k_family_delim,
    &k_family_ascii_len,
    &k_family_pgsql,
    &k_family_resp,
    &k_family_memcache_text,
    &k_family_http,
    &k_family_websocket,
    &k_family_http2,
    &k_family_nats,
    &k_family_grpc,
    &k_family_stomp,
    &k_family_amqp,
    &k_family_smtp,
};
// clang-format on

} // namespace

std::span<const FamilyInfo* const> families() {
    return k_families;
}

const FamilyInfo* find_family(std::string_view name) {
    for (const FamilyInfo* info : k_families)
        if (info->name == name)
            return info;
    return nullptr;
}

const FamilyInfo& family_info(Family family) {
    for (const FamilyInfo* info : k_families)
        if (info->family == family)
            return *info;
    return k_family_raw; // unreachable while every enumerator has a row (registry_test.cpp)
}

std::string_view family_name(Family family) {
    for (const FamilyInfo* info : k_families)
        if (info->family == family)
            return info->name;
    return util::k_unknown_name;
}

std::unique_ptr<Framing> make_framing(const FramingSpec& spec) {
    const FamilyInfo& info = family_info(spec.family);
    return info.make != nullptr ? info.make(spec) : nullptr;
}

std::string families_help() {
    std::string out = "families:";
    for (const FamilyInfo* info : k_families)
        out += (info == k_families.front() ? " " : " | ") + std::string(info->grammar);
    return out;
}

std::string family_names() {
    std::string out;
    for (const FamilyInfo* info : k_families) {
        if (!out.empty())
            out += ", ";
        out += info->name;
        // "len:" where the grammar's parameters follow a plain colon, "pgsql" where optional.
        if (info->grammar.size() > info->name.size() && info->grammar[info->name.size()] == ':')
            out += ':';
    }
    return out;
}

} // namespace sniff::dissect
