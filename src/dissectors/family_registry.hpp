#pragma once
// The framing family registry: one row per family (tcpdump's `struct tok`, Wireshark's dissector
// tables), and everything that lists or dispatches on families reads it — the spec parser and
// printer, make_framing(), Lua export, `--list-framings`' families line and the fuzz targets
// (fuzz/CMakeLists.txt reads the rows of k_families in family_registry.cpp).
//
// Adding a family: an enumerator in Family (spec.hpp); a file framing_<name>.cpp that defines
// `extern const FamilyInfo k_family_<name>{...}` (its framing, spec parser and printer, Lua body
// or none, fuzz specs); in family_registry.cpp its declaration and its row `&k_family_<name>,`.
// Presets that expand to it go in spec.cpp's preset table. Nothing else dispatches on families.

#include "dissectors/framing.hpp"
#include "dissectors/spec_parts.hpp"

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace sniff::dissect {

struct FamilyInfo {
    Family family;
    std::string_view name;    // the spec's text before ':' ("len", "ascii-len")
    std::string_view grammar; // its parameters for --list-framings ("delim:SEP,max=N")
    // Parses the parameters (parts is empty for a bare name). Null: the family takes none.
    SpecResult (*parse)(const SpecParser& parser, std::span<const SpecPart> parts);
    // Canonical text: parse_spec(print(s)) == s. Null: the bare name.
    std::string (*print)(const FramingSpec& spec);
    // A framing instance for one flow. Null: not a framing (raw, auto).
    std::unique_ptr<Framing> (*make)(const FramingSpec& spec);
    // The family part of a Wireshark Lua dissector (see lua_export.hpp). Null: not supported.
    std::string (*lua_body)(const FramingSpec& spec);
    // Specs the family's fuzz target draws from, defaults first (fuzz/framing_fuzz.cpp); the
    // order is the seed corpus' index (fuzz/make-corpus), so append only.
    std::span<const std::string_view> fuzz_specs;
};

// Every family, in --list-framings order.
std::span<const FamilyInfo* const> families();
// The family named `name` (the text before ':'), or null.
const FamilyInfo* find_family(std::string_view name);
// The row of `family`; every enumerator has one (tests/dissectors/registry_test.cpp).
const FamilyInfo& family_info(Family family);
// The family's name, "unknown" for a value with no row.
std::string_view family_name(Family family);

// The families line of `--list-framings`: "families: raw | len:off=N,... | ... | auto".
std::string families_help();
// The names for an unknown-framing error: "raw, auto, len:, json:, delim:, ascii-len, pgsql".
std::string family_names();

} // namespace sniff::dissect
