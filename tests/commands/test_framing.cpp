// Pure parts of the command server: framings, built-ins, the offset pattern, upload names.
#include "commands/builtins.hpp"
#include "commands/framing.hpp"
#include "commands/upload.hpp"

#include <catch2/catch.hpp>

using namespace sniff::commands;

namespace {

Decoded decode(Framing framing, const std::string& bytes, std::size_t max = k_max_request) {
    return decode_frame(framing, bytes_of(bytes), max);
}

} // namespace

TEST_CASE("framing names round-trip through the table", "[commands]") {
    for (const auto& info : k_framings)
        CHECK(parse_framing(info.name) == info.value);
    CHECK_FALSE(parse_framing("json"));
    CHECK(framing_names() == "none|ascii-len|struct|json-header");
}

TEST_CASE("struct request is a little-endian length then the command", "[commands]") {
    const std::string framed = frame_request(Framing::struct_len, "bytes 5");
    REQUIRE(framed.size() == 11);
    CHECK(framed.substr(0, 4) == std::string("\x07\x00\x00\x00", 4));
    CHECK(framed.substr(4) == "bytes 5");
}

TEST_CASE("every framing decodes what it framed, at every split point", "[commands]") {
    const Framing framing = GENERATE(Framing::none, Framing::struct_len, Framing::json_header);
    const std::string command = "repeat 3 abc";
    const std::string framed = frame_request(framing, command);
    for (std::size_t cut = 0; cut < framed.size(); ++cut)
        CHECK(decode(framing, framed.substr(0, cut)).state == DecodeState::need_more);
    const Decoded whole = decode(framing, framed + "trailing");
    REQUIRE(whole.state == DecodeState::complete);
    CHECK(whole.frame_length == framed.size());
    CHECK(framed.substr(whole.header_length, whole.body_length) == command);
}

TEST_CASE("json-header answers carry data_size and status", "[commands]") {
    const std::string framed = frame_answer(Framing::json_header, "oops\n", true);
    const Decoded decoded = decode(Framing::json_header, framed);
    REQUIRE(decoded.state == DecodeState::complete);
    CHECK(decoded.header["data_size"] == 5);
    CHECK(decoded.header["status"] == "error");
    CHECK(decoded.body_length == 5);
}

TEST_CASE("malformed frames are reported, never waited for", "[commands]") {
    SECTION("negative struct length") {
        const auto d = decode(Framing::struct_len, std::string("\xff\xff\xff\xff", 4));
        CHECK(d.state == DecodeState::malformed);
        CHECK_THAT(d.reason, Catch::Contains("negative"));
    }
    SECTION("struct length over the cap") {
        CHECK(decode(Framing::struct_len, encode_le32(k_max_request + 1)).state ==
              DecodeState::malformed);
    }
    SECTION("JSON header length over the cap") {
        CHECK(decode(Framing::json_header, encode_le32(k_max_json_header + 1)).state ==
              DecodeState::malformed);
    }
    SECTION("JSON header that is not an object") {
        CHECK(decode(Framing::json_header, encode_le32(3) + "[1]").state == DecodeState::malformed);
        CHECK(decode(Framing::json_header, encode_le32(5) + "{bad}").state ==
              DecodeState::malformed);
    }
    SECTION("JSON header with a negative data_size") {
        const std::string header = R"({"data_size":-4})";
        CHECK(decode(Framing::json_header, encode_le32(header.size()) + header).state ==
              DecodeState::malformed);
    }
    SECTION("line without newline past the cap") {
        CHECK(decode(Framing::none, std::string(k_max_request + 1, 'x')).state ==
              DecodeState::malformed);
        CHECK(decode(Framing::none, std::string(k_max_request, 'x')).state ==
              DecodeState::need_more);
    }
}

TEST_CASE("lines drop a trailing carriage return", "[commands]") {
    const auto d = decode_line(bytes_of("echo hi\r\nnext"), 100);
    REQUIRE(d.state == DecodeState::complete);
    CHECK(d.body_length == 7);
    CHECK(d.frame_length == 9);
}

TEST_CASE("ascii-len length text accepts digits only", "[commands]") {
    CHECK(parse_decimal("1500", 10'000) == 1500u);
    CHECK_FALSE(parse_decimal("-1", 10'000));
    CHECK_FALSE(parse_decimal("15x", 10'000));
    CHECK_FALSE(parse_decimal("", 10'000));
    CHECK_FALSE(parse_decimal("20000", 10'000));
}

TEST_CASE("built-in commands answer deterministically", "[commands]") {
    const CommandLimits limits;
    CHECK(run_builtin("echo hello world", limits, RunMode::real).output == "hello world\n");
    CHECK(run_builtin("repeat 3 ab", limits, RunMode::real).output == "ab\nab\nab\n");
    CHECK(run_builtin("bytes 0", limits, RunMode::real).output.empty());
    CHECK(run_builtin("sleep 5", limits, RunMode::real).output == "slept 5 ms\n");
    const auto unknown = run_builtin("rm -rf /", limits, RunMode::real);
    CHECK(unknown.error);
    CHECK_THAT(unknown.output, Catch::StartsWith("error: unknown command 'rm'"));
    CHECK(run_builtin("bytes -3", limits, RunMode::real).error);
    CHECK(run_builtin("repeat x y", limits, RunMode::real).error);
}

TEST_CASE("built-ins respect the output limit and the timeout", "[commands]") {
    const CommandLimits limits{1000, 50};
    CHECK(run_builtin("bytes 1000", limits, RunMode::real).output.size() == 1000);
    CHECK(run_builtin("bytes 1001", limits, RunMode::real).error);
    // 10^18 lines would overflow a naive count * length check.
    CHECK(run_builtin("repeat 1000000000000000000 abc", limits, RunMode::real).error);
    CHECK(run_builtin("sleep 60000", limits, RunMode::predict).error);
}

TEST_CASE("the offset pattern names each record's offset", "[commands]") {
    const std::string data = bytes_pattern(0, 40);
    CHECK(data.substr(0, 16) == "00000000 abcdef\n");
    CHECK(data.substr(16, 16) == "00000010 bcdefg\n");
    CHECK(data.substr(32) == "00000020");
    CHECK(bytes_pattern(20, 10) == data.substr(20, 10));
    CHECK(first_pattern_mismatch(data) == std::string_view::npos);
    std::string corrupt = bytes_pattern(0, 10000);
    corrupt[5000] ^= 1;
    CHECK(first_pattern_mismatch(corrupt) == 5000);
}

TEST_CASE("upload names are reduced to a safe base name", "[commands]") {
    CHECK(safe_base_name("report.txt") == "report.txt");
    CHECK(safe_base_name("../../etc/x") == "x");
    CHECK(safe_base_name("/a/b/c/d/e/a.txt") == "a.txt");
    CHECK(safe_base_name("C:\\Users\\a\\b.txt") == "b.txt");
    CHECK_FALSE(safe_base_name(""));
    CHECK_FALSE(safe_base_name(".."));
    CHECK_FALSE(safe_base_name("a/.."));
    CHECK_FALSE(safe_base_name("dir/"));
    CHECK_FALSE(safe_base_name("bad\nname"));
}

TEST_CASE("shell commands capture stdout and stderr and time out", "[commands]") {
    const CommandLimits limits{1000, 300};
    CHECK(run_shell("echo out; echo err 1>&2", limits).output == "out\nerr\n");
    const auto slow = run_shell("sleep 5", limits);
    CHECK(slow.error);
    CHECK_THAT(slow.output, Catch::Contains("timed out"));
    CHECK(run_shell("yes", limits).error);
}
