#pragma once
// The one idiom for naming an enum's values: a constexpr table of {value, "name"} rows searched by
// value (tcpdump's `struct tok` and tok2str()). A value with no row is named "unknown" rather than
// borrowing a neighbour's name, so a corrupted or newer value is never mislabelled.

#include <array>
#include <cstddef>

namespace sniff::util {

template <typename Enum> struct EnumName {
    Enum value;
    const char* name;
};

inline constexpr const char* k_unknown_name = "unknown";

// The name of `value` in `table`, or k_unknown_name when no row has it.
template <typename Enum, std::size_t N>
constexpr const char* name_of(const std::array<EnumName<Enum>, N>& table, Enum value) {
    for (const EnumName<Enum>& row : table)
        if (row.value == value)
            return row.name;
    return k_unknown_name;
}

} // namespace sniff::util
