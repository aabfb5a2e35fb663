// JsonLine, the field-by-field writer of the --json lines there are millions of: what it writes
// must parse back to what was given, and stay ASCII.

#include "output/json_line.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

namespace sniff::output {

TEST_CASE("a JsonLine parses back to its fields and is ASCII whatever the strings hold",
          "[output]") {
    std::string every_byte;
    for (int c = 1; c < 128; ++c)
        every_byte += static_cast<char>(c);
    const std::string utf8 = "caf\xc3\xa9 \xe4\xb8\xad"; // café 中
    const std::string broken = "a\xff\xfe"
                               "b"; // not UTF-8
    JsonLine line;
    line.field("type", "message")
        .field("n", std::uint64_t{18446744073709551615u})
        .field("zero", std::uint64_t{0})
        .field("ascii", every_byte)
        .field("quote", std::string_view("say \"hi\" \\ bye"))
        .field("utf8", utf8)
        .field("broken", broken)
        .field("yes", true)
        .seconds("t", 1'700'000'000'123'456'789)
        .seconds("early", -1'500'000'000)
        .raw("list", "[1,2,3]");
    const std::string text = line.finish();
    for (const char c : text)
        CHECK(static_cast<unsigned char>(c) >= 0x20);
    for (const char c : text)
        CHECK(static_cast<unsigned char>(c) < 0x7f);
    const auto parsed = nlohmann::json::parse(text);
    CHECK(parsed["type"] == "message");
    CHECK(parsed["n"].get<std::uint64_t>() == 18446744073709551615u);
    CHECK(parsed["zero"] == 0);
    CHECK(parsed["ascii"] == every_byte);
    CHECK(parsed["quote"] == "say \"hi\" \\ bye");
    CHECK(parsed["utf8"] == utf8);
    CHECK(parsed["broken"].get<std::string>().find("a") == 0); // bad bytes replaced, not dropped
    CHECK(parsed["yes"] == true);
    CHECK(text.find("\"t\":1700000000.123456789") != std::string::npos);
    CHECK(text.find("\"early\":-1.500000000") != std::string::npos);
    CHECK(parsed["list"] == nlohmann::json::array({1, 2, 3}));
}

TEST_CASE("a JsonLine continues an object begun by another", "[output]") {
    JsonLine start;
    start.field("type", "message").field("flow", std::uint64_t{7});
    JsonLine line(start.text());
    line.field("index", std::uint64_t{3});
    const auto parsed = nlohmann::json::parse(line.finish());
    CHECK(parsed == nlohmann::json{{"type", "message"}, {"flow", 7}, {"index", 3}});
    CHECK(nlohmann::json::parse(JsonLine().finish()) == nlohmann::json::object());
}

} // namespace sniff::output
