// The websocket and http2 framings on their own: frame sizes of every length encoding, fragmented
// messages with control frames between, unmasked previews, hostile lengths, re-chunking, and
// HTTP/2's resynchronisation when a capture begins mid-connection.

#include "web_support.hpp"

using namespace sniff;
using namespace sniff::dissect;
using namespace sniff::dissect::test;

namespace {

const std::string k_key = "\x37\xfa\x21\x3d";

// The client's frames: small, 126 bytes (16-bit length), 70 KB (64-bit length), a text message
// in three fragments with a ping between, a close.
std::string client_frames() {
    return ws_frame(0x1, "hi", true, k_key) + ws_frame(0x2, std::string(126, 'x'), true, k_key) +
           ws_frame(0x2, std::string(70000, 'y'), true, k_key) +
           ws_frame(0x1, "frag", false, k_key) + ws_frame(0x9, "ping?", true, k_key) +
           ws_frame(0x0, "ment", false, k_key) + ws_frame(0x0, "ed", true, k_key) +
           ws_frame(0x8, "\x03\xe8", true, k_key);
}

} // namespace

TEST_CASE("websocket frames every length encoding and reports fragmented messages",
          "[dissectors][websocket]") {
    Framed framed;
    run_exchange("websocket", {client_frames(), ws_frame(0xa, "ping?")}, {}, {}, framed);
    REQUIRE(framed.c2s.size() == 8);
    CHECK(framed.c2s[0].length == 2 + 4 + 2);
    CHECK(framed.c2s[1].length == 4 + 4 + 126);
    CHECK(framed.c2s[1].header_length == 8);
    CHECK(framed.c2s[2].length == 10 + 4 + 70000);
    CHECK(framed.c2s[2].header_length == 14);
    CHECK(framed.c2s[4].header_json ==
          R"({"ws":"ping","fin":true,"masked":true,"len":5,"payload":"ping?"})");
    CHECK(framed.c2s[6].header_json == R"({"ws":"continuation","fin":true,"masked":true,"len":2,)"
                                       R"("payload":"ed","message_frames":3,"message_bytes":10})");
    for (const auto& message : framed.c2s)
        CHECK(message.status == MessageStatus::complete);
    REQUIRE(framed.s2c.size() == 1);
    CHECK(framed.s2c[0].header_json.find(R"("ws":"pong")") != std::string::npos);
}

TEST_CASE("websocket and http2 find the same frames however the stream is cut",
          "[dissectors][websocket][http2][rechunk]") {
    const std::string settings = h2_frame(0x4, 0, 0, std::string(18, '\0'));
    const std::string stream_frames = settings + h2_frame(0x1, 0x4, 1, std::string(40, 'h')) +
                                      h2_frame(0x0, 0x0, 1, std::string(300, 'd')) +
                                      h2_frame(0x8, 0, 0, std::string(4, '\x01')) +
                                      h2_frame(0x0, 0x1, 1, "");
    const auto [spec, bytes] = GENERATE_COPY(
        std::pair<std::string, std::string>{"websocket", client_frames().substr(0, 200) +
                                                             ws_frame(0x1, "frag", false, k_key) +
                                                             ws_frame(0x0, "ment", true, k_key)},
        std::pair<std::string, std::string>{"http2", k_h2_preface + stream_frames});
    INFO("spec " << spec);
    Framed whole;
    run_exchange(spec, {bytes, ""}, {}, {}, whole);
    REQUIRE(whole.c2s.size() >= 3);
    const auto expected = shapes(whole.c2s);
    for (std::size_t cut = 1; cut < bytes.size(); ++cut) {
        Framed framed;
        run_exchange(spec, {bytes, ""}, {cut}, {}, framed);
        INFO("cut at " << cut);
        CHECK(shapes(framed.c2s) == expected);
    }
    Framed bytewise;
    run_exchange(spec, {bytes, ""}, std::vector<std::size_t>(bytes.size(), 1), {}, bytewise);
    CHECK(shapes(bytewise.c2s) == expected);
}

TEST_CASE("websocket: hostile lengths are malformed, never waited for", "[dissectors][websocket]") {
    SECTION("a 64-bit length with its top bit set") {
        std::string frame = "\x82\x7f";
        put_uint(frame, 0x8000000000000000ull, 8, false);
        Framed framed;
        run_exchange("websocket", {frame + "data", ""}, {}, {}, framed);
        REQUIRE(framed.c2s.size() == 1);
        CHECK(framed.c2s[0].reason == "WebSocket 64-bit length with the top bit set");
    }
    SECTION("a length over max") {
        std::string frame = "\x82\x7f";
        put_uint(frame, 1ull << 40, 8, false);
        Framed framed;
        run_exchange("websocket:max=1m", {frame, ""}, {}, {}, framed);
        REQUIRE(framed.c2s.size() == 1);
        CHECK(framed.c2s[0].reason ==
              "WebSocket frame of 1099511627776 bytes over the limit of 1048576");
        CHECK(framed.recorder.summaries.front().stopped);
    }
    SECTION("a control frame over 125 bytes, and a reserved opcode") {
        Framed big, reserved;
        run_exchange("websocket", {ws_frame(0x9, std::string(126, 'p')), ""}, {}, {}, big);
        run_exchange("websocket", {ws_frame(0x3, "x"), ""}, {}, {}, reserved);
        CHECK(big.c2s.at(0).status == MessageStatus::malformed);
        CHECK(reserved.c2s.at(0).reason == "WebSocket opcode 3 is reserved");
    }
}

TEST_CASE("http2 shows stream ids and resynchronises when the capture began mid-connection",
          "[dissectors][http2][resync]") {
    const std::string data = h2_frame(0x0, 0x0, 3, std::string(100, 'd'));
    const std::string update = h2_frame(0x8, 0, 3, std::string(4, '\x01'));
    const std::string middle = std::string(57, 'z'); // the end of a frame begun before the capture
    Framed framed;
    run_exchange("http2", {"", middle + data + update}, {}, {40}, framed);
    REQUIRE(framed.s2c.size() == 3);
    CHECK(framed.s2c[0].status == MessageStatus::malformed);
    CHECK(framed.s2c[1].offset == middle.size());
    CHECK(framed.s2c[1].header_json == R"({"h2":"DATA","stream":3,"flags":0,"len":100})");
    CHECK(framed.s2c[2].length == update.size());
    CHECK(framed.s2c[2].status == MessageStatus::complete);
}
