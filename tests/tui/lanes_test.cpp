#include "store/store_support.hpp"
#include "tui/lanes.hpp"
#include "tui/tui_support.hpp"

#include <catch2/catch.hpp>

using namespace sniff;
using model::Direction;

namespace {

// A store holding one flow whose c2s carries the given segments, framed as `framing`.
std::unique_ptr<store::FlowStore> store_with(const std::vector<std::string>& segments,
                                             const std::string& framing = "lines") {
    auto flows = std::make_unique<store::FlowStore>();
    dissect::FramingSelector selector;
    if (selector.add(framing))
        throw std::runtime_error("bad framing");
    dissect::DissectorEngine engine(std::move(selector), *flows);
    reassembly::SinkFanout fanout;
    fanout.add(*flows);
    fanout.add(engine);
    const auto flow = test::test_flow();
    fanout.on_flow_open(flow);
    test::feed_segments(fanout, flow, Direction::c2s, segments);
    fanout.on_flow_close(flow, reassembly::CloseReason::fin);
    return flows;
}

} // namespace

TEST_CASE("segment and message marks sit in the boundary columns of their bytes", "[tui]") {
    // Segments "one\ntwo\nthr" + "ee\n"; lines give messages at 0, 4, 8 (8..13 spans both).
    auto flows = store_with({"one\ntwo\nthr", "ee\n"});
    tui::ByteLanes lanes(flows->at(0).of(Direction::c2s), {false, 80});
    tui::Screen screen(3, 80);
    const std::uint64_t end = lanes.draw(screen, 0, 0, 0, ~0ull);
    CHECK(end == 14);
    // Text lane, after the 9-column prefix: boundary column 9 (offset 0), "one" 10-12, "\n"
    // 13-14, boundary 15 (offset 4), "two" 16-18, "\n" 19-20, boundary 21 (offset 8), "thr"
    // 22-24, boundary 25 (offset 11, a segment start only), "ee" 26-27, "\n" 28-29, boundary 30
    // (the end).
    CHECK(screen.row_text(1) == "00000000  one\\n two\\n thr ee\\n");
    CHECK(test::columns_of(screen, 0, U'┃') == std::vector<int>{9, 25, 30});
    CHECK(test::columns_of(screen, 2, U'│') == std::vector<int>{9, 15, 21, 30});
    // A message boundary inside a segment, and a segment boundary inside a message, leave the
    // other lane's span unbroken.
    CHECK(screen.at(0, 15).ch != U'┃');
    CHECK(screen.at(2, 25).ch != U'│');
    // Labels start right after their mark and are cut at the next one: message #2 has the 8
    // columns 22-29 (its span holds the segment column 25).
    CHECK(screen.at(0, 10).ch == U's');
    CHECK(screen.row_text(0).find("┃seg 0 · 11 B") != std::string::npos);
    CHECK(screen.row_text(2).find("│#2 coale│") != std::string::npos);
    // Lanes use separate styles.
    CHECK(screen.at(0, 9).style == tui::Style::seg_a);
    CHECK(screen.at(0, 25).style == tui::Style::seg_b);
    CHECK(screen.at(2, 15).style == tui::Style::msg_b);
}

TEST_CASE("control bytes and escape sequences are drawn escaped, never raw", "[tui]") {
    const std::string hostile = "\x1b[2J\x1b]0;pwned\x07\r\xff\xfe\xe4\xb8\xad\n";
    auto flows = store_with({hostile});
    tui::ByteLanes lanes(flows->at(0).of(Direction::c2s), {false, 120});
    tui::Screen screen(3, 120);
    lanes.draw(screen, 0, 0, 0, ~0ull);
    CHECK(screen.row_text(1) ==
          "00000000  \\x1b[2J\\x1b]0;pwned\\x07\\r\\xff\\xfe\\xe4\\xb8\\xad\\n");
    for (int row = 0; row < 3; ++row)
        for (int column = 0; column < 120; ++column) {
            const char32_t ch = screen.at(row, column).ch;
            CHECK_FALSE((ch < 0x20 || ch == 0x7f || (ch >= 0x80 && ch < 0xa0)));
        }
    CHECK(screen.at(1, 10).style == tui::Style::escape); // the "\x1b" token
    CHECK(screen.at(1, 14).style == tui::Style::normal); // "["
}

TEST_CASE("hex mode draws 16 bytes a row with an ASCII column", "[tui]") {
    auto flows = store_with({"abcdefghij", "klmnopqrst\n"});
    tui::ByteLanes lanes(flows->at(0).of(Direction::c2s), {true, 120});
    tui::Screen screen(6, 120);
    const std::uint64_t second = lanes.draw(screen, 0, 0, 0, ~0ull);
    CHECK(second == 16);
    lanes.draw(screen, 3, 0, second, ~0ull);
    const std::string first_row = screen.row_text(1);
    CHECK(first_row.rfind("00000000  61 62 63 64 65 66 67 68 69 6a  6b 6c", 0) == 0);
    CHECK(first_row.find("abcdefghijklmnop") != std::string::npos);
    CHECK(screen.row_text(4).find("71 72 73 74 0a") != std::string::npos);
    CHECK(screen.row_text(4).find("qrst.") != std::string::npos);
    // The segment boundary at offset 10 is a column of its own before "6b".
    const int boundary = static_cast<int>(first_row.find(" 6b"));
    CHECK(screen.at(0, boundary).ch == U'┃');
}

TEST_CASE("rows laid out backward meet the rows laid out forward", "[tui]") {
    std::vector<std::string> segments;
    for (int i = 0; i < 50; ++i)
        segments.push_back("line " + std::to_string(i) + " \x01\x02 padding text\n");
    auto flows = store_with(segments);
    tui::ByteLanes lanes(flows->at(0).of(Direction::c2s), {false, 60});
    const std::uint64_t end = lanes.stream_end();
    std::uint64_t offset = 0;
    while (offset < end) {
        const std::uint64_t next = lanes.row_end(offset);
        REQUIRE(next > offset);
        offset = next;
    }
    CHECK(offset == end);
    // Going back one row from any row start gives a row that ends exactly there.
    const std::uint64_t start = lanes.row_end(lanes.row_end(0));
    const std::uint64_t before = lanes.row_before(start);
    CHECK(before < start);
    CHECK(lanes.row_end(before) == start);
    CHECK(lanes.row_end(lanes.last_row_start()) == end);
}

TEST_CASE("missing bytes of a gap are drawn as gap cells between the segments", "[tui]") {
    store::FlowStore flows;
    const auto flow = test::test_flow();
    flows.on_flow_open(flow);
    test::feed_segments(flows, flow, Direction::c2s, {"abc"});
    flows.on_gap(flow, Direction::c2s, {3, 2, model::GapReason::lost, 2});
    model::SegmentInfo info{1, 3, 0, 5, 2, 0};
    flows.on_data(flow, Direction::c2s, info, test::bytes_of("de"));
    tui::ByteLanes lanes(flows.at(0).of(Direction::c2s), {false, 80});
    tui::Screen screen(3, 80);
    lanes.draw(screen, 0, 0, 0, ~0ull);
    CHECK(screen.row_text(1) == "00000000  abc ·· de");
    CHECK(screen.at(1, 14).style == tui::Style::gap);
}

TEST_CASE("hex rows hold 16, 32 or 48 bytes as the width allows", "[tui]") {
    CHECK(tui::LaneLayout{true, 80}.hex_row_bytes() == 16);
    CHECK(tui::LaneLayout{true, 146}.hex_row_bytes() == 16);
    CHECK(tui::LaneLayout{true, 147}.hex_row_bytes() == 32); // 9 + 32 * 3 + 8 + 2 + 32
    CHECK(tui::LaneLayout{true, 160}.hex_row_bytes() == 32);
    CHECK(tui::LaneLayout{true, 211}.hex_row_bytes() == 48); // 9 + 48 * 3 + 8 + 2 + 48
    // The byte lane and its ASCII column fit the width.
    for (const int width : {80, 147, 160, 211, 300}) {
        const tui::LaneLayout layout{true, width};
        CHECK(tui::k_lane_prefix + layout.content_width() + 1 + layout.hex_row_bytes() <= width);
    }
}

TEST_CASE("sniff exec -i: the program's calls get the wire's segments as a fourth lane, a call "
          "that mixed messages is drawn red",
          "[tui][exec]") {
    store::FlowStore flows;
    dissect::FramingSelector selector;
    REQUIRE_FALSE(selector.add("lines"));
    dissect::DissectorEngine engine(std::move(selector), flows);
    reassembly::SinkFanout fanout;
    fanout.add(flows);
    fanout.add(engine);
    auto wire = test::test_flow();
    wire.saw_syn = true;
    auto program = wire;
    program.id = wire.id + 1;
    program.origin = model::FlowOrigin::exec;
    program.program_end = model::ProgramEnd::server;
    fanout.on_flow_open(wire);
    fanout.on_flow_open(program);
    // The wire carried the three lines in one segment; the server read them in three calls,
    // the second of which returned the end of one line and the start of the next.
    test::feed_segments(fanout, wire, Direction::c2s, {"one\ntwo\nthree\n"});
    test::feed_segments(fanout, program, Direction::c2s, {"one\n", "two\nthr", "ee\n"});
    fanout.on_flow_close(wire, reassembly::CloseReason::fin);
    fanout.on_flow_close(program, reassembly::CloseReason::fin);

    const auto& program_record = flows.at(1);
    const auto* twin = flows.twin_of(program_record);
    REQUIRE(twin != nullptr);
    CHECK(twin->flow.id == wire.id);
    CHECK(flows.twin_of(*twin) == &program_record);

    tui::LaneExtras extras;
    extras.wire = &twin->of(Direction::c2s);
    extras.mark_mixed = true;
    tui::ByteLanes lanes(program_record.of(Direction::c2s), {false, 80}, extras);
    REQUIRE(lanes.lane_count() == 4);
    tui::Screen screen(4, 80);
    lanes.draw(screen, 0, 0, 0, ~0ull);
    // Text: boundary 9 (offset 0), "one\n" 10-14, boundary 15 (4), "two\n" 16-20, boundary 21
    // (8), "thr" 22-24, boundary 25 (11, a read starts), "ee\n" 26-29, boundary 30 (the end).
    CHECK(screen.row_text(1) == "00000000  one\\n two\\n thr ee\\n");
    CHECK(test::columns_of(screen, 0, U'┃') == std::vector<int>{9, 15, 25, 30});
    CHECK(test::columns_of(screen, 3, U'┃') == std::vector<int>{9, 30});
    CHECK(screen.row_text(3).rfind("    wire ", 0) == 0);
    // Read 1 ("two\nthr") holds bytes of lines 1 and 2: red; reads 0 and 2 hold one line each.
    CHECK(screen.at(0, 17).style == tui::Style::bad);
    CHECK(screen.at(0, 11).style != tui::Style::bad);
    CHECK(screen.at(0, 27).style != tui::Style::bad);
    // Without the extras the lanes are the usual three, nothing red.
    tui::ByteLanes plain(program_record.of(Direction::c2s), {false, 80});
    CHECK(plain.lane_count() == 3);
    tui::Screen plain_screen(3, 80);
    plain.draw(plain_screen, 0, 0, 0, ~0ull);
    CHECK(plain_screen.at(0, 17).style != tui::Style::bad);
}
