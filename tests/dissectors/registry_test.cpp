// The framing family registry: every family is one row, and what lists or dispatches on families
// (spec parser and printer, make_framing, Lua export, --list-framings, fuzz targets) reads it.

#include "dissectors/framings.hpp"
#include "dissectors/lua_export.hpp"
#include "dissectors/message.hpp"
#include "support.hpp"

#include <catch2/catch.hpp>
#include <set>

using namespace sniff;
using namespace sniff::dissect;
using namespace sniff::dissect::test;

TEST_CASE("each registry row is found by its name and by its family", "[dissectors][registry]") {
    std::set<std::string_view> names;
    std::set<Family> values;
    for (const FamilyInfo* info : families()) {
        INFO(info->name);
        CHECK(names.insert(info->name).second);
        CHECK(values.insert(info->family).second);
        CHECK(find_family(info->name) == info);
        CHECK(&family_info(info->family) == info);
        CHECK(family_name(info->family) == info->name);
        // The grammar starts with the name, so --list-framings and errors agree with the parser.
        CHECK(info->grammar.substr(0, info->name.size()) == info->name);
    }
    CHECK(find_family("lenn") == nullptr);
    CHECK(find_family("") == nullptr);
}

TEST_CASE("a value with no registry row is named unknown, not a neighbour",
          "[dissectors][registry]") {
    CHECK(family_name(static_cast<Family>(200)) == "unknown");
    // message.cpp indexed its names with `% size`: class 4 came out as "whole", status 3 as
    // "complete". A corrupted or newer value must not borrow a real name.
    CHECK(std::string(message_class_name(static_cast<MessageClass>(4))) == "unknown");
    CHECK(std::string(message_status_name(static_cast<MessageStatus>(3))) == "unknown");
    CHECK(std::string(message_class_name(MessageClass::coalesced_split)) == "coalesced+split");
    CHECK(std::string(message_status_name(MessageStatus::malformed)) == "malformed");
}

TEST_CASE("every family's fuzz specs parse, name their family and print back the same spec",
          "[dissectors][registry]") {
    for (const FamilyInfo* info : families()) {
        INFO(info->name);
        CHECK_FALSE(info->fuzz_specs.empty());
        for (const std::string_view text : info->fuzz_specs) {
            INFO(text);
            const FramingSpec spec = spec_of(text);
            CHECK(spec.family == info->family);
            CHECK(spec_of(to_string(spec)) == spec);
            // A framing exactly when the row has a factory (raw and auto are not framings).
            CHECK((make_framing(spec) != nullptr) == (info->make != nullptr));
        }
    }
}

TEST_CASE("the bare name of a family without parameters prints as itself",
          "[dissectors][registry]") {
    CHECK(to_string(spec_of("raw")) == "raw");
    CHECK(to_string(spec_of("auto")) == "auto");
    CHECK(to_string(spec_of("pgsql")) == "pgsql");
    CHECK(to_string(spec_of("pgsql:max=100")) == "pgsql:max=100");
}

TEST_CASE("the families line and the unknown-framing error list every row",
          "[dissectors][registry]") {
    const std::string help = families_help();
    CHECK(help.rfind("families: raw | auto | len:off=N,", 0) == 0);
    const auto result = parse_spec("nope:x=1");
    REQUIRE(std::holds_alternative<SpecError>(result));
    const std::string error = std::get<SpecError>(result).message;
    for (const FamilyInfo* info : families()) {
        INFO(info->name);
        CHECK(help.find(" " + std::string(info->grammar)) != std::string::npos);
        CHECK(error.find(std::string(info->name)) != std::string::npos);
    }
    CHECK(error.find("(families: raw, auto, len:, json:, delim:, ascii-len, pgsql") !=
          std::string::npos);
}

TEST_CASE("Lua export is offered exactly for the rows with a Lua body", "[dissectors][registry]") {
    for (const FamilyInfo* info : families()) {
        INFO(info->name);
        const FramingSpec spec = spec_of(info->fuzz_specs.front());
        std::string error;
        const auto lua = export_lua(spec, 9000, &error);
        CHECK(lua.has_value() == (info->lua_body != nullptr));
        if (!lua)
            CHECK(error == "Lua export covers len:, json:, delim: and amqp: framings, not " +
                               to_string(spec));
    }
}
