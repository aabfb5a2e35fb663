// The spec language: presets, canonical text, and errors that point at the offending part.

#include "dissectors/selector.hpp"
#include "support.hpp"

#include <catch2/catch.hpp>

using namespace sniff;
using namespace sniff::dissect;
using namespace sniff::dissect::test;

namespace {

SpecError error_of(std::string_view text) {
    auto result = parse_spec(text);
    REQUIRE(std::holds_alternative<SpecError>(result));
    return std::get<SpecError>(result);
}

} // namespace

TEST_CASE("every preset parses and its expansion prints back the same spec", "[dissectors]") {
    for (const Preset& preset : preset_list()) {
        INFO(preset.name);
        const FramingSpec from_name = spec_of(preset.name);
        CHECK(from_name == spec_of(preset.expansion));
        CHECK(spec_of(to_string(from_name)) == from_name);
    }
    CHECK(preset_list().size() == 20);
}

TEST_CASE("presets expand to the protocols' layouts", "[dissectors]") {
    const FramingSpec s = spec_of("struct");
    CHECK((s.family == Family::len && s.size == 4 && s.little_endian && s.is_signed && s.adj == 0));
    const FramingSpec tls = spec_of("tls");
    CHECK((tls.off == 3 && tls.size == 2 && !tls.little_endian));
    const FramingSpec mqtt = spec_of("mqtt");
    CHECK((mqtt.off == 1 && mqtt.varint()));
    CHECK(spec_of("memcache-bin").adj == 12);
    CHECK(spec_of("crlf").bytes == "\r\n");
    CHECK(spec_of("ascii-len").bytes == "ready");
    CHECK(spec_of("pgsql").family == Family::pgsql);
    const FramingSpec json = spec_of("json-header");
    CHECK((json.family == Family::json && json.little_endian && json.size == 4 &&
           json.header_max == 64 * 1024));
}

TEST_CASE("len spec reads every key", "[dissectors]") {
    const FramingSpec spec = spec_of("len:off=8,size=3,le,signed,adj=-7,max=64k");
    CHECK(spec.off == 8);
    CHECK(spec.size == 3);
    CHECK(spec.little_endian);
    CHECK(spec.is_signed);
    CHECK(spec.adj == -7);
    CHECK(spec.max == 65536);
    CHECK(to_string(spec) == "len:off=8,size=3,le,signed,adj=-7,max=65536");
    CHECK(spec_of("len:size=2,adj=+2").adj == 2);
    CHECK(spec_of("len").size == 4); // all defaults
}

TEST_CASE("delimiters take C escapes", "[dissectors]") {
    CHECK(spec_of("delim:\\r\\n").bytes == "\r\n");
    CHECK(spec_of("delim:\\0").bytes == std::string(1, '\0'));
    CHECK(spec_of("delim:\\x2c").bytes == ",");
    CHECK(spec_of("delim:\\\\\\t").bytes == "\\\t");
    CHECK(spec_of("delim:END,max=10").max == 10);
    CHECK(to_string(spec_of("delim:\\x2c")) == "delim:\\x2c");
}

TEST_CASE("a bad spec gets an error naming the part and its position", "[dissectors]") {
    const SpecError unknown = error_of("len:sise=4");
    CHECK(unknown.message == "len: unknown key 'sise=4' at position 4 in 'len:sise=4'");
    CHECK(unknown.position == 4);
    const SpecError size = error_of("len:off=2,size=5");
    CHECK(size.position == 10);
    CHECK(size.message.find("size must be 1, 2, 3, 4, 8 or varint") != std::string::npos);
    CHECK(error_of("len:adj=x").position == 4);
    CHECK(error_of("len:max=0").message.find("max") != std::string::npos);
    CHECK(error_of("json:size=3").position == 5);
    CHECK(error_of("json:le,colour=red").position == 8);
    CHECK(error_of("delim:\\q").message.find("separator") != std::string::npos);
    CHECK(error_of("delim:").message.find("needs a separator") != std::string::npos);
    CHECK(error_of("raw:x").message.find("takes no parameters") != std::string::npos);
    CHECK(error_of("lenn:size=4").message.find("unknown framing 'lenn'") != std::string::npos);
    CHECK(error_of("len:size=varint,signed").message.find("varint") != std::string::npos);
}

TEST_CASE("the selector maps server ports to specs, UDP only by port", "[dissectors]") {
    FramingSelector selector;
    REQUIRE_FALSE(selector.add("struct"));
    REQUIRE_FALSE(selector.add("53=dns-tcp"));
    REQUIRE_FALSE(selector.add("5432=pgsql"));
    CHECK(selector.spec_for(make_flow(1, model::Protocol::tcp, 53)) == spec_of("dns-tcp"));
    CHECK(selector.spec_for(make_flow(1, model::Protocol::tcp, 80)) == spec_of("struct"));
    CHECK(selector.spec_for(make_flow(1, model::Protocol::udp, 80)).family == Family::raw);
    CHECK(selector.spec_for(make_flow(1, model::Protocol::udp, 53)) == spec_of("dns-tcp"));

    const auto bad_port = selector.add("70000=struct");
    REQUIRE(bad_port);
    CHECK(bad_port->message.find("port") != std::string::npos);
    const auto bad_spec = selector.add("53=len:sise=2");
    REQUIRE(bad_spec);
    CHECK(bad_spec->position == 7); // "53=" + "len:" points at sise
    CHECK(bad_spec->message.find("unknown key 'sise=2'") != std::string::npos);
}
