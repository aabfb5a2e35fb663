// The HTML report in headless Firefox (Debian's firefox-esr), beside the Chromium tests: it draws
// (its --screenshot has the ladder's and the graph's colours), and read through WebDriver BiDi its
// DOM carries the same counts as in Chromium — the text report's messages and segments, tshark's
// pure ACKs and retransmissions.

#include "gencap/cases.hpp"
#include "report/report_support.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

namespace sniff::report::test {

namespace {

using sniff::test::scratch_dir;

// firefox_page.py's look at a page (see there), or null when Firefox could not be run.
nlohmann::json firefox_look(const std::string& html, const std::string& png) {
    // Debian's Python, where python3-websockets lives.
    const auto result = sniff::test::run_command(
        "timeout 900 /usr/bin/python3 '" + std::string(SNIFF_SOURCE_DIR) +
        "/tests/report/firefox_page.py' '" + html + "' '" + png + "' 1280 2200");
    INFO(result.err);
    if (result.exit_code != 0)
        return nullptr;
    return nlohmann::json::parse(result.out, nullptr, false);
}

std::uint64_t number(const nlohmann::json& text) {
    return std::stoull(text.get<std::string>());
}

} // namespace

TEST_CASE("the report renders in headless Firefox with the same counts as in Chromium",
          "[report][browser][firefox]") {
    if (!sniff::test::have_program("firefox-esr")) {
        WARN("firefox-esr is not installed (apt-get install firefox-esr): not rendered in "
             "Firefox");
        return;
    }
    const auto dir = scratch_dir("report-firefox");
    const auto generated = gencap::generate_case("acks_retransmissions", dir.string());
    const std::string html = generated.file + ".html";
    build_report(generated.file, "lines", html);
    const auto look = firefox_look(html, (dir / "firefox.png").string());
    REQUIRE_FALSE(look.is_null());
    INFO(look.dump());

    // The --screenshot: the ladder's segment and message lanes, the graph's data bars and pure
    // ACKs are drawn (the window is tall enough for the second direction's graph) (each covers
    // thousands of pixels of its own colour at 1280 px wide; the legend's swatches and the
    // overview's class bars only some hundreds).
    const auto& pixels = look["screenshot"];
    CHECK(pixels["width"] == 1280);
    CHECK(pixels["segments"].get<int>() > 5000);
    CHECK(pixels["messages"].get<int>() > 5000);
    CHECK(pixels["data"].get<int>() > 200);
    CHECK(pixels["acks"].get<int>() > 30); // the pure ACKs' dots (the line is anti-aliased)

    // The DOM, read through WebDriver BiDi.
    if (look.contains("bidi_error")) {
        WARN("Firefox's WebDriver BiDi did not answer, the DOM is not checked: " +
             look["bidi_error"].get<std::string>());
        return;
    }
    const auto& dom = look["dom"];
    CHECK(dom["title"] == "sniff report");
    CHECK(dom["images"] == 0);
    CHECK(dom["pixels"]["segments"].get<int>() > 5000);
    const auto text = text_report_counts(generated.file, "lines");
    const auto tshark = tshark_control_counts(generated.file);
    REQUIRE(dom["cells"].size() == 2);
    for (const auto& cell : dom["cells"]) {
        const std::string key =
            cell["flow"].get<std::string>() + "/" + cell["direction"].get<std::string>();
        INFO(key);
        REQUIRE(text.count(key) == 1);
        CHECK(number(cell["messages"]) == text.at(key).first);
        CHECK(number(cell["segments"]) == text.at(key).second);
        const auto port = cell["direction"] == "c2s" ? "0/40000" : "0/8080";
        if (tshark.count(port) == 1) { // no tshark: the Chromium tests cover these
            CHECK(number(cell["acks"]) == tshark.at(port).first);
            CHECK(number(cell["retransmissions"]) == tshark.at(port).second);
        }
    }
    REQUIRE(dom["graphs"].size() == 2);
    CHECK(dom["graphs"][1]["direction"] == "s2c");
    CHECK(number(dom["graphs"][1]["pureAcks"]) == 18);
    CHECK(number(dom["graphs"][1]["retransmissions"]) == 3);
}

} // namespace sniff::report::test
