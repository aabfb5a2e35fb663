// The vector separator count against a plain count, at every length around the vector widths.

#include "dissectors/separator_count.hpp"

#include <catch2/catch.hpp>
#include <random>
#include <string>

namespace sniff::dissect {

namespace {

SeparatorCount plain_count(const std::string& bytes, const std::string& separator) {
    SeparatorCount result;
    for (std::size_t at = bytes.find(separator); at != std::string::npos;
         at = bytes.find(separator, at + separator.size())) {
        ++result.count;
        result.end = at + separator.size();
    }
    return result;
}

util::Bytes view(const std::string& text) {
    return {reinterpret_cast<const std::byte*>(text.data()), text.size()};
}

} // namespace

TEST_CASE("separators are counted as a plain search counts them", "[dissectors]") {
    const std::string separator = GENERATE(std::string("\r\n"), std::string("\n"),
                                           std::string(1, '\0'), std::string("\xff\x00", 2));
    std::mt19937 rng(17);
    // An alphabet that makes separators, their halves and near misses frequent.
    const std::string alphabet = separator + separator + "ab\r\n";
    for (std::size_t size = 0; size < 300; ++size) {
        for (int round = 0; round < 4; ++round) {
            std::string bytes;
            for (std::size_t i = 0; i < size; ++i)
                bytes += alphabet[rng() % alphabet.size()];
            INFO("size " << size << " round " << round);
            const auto counted = count_separators(view(bytes), separator);
            REQUIRE(counted);
            const SeparatorCount expected = plain_count(bytes, separator);
            CHECK(counted->count == expected.count);
            CHECK(counted->end == expected.end);
        }
    }
}

TEST_CASE("a long block with more than 255 vector steps of hits counts them all", "[dissectors]") {
    std::string bytes;
    for (int i = 0; i < 100000; ++i)
        bytes += "\r\n";
    const auto counted = count_separators(view(bytes), "\r\n");
    REQUIRE(counted);
    CHECK(counted->count == 100000);
    CHECK(counted->end == bytes.size());
}

TEST_CASE("separators that could overlap themselves are left to the framing", "[dissectors]") {
    CHECK_FALSE(count_separators(view("aaaa"), "aa"));
    CHECK_FALSE(count_separators(view("x\r\n\r\n"), "\r\n\r\n"));
    CHECK_FALSE(count_separators(view("x"), ""));
}

} // namespace sniff::dissect
