#include "gencap/cases.hpp"
#include "store/store_support.hpp"
#include "support/process.hpp"
#include "tui/inspector.hpp"
#include "tui/tui_support.hpp"

#include <catch2/catch.hpp>

using namespace sniff;
using model::Direction;
using tui::Key;
using tui::KeyCode;

namespace {

void type(tui::Inspector& inspector, const std::string& text) {
    for (const char c : text)
        inspector.handle_key(Key::of(static_cast<char32_t>(c)));
}

std::string draw(tui::Inspector& inspector) {
    tui::Screen screen(50, 160);
    inspector.render(screen);
    return screen.text();
}

} // namespace

TEST_CASE("the inspector opens a flow, steps through messages and segments", "[tui]") {
    const auto dir = test::scratch_dir("tui-inspector");
    const auto generated = gencap::generate_case("in_order", dir.string());
    auto loaded = test::load_capture(generated.file, "lines");
    tui::Inspector inspector(*loaded.store);

    auto text = draw(inspector);
    CHECK(text.find("10.0.0.1:40000 → 10.0.0.2:8080") != std::string::npos);
    CHECK(text.find("1 flow (1 shown)") != std::string::npos);

    inspector.handle_key(Key::of(KeyCode::enter));
    REQUIRE(inspector.in_flow_view());
    text = draw(inspector);
    CHECK(text.find("GET /hello  HTTP/1.0\\r\\n \\r\\n") != std::string::npos);
    CHECK(text.find("message #0 c2s · split") != std::string::npos);

    // c2s holds "GET /hello HTTP/1.0\r\n" (21 bytes, segments 0-1) and "\r\n" (segment 2).
    inspector.handle_key(Key::of('n'));
    CHECK(inspector.view_of(Direction::c2s).message == 1);
    CHECK(inspector.view_of(Direction::c2s).cursor == 21);
    CHECK(inspector.view_of(Direction::c2s).segment == 2);
    CHECK(draw(inspector).find("message #1 c2s · whole") != std::string::npos);
    inspector.handle_key(Key::of('N'));
    CHECK(inspector.view_of(Direction::c2s).cursor == 0);
    inspector.handle_key(Key::of(']'));
    CHECK(inspector.view_of(Direction::c2s).cursor == 11); // segment 1 starts after "GET /hello "
    CHECK(inspector.view_of(Direction::c2s).message == 0);
    inspector.handle_key(Key::of('['));
    CHECK(inspector.view_of(Direction::c2s).cursor == 0);

    SECTION("search finds text in the focused direction") {
        inspector.handle_key(Key::of(KeyCode::tab)); // s2c bytes
        CHECK(inspector.active_direction() == Direction::s2c);
        inspector.handle_key(Key::of('/'));
        type(inspector, "hello");
        inspector.handle_key(Key::of(KeyCode::enter));
        CHECK(inspector.view_of(Direction::s2c).cursor == 19);
        CHECK(draw(inspector).find("found 'hello' at offset 19") != std::string::npos);
        inspector.handle_key(Key::of('/'));
        type(inspector, "absent");
        inspector.handle_key(Key::of(KeyCode::enter));
        CHECK(draw(inspector).find("'absent' not found") != std::string::npos);
    }
    SECTION("a bad framing spec is reported and a good one re-dissects at once") {
        inspector.handle_key(Key::of('f'));
        const std::string prefilled = "delim:\\n"; // the spec in use, ready to edit
        CHECK(draw(inspector).find("framing: " + prefilled) != std::string::npos);
        for (std::size_t i = 0; i < prefilled.size(); ++i)
            inspector.handle_key(Key::of(KeyCode::backspace));
        type(inspector, "len:sise=4");
        inspector.handle_key(Key::of(KeyCode::enter));
        CHECK(draw(inspector).find("framing: len: unknown key") != std::string::npos);
        CHECK(loaded.store->at(0).of(Direction::c2s).messages.size() == 2); // unchanged

        inspector.handle_key(Key::of('f'));
        for (std::size_t i = 0; i < prefilled.size(); ++i)
            inspector.handle_key(Key::of(KeyCode::backspace));
        type(inspector, "delim:o");
        inspector.handle_key(Key::of(KeyCode::enter));
        text = draw(inspector);
        CHECK(text.find("re-dissected with delim:o") != std::string::npos);
        // "GET /hello" ends at its 'o' (offset 9): the first message is now 10 bytes.
        const auto& c2s = loaded.store->at(0).of(Direction::c2s);
        REQUIRE_FALSE(c2s.messages.empty());
        CHECK(c2s.messages[0].length == 10);
        // Its segment 0 ("GET /hello ") also holds the first byte of message #1.
        CHECK(text.find("#0 coalesced") != std::string::npos);
    }
    SECTION("Esc goes back to the flow list, whose filter hides non-matching flows") {
        inspector.handle_key(Key::of(KeyCode::escape));
        CHECK_FALSE(inspector.in_flow_view());
        inspector.handle_key(Key::of('/'));
        type(inspector, ":9999");
        inspector.handle_key(Key::of(KeyCode::enter));
        CHECK(draw(inspector).find("no flow matches the filter") != std::string::npos);
        CHECK(inspector.visible_flows().empty());
        inspector.handle_key(Key::of('/'));
        for (int i = 0; i < 5; ++i)
            inspector.handle_key(Key::of(KeyCode::backspace));
        type(inspector, ":8080");
        inspector.handle_key(Key::of(KeyCode::enter));
        CHECK(inspector.visible_flows().size() == 1);
    }
    SECTION("x toggles hex and q quits") {
        inspector.handle_key(Key::of('x'));
        CHECK(draw(inspector).find("47 45 54 20 2f 68 65 6c 6c 6f 20") != std::string::npos);
        CHECK(inspector.handle_key(Key::of('q')) == tui::KeyResult::quit);
    }
    std::filesystem::remove_all(dir);
}

TEST_CASE("the mouse: a click selects a flow, a click on the selection opens it, the wheel "
          "scrolls",
          "[tui]") {
    const auto dir = test::scratch_dir("tui-mouse");
    const auto generated = gencap::generate_case("fin_rst", dir.string());
    auto loaded = test::load_capture(generated.file, "lines");
    REQUIRE(loaded.store->size() >= 2);
    tui::Inspector inspector(*loaded.store);
    (void)draw(inspector);

    CHECK(inspector.handle_key(Key::click_at(0, 5)) == tui::KeyResult::ignored);  // the title
    CHECK(inspector.handle_key(Key::click_at(40, 5)) == tui::KeyResult::ignored); // no flow there
    // Row 3 is the second flow: the first click selects it, the second opens it.
    CHECK(inspector.handle_key(Key::click_at(3, 5)) == tui::KeyResult::redraw);
    CHECK_FALSE(inspector.in_flow_view());
    inspector.handle_key(Key::click_at(3, 5));
    REQUIRE(inspector.in_flow_view());
    const auto id = loaded.store->at(1).flow.id;
    CHECK(draw(inspector).find(" flow #" + std::to_string(id) + " ") != std::string::npos);
    CHECK(inspector.handle_key(Key::click_at(3, 5)) == tui::KeyResult::ignored);

    // Back in the list, the wheel moves the selection by three rows (to the last flow here).
    inspector.handle_key(Key::of(KeyCode::escape));
    REQUIRE_FALSE(inspector.in_flow_view());
    inspector.handle_key(Key::of(KeyCode::home));
    inspector.handle_key(Key::of(KeyCode::wheel_down));
    inspector.handle_key(Key::of(KeyCode::enter));
    REQUIRE(inspector.in_flow_view());
    const std::size_t expected = std::min<std::size_t>(3, loaded.store->size() - 1);
    CHECK(draw(inspector).find(" flow #" + std::to_string(loaded.store->at(expected).flow.id) +
                               " ") != std::string::npos);
}

TEST_CASE("the flow view counts requests and answers and explains a difference", "[tui]") {
    const auto dir = test::scratch_dir("tui-pairing");
    const auto file = (dir / "dns.pcap").string();
    // DNS over TCP: three queries in segments of their own, one answer.
    const auto dns = [](const std::string& body) {
        return std::string(1, '\0') + static_cast<char>(body.size()) + body;
    };
    test::write_flow_capture(file, {dns("query-0"), dns("query-1"), dns("query-2")},
                             {dns("answer-0")});
    auto loaded = test::load_capture(file, "dns-tcp");
    tui::Inspector inspector(*loaded.store);
    inspector.open(1);
    const auto text = draw(inspector);
    INFO(text);
    CHECK(text.find(" · 3 requests, 1 answer — differ, see details") != std::string::npos);
    // The details explain it, wrapped to the pane.
    CHECK(text.find("pairing: 3 requests, 1 answer (3 expected):\n") != std::string::npos);
    CHECK(text.find(" the requests came as 3 whole segments, so the\n") != std::string::npos);
    CHECK(text.find(" (segments are what the wire") != std::string::npos);
    std::filesystem::remove_all(dir);
}
