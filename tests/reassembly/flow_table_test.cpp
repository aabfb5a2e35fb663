// The open-addressing flow table against std::map as the model: random inserts, finds and erases
// of keys that share long probe runs (a small table, many keys) and grow and shrink it.

#include "reassembly/flow_table.hpp"

#include <catch2/catch.hpp>
#include <map>
#include <random>

using sniff::reassembly::FlowKey;
using sniff::reassembly::FlowTable;

namespace {

FlowKey key_of(std::uint64_t number) {
    FlowKey key;
    key.words = {0, 0x7f000001, 0, 0x7f000001, 6379 | number << 24};
    return key;
}

std::map<std::uint64_t, int> contents(FlowTable<int>& table, std::uint64_t key_count) {
    std::map<std::uint64_t, int> found;
    for (std::uint64_t number = 0; number < key_count; ++number)
        if (const int* value = table.find(key_of(number)))
            found[number] = *value;
    return found;
}

} // namespace

TEST_CASE("the flow table finds what was inserted and not what was erased", "[reassembly]") {
    FlowTable<int> table;
    std::map<std::uint64_t, int> model;
    std::mt19937_64 random(7);
    constexpr std::uint64_t k_keys = 3000;
    for (int step = 0; step < 200'000; ++step) {
        const std::uint64_t number = random() % k_keys;
        const auto in_model = model.find(number);
        // Mostly inserts early, mostly erases late: the table grows to ~3000 and shrinks again.
        const bool erase = random() % 100 < (step < 100'000 ? 30u : 80u);
        if (erase) {
            CHECK(table.erase(key_of(number)) == (in_model != model.end()));
            if (in_model != model.end())
                model.erase(in_model);
        } else if (in_model == model.end()) {
            table.insert(key_of(number), step);
            model[number] = step;
        } else {
            REQUIRE(table.find(key_of(number)) != nullptr);
            CHECK(*table.find(key_of(number)) == in_model->second);
        }
        REQUIRE(table.size() == model.size());
        if (step % 20'000 == 0)
            REQUIRE(contents(table, k_keys) == model);
    }
    REQUIRE(contents(table, k_keys) == model);
    for (const auto& [number, value] : std::map(model))
        CHECK(table.erase(key_of(number)));
    CHECK(table.size() == 0);
    CHECK(table.find(key_of(1)) == nullptr);
    CHECK_FALSE(table.erase(key_of(1)));
}
