// The grpc framing: HTTP/2 frames, with the gRPC messages that begin and end in each DATA frame
// of a stream, however messages and frames and segments are cut.

#include "web_support.hpp"

using namespace sniff;
using namespace sniff::dissect;
using namespace sniff::dissect::test;

namespace {

std::string grpc_message(const std::string& body) {
    std::string out(1, '\0');
    put_uint(out, body.size(), 4, false);
    return out + body;
}

} // namespace

TEST_CASE("grpc shows the gRPC messages of each stream in its DATA frames",
          "[dissectors][grpc][http2]") {
    // Stream 1: "hello" split over two DATA frames, then two messages in one frame. Stream 3
    // interleaved: an empty message and one of 300 bytes in a PADDED frame.
    const std::string first = grpc_message("hello"), pair = grpc_message("ab") + grpc_message("");
    std::string padded_payload = "\x04" + grpc_message("") + grpc_message(std::string(300, 'p'));
    padded_payload += std::string(4, '\0');
    const std::string stream =
        k_h2_preface + h2_frame(0x4, 0, 0, "") + h2_frame(0x1, 0x4, 1, "hdrs") +
        h2_frame(0x0, 0, 1, first.substr(0, 3)) + h2_frame(0x0, 0x8, 3, padded_payload) +
        h2_frame(0x0, 0, 1, first.substr(3)) + h2_frame(0x0, 0x1, 1, pair);
    Framed whole;
    run_exchange("grpc", {stream, ""}, {}, {}, whole);
    REQUIRE(whole.c2s.size() == 7);
    CHECK(whole.c2s[3].header_json ==
          R"({"h2":"DATA","stream":1,"flags":0,"len":3,"grpc":{"starts":1,"ends":0}})");
    CHECK(whole.c2s[4].header_json == R"({"h2":"DATA","stream":3,"flags":8,"len":315,)"
                                      R"("grpc":{"starts":2,"ends":2,"lengths":[0,300],)"
                                      R"("frames":[1,1]}})");
    CHECK(whole.c2s[5].header_json == R"({"h2":"DATA","stream":1,"flags":0,"len":7,)"
                                      R"("grpc":{"starts":0,"ends":1,"lengths":[5],)"
                                      R"("frames":[2],"continues":true}})");
    CHECK(whole.c2s[6].header_json.find(R"("grpc":{"starts":2,"ends":2,"lengths":[2,0])") !=
          std::string::npos);
    const auto expected = shapes(whole.c2s);
    for (std::size_t cut = 1; cut < stream.size(); ++cut) {
        Framed framed;
        run_exchange("grpc", {stream, ""}, {cut}, {}, framed);
        INFO("cut at " << cut);
        CHECK(shapes(framed.c2s) == expected);
    }
    Framed bytewise;
    run_exchange("grpc", {stream, ""}, std::vector<std::size_t>(stream.size(), 1), {}, bytewise);
    CHECK(shapes(bytewise.c2s) == expected);
}

TEST_CASE("grpc: a message length over max stops that stream's parsing and says so",
          "[dissectors][grpc][hostile]") {
    std::string huge(1, '\0');
    put_uint(huge, 0xffffffffu, 4, false);
    Framed framed;
    run_exchange("grpc:max=1000", {h2_frame(0x0, 0, 1, huge + "xx"), ""}, {}, {}, framed);
    REQUIRE(framed.c2s.size() == 1);
    CHECK(framed.c2s[0].status == MessageStatus::complete);
    CHECK(framed.c2s[0].header_json.find(R"("length_over_max":true)") != std::string::npos);
}
