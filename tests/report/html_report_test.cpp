// The HTML report rendered in headless Chromium: its direction elements carry the counts of the
// text report, it can make no request, a hostile payload stays text, and its size is bounded.

#include "protocols/captures.hpp"
#include "report/html_page.hpp"
#include "report/report_json.hpp"
#include "report/report_support.hpp"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

namespace sniff::report::test {

namespace {

using sniff::test::read_file;
using sniff::test::scratch_dir;

bool have_chromium() {
    if (sniff::test::have_program("chromium"))
        return true;
    WARN("chromium is not installed (apt-get install chromium): the page is not rendered");
    return false;
}

std::string json_block(const std::string& html) {
    const std::string open = "<script type=\"application/json\" id=\"sniff-data\">";
    const auto begin = html.find(open);
    REQUIRE(begin != std::string::npos);
    const auto end = html.find("</script>", begin);
    REQUIRE(end != std::string::npos);
    return html.substr(begin + open.size(), end - begin - open.size());
}

std::size_t base64_decoded_size(const std::string& text) {
    const std::size_t padding = text.ends_with("==") ? 2 : text.ends_with("=") ? 1 : 0;
    return text.size() / 4 * 3 - padding;
}

} // namespace

TEST_CASE("each direction element carries the text report's message and segment counts",
          "[report][browser]") {
    const auto dir = scratch_dir("report-counts");
    const std::string capture = (dir / "demo.pcap").string();
    write_demo_capture(capture);
    const std::string html = (dir / "demo.html").string();
    build_report(capture, "struct", html);
    if (!have_chromium())
        return;
    const std::string dom = rendered_dom(html);
    REQUIRE_FALSE(dom.empty());
    CHECK(dom.find("data-rendered=\"yes\"") != std::string::npos);
    const auto from_page = dom_direction_counts(dom);
    const auto from_text = text_report_counts(capture, "struct");
    REQUIRE(from_text.size() == 2);
    CHECK(from_text.at("1/c2s") == std::pair<std::uint64_t, std::uint64_t>{4, 4});
    CHECK(from_text.at("1/s2c") == std::pair<std::uint64_t, std::uint64_t>{4, 6});
    CHECK(from_page == from_text);
    // The classes drawn: the demo has each of the four.
    const auto data = nlohmann::json::parse(json_block(read_file(html)));
    const auto& by_class = data["flows"][0]["dirs"][1]["summary"]["by_class"];
    CHECK(by_class == nlohmann::json::array({1, 1, 1, 1}));
    CHECK(data["flows"][0]["dirs"][0]["framing"]["spec"] == "len:size=4,le,signed");
    CHECK(dom.find("len:size=4,le,signed / len:size=4,le,signed") != std::string::npos);
}

TEST_CASE("the counts hold on a capture with a gap and on every generated reassembly case",
          "[report][browser]") {
    const auto dir = scratch_dir("report-gencap");
    const auto listed = sniff::test::run_command(std::string(SNIFF_GENCAP) + " '" + dir.string() +
                                                 "' lost_segment out_of_order fin_rst udp");
    REQUIRE(listed.exit_code == 0);
    if (!have_chromium())
        return;
    std::istringstream files(listed.out);
    for (std::string capture; std::getline(files, capture);) {
        INFO(capture);
        const std::string html = capture + ".html";
        build_report(capture, "lines", html);
        const auto from_page = dom_direction_counts(rendered_dom(html));
        const auto from_text = text_report_counts(capture, "lines");
        REQUIRE_FALSE(from_text.empty());
        // The page has an element for every direction, the text report only for those with data.
        for (const auto& [key, counts] : from_text) {
            INFO(key);
            REQUIRE(from_page.count(key) == 1);
            CHECK(from_page.at(key) == counts);
        }
    }
}

TEST_CASE("the counts hold on captures of real programs: Redis and the article's client/server",
          "[report][browser][real]") {
    if (!have_chromium())
        return;
    const auto dir = scratch_dir("report-real");
    std::filesystem::create_directories(dir / "redis");
    std::filesystem::create_directories(dir / "article");
    const auto redis = protocols::capture_redis(dir / "redis");
    const auto article = protocols::capture_article(dir / "article", "json-header");
    for (const auto& capture : {redis, article}) {
        INFO(capture.name);
        if (!capture.skip.empty()) {
            WARN("no capture of " + capture.name + ": " + capture.skip);
            continue;
        }
        const std::string html = capture.file.string() + ".html";
        build_report(capture.file.string(), capture.framing(), html);
        const auto from_page = dom_direction_counts(rendered_dom(html));
        const auto from_text = text_report_counts(capture.file.string(), capture.framing());
        REQUIRE_FALSE(from_text.empty());
        std::uint64_t messages = 0;
        for (const auto& [key, counts] : from_text) {
            INFO(key);
            REQUIRE(from_page.count(key) == 1);
            CHECK(from_page.at(key) == counts);
            messages += counts.first;
        }
        CHECK(messages > 0);
        // Pure ACKs and retransmissions as tshark counts them, per direction of every flow.
        if (!sniff::test::have_program("tshark"))
            continue;
        const auto tshark = tshark_control_counts(capture.file.string(), true);
        const auto data = nlohmann::json::parse(json_block(read_file(html)));
        std::uint64_t acks = 0;
        for (const auto& flow : data["flows"])
            for (const auto& lane : flow["dirs"]) {
                const std::string key =
                    lane["src"].get<std::string>() + ">" + lane["dst"].get<std::string>();
                INFO(key);
                const auto found = tshark.find(key);
                const auto expected = found == tshark.end()
                                          ? std::pair<std::uint64_t, std::uint64_t>{}
                                          : found->second;
                CHECK(lane["ctrl_seen"]["acks"] == expected.first);
                CHECK(lane["ctrl_seen"]["retransmissions"] == expected.second);
                acks += expected.first;
            }
        CHECK(acks > 0);
    }
}

TEST_CASE("the page allows no request: a default-src 'none' policy and no URL in it", "[report]") {
    const auto dir = scratch_dir("report-offline");
    const std::string capture = (dir / "demo.pcap").string();
    write_demo_capture(capture);
    const std::string html_path = (dir / "demo.html").string();
    build_report(capture, "struct", html_path);
    const std::string html = read_file(html_path);
    const std::regex policy("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src "
                            "'none'; script-src 'sha256-[A-Za-z0-9+/]+=*'; style-src "
                            "'sha256-[A-Za-z0-9+/]+=*'; img-src data:; base-uri 'none'; "
                            "form-action 'none'\">");
    CHECK(std::regex_search(html, policy));
    for (const char* reference : {"http:", "https:", "ftp:", "ws:", "wss:", "//",
                                  "src=", "href=\"h", "url(", "@import", "fetch(", "XMLHttpRequest",
                                  "WebSocket", "EventSource", "sendBeacon", "<link", "<iframe"}) {
        INFO(reference);
        // "//" opens the viewer's comments; a URL needs a scheme before it, checked above.
        if (std::string_view(reference) == "//")
            CHECK(html.find("://") == std::string::npos);
        else
            CHECK(html.find(reference) == std::string::npos);
    }
    // Exactly two script elements: the inert data block and the viewer.
    CHECK(std::regex_search(html, std::regex("<script type=\"application/json\"")));
    std::size_t scripts = 0;
    for (auto at = html.find("<script"); at != std::string::npos; at = html.find("<script", at + 1))
        ++scripts;
    CHECK(scripts == 2);
}

namespace {

// URLs a page asked Chromium's network stack for, from a net log: requests the page starts carry
// its origin as initiator ("null" for a file:// page); the browser's own background requests
// (update checks, accounts) carry "not an origin" and are left out.
std::vector<std::string> page_requests(const std::string& html_path) {
    const auto dir = scratch_dir("report-netlog-run");
    const std::string log = (dir / "net.json").string();
    const auto result = sniff::test::run_command(
        "timeout 60 chromium --headless --no-sandbox --disable-gpu --no-first-run "
        "--disable-background-networking --user-data-dir='" +
        (dir / "profile").string() + "' --log-net-log='" + log +
        "' --net-log-capture-mode=Everything --dump-dom 'file://" + html_path + "'");
    REQUIRE(result.exit_code == 0);
    const std::string net = read_file(log);
    REQUIRE(net.find("\"events\"") != std::string::npos);
    // One event per line; a request's start names its initiator and its URL.
    const auto field = [](const std::string& line, const std::string& name) {
        const std::string key = "\"" + name + "\":\"";
        const auto at = line.find(key);
        if (at == std::string::npos)
            return std::string();
        const auto from = at + key.size();
        return line.substr(from, line.find('"', from) - from);
    };
    std::vector<std::string> urls;
    std::istringstream lines(net);
    for (std::string line; std::getline(lines, line);) {
        const std::string initiator = field(line, "initiator");
        if (!initiator.empty() && initiator != "not an origin")
            urls.push_back(field(line, "url"));
    }
    std::filesystem::remove_all(dir);
    return urls;
}

} // namespace

TEST_CASE("Chromium is asked for nothing by the page while rendering it", "[report][browser]") {
    const auto dir = scratch_dir("report-netlog");
    const std::string capture = (dir / "demo.pcap").string();
    write_demo_capture(capture);
    const std::string html = (dir / "demo.html").string();
    build_report(capture, "struct", html);
    if (!have_chromium())
        return;
    // The check can see a request: a page with an image on a closed loopback port is caught.
    const std::string control = (dir / "control.html").string();
    std::ofstream(control) << "<!DOCTYPE html><img src=\"http://127.0.0.1:9/x.png\">";
    CHECK(page_requests(control) == std::vector<std::string>{"http://127.0.0.1:9/x.png"});
    CHECK(page_requests(html).empty());
}

TEST_CASE("a hostile payload stays text: no markup, no script, no changed title",
          "[report][browser]") {
    const auto dir = scratch_dir("report-hostile");
    const std::string capture = (dir / "hostile.pcap").string();
    const std::string evil = "</script><script>document.title='pwned'</script>"
                             "<img src=x onerror=\"document.title='pwned'\"><b id=\"bold\">b</b>";
    // JSON-header framing: the header's fields reach the page as text, the bytes as base64.
    const std::string header = "{\"data_size\":" + std::to_string(evil.size()) + ",\"name\":\"" +
                               "</script><img src=x onerror=alert(1)>\"}";
    std::string message(4, '\0');
    message[0] = static_cast<char>(header.size());
    message += header + evil;
    write_conversation(capture, {{model::Direction::c2s, {message, message + message}},
                                 {model::Direction::s2c, {evil + "\n"}}});
    const std::string html_path = (dir / "hostile.html").string();
    build_report(capture, "json-header", html_path);
    const std::string html = read_file(html_path);
    // The data block holds the payload only as escapes or base64.
    const std::string block = json_block(html);
    CHECK(block.find('<') == std::string::npos);
    CHECK(block.find('>') == std::string::npos);
    CHECK(block.find("\\u003c/script\\u003e\\u003cimg src=x onerror=alert(1)\\u003e") !=
          std::string::npos);
    CHECK_FALSE(nlohmann::json::parse(block, nullptr, false).is_discarded());
    if (!have_chromium())
        return;
    const std::string dom = rendered_dom(html_path);
    REQUIRE_FALSE(dom.empty());
    CHECK(dom.find("data-rendered=\"yes\"") != std::string::npos);
    CHECK(dom.find("<title>sniff report</title>") != std::string::npos);
    CHECK(dom.find("pwned") == std::string::npos);
    CHECK(dom.find("<img") == std::string::npos);
    CHECK(dom.find("id=\"bold\"") == std::string::npos);
    // The header's text is shown, as text.
    CHECK(dom.find("&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;") != std::string::npos);
}

TEST_CASE("the page draws: a screenshot of the demo capture's report", "[report][browser]") {
    const auto dir = scratch_dir("report-screenshot");
    const std::string capture = (dir / "demo.pcap").string();
    write_demo_capture(capture);
    const std::string html = (dir / "demo.html").string();
    build_report(capture, "struct", html);
    if (!have_chromium())
        return;
    const std::string png = (dir / "demo.png").string();
    CHECK(screenshot(html, png, 1280, 2200)); // tall enough for both directions' graphs
    // Kept for a look with an image viewer when SNIFF_REPORT_SCREENSHOT names a path.
    if (const char* keep = std::getenv("SNIFF_REPORT_SCREENSHOT"))
        std::filesystem::copy_file(png, keep, std::filesystem::copy_options::overwrite_existing);
}

TEST_CASE("a report stays under its stated size whatever the input, and says what it left out",
          "[report][limits]") {
    const auto dir = scratch_dir("report-limits");
    const std::string capture = (dir / "many.pcap").string();
    // 3,000 messages of 200 bytes each way, one per segment, then 60 KB messages split.
    std::vector<Exchange> exchanges;
    for (int i = 0; i < 3000; ++i) {
        exchanges.push_back({model::Direction::c2s, {std::string(199, 'q') + "\n"}});
        exchanges.push_back({model::Direction::s2c, {std::string(199, 'a') + "\n"}});
    }
    write_conversation(capture, exchanges);
    ReportLimits limits;
    limits.max_file_bytes = 200'000;
    limits.budget_bytes = 120'000;
    limits.bytes_per_direction = 4096;
    const std::string html_path = (dir / "many.html").string();
    build_report(capture, "lines", html_path, limits);
    CHECK(std::filesystem::file_size(html_path) < limits.max_file_bytes);
    const auto data = nlohmann::json::parse(json_block(read_file(html_path)));
    CHECK(data["omitted"]["budget_reached"] == true);
    const auto& c2s = data["flows"][0]["dirs"][0];
    CHECK(c2s["summary"]["messages"] == 3000); // counts cover everything
    CHECK(c2s["stats"]["segments"] == 3000);
    CHECK(c2s["segs"].size() < 3000); // rows stop at the budget
    CHECK(c2s["segs_seen"] == 3000);
    CHECK(base64_decoded_size(c2s["bytes"].get<std::string>()) <= 4096);
}

TEST_CASE("with the default caps, a page of many big IPv6 flows stays under 20 MiB",
          "[report][limits]") {
    // Events straight into the collector: 6,000 flows (past max_flows of 2,000), each direction 60
    // segments of 64 KiB carrying ten messages each, with every field at a wide value.
    ReportCollector collector("big");
    const std::string chunk(64u << 10, 'x');
    const util::Bytes bytes(reinterpret_cast<const std::byte*>(chunk.data()), chunk.size());
    model::Timestamp time = 1'700'000'000'000'000'000;
    for (std::uint64_t id = 1; id <= 6000; ++id) {
        model::Flow flow;
        flow.id = id;
        flow.client = {model::IpAddress::v6({0x20, 0x01, 0x0d, 0xb8, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
                                             11, static_cast<std::uint8_t>(id)}),
                       65000};
        flow.server = {model::IpAddress::v6(
                           {0x20, 0x01, 0x0d, 0xb8, 0xff, 0xfe, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}),
                       65001};
        flow.first_seen = time;
        for (auto& stats : flow.stats)
            stats = {1ull << 40, 1ull << 40, 1ull << 40, 1ull << 40, 1ull << 40, 1ull << 40,
                     1ull << 40, 1ull << 40, 1ull << 40, 1ull << 40, true,       true};
        collector.on_flow_open(flow);
        for (const auto direction : {model::Direction::c2s, model::Direction::s2c}) {
            collector.on_framing(
                flow, {direction, "json:size=4,le,hmax=65536", true, 0.734, true, {}, {}});
            std::uint64_t index = 0;
            for (std::uint64_t i = 0; i < 60; ++i) {
                model::SegmentInfo segment{i,
                                           1'000'000 + i,
                                           time += 123'456'789,
                                           4'000'000'000ull + i * chunk.size(),
                                           static_cast<std::uint32_t>(chunk.size()),
                                           0x18,
                                           true,
                                           4'000'000'000ull,
                                           65535};
                collector.on_data(flow, direction, segment, bytes);
                for (int k = 0; k < 10; ++k, ++index) {
                    dissect::Message message;
                    message.direction = direction;
                    message.index = index;
                    message.offset = segment.offset + k * 6553;
                    message.length = 6553;
                    message.message_class = dissect::MessageClass::coalesced_split;
                    message.header_json = std::string(400, 'h');
                    message.reason = std::string(400, 'r');
                    if (collector.wants_each_message(flow, direction))
                        collector.on_message(flow, message, {});
                }
                dissect::SegmentReport report;
                report.direction = direction;
                report.has_messages = true;
                report.last_message = 9;
                collector.on_segment(flow, report);
            }
            dissect::DirectionSummary summary;
            summary.direction = direction;
            summary.messages = index;
            summary.by_class = {1u << 30, 1u << 30, 1u << 30, 1u << 30};
            summary.stop_reason = std::string(300, 's');
            collector.on_direction_end(flow, summary);
        }
        collector.on_anomaly(
            &flow, {model::AnomalyKind::overlap_conflict, id, 1u << 31, std::string(500, 'a')});
        collector.on_flow_close(flow, reassembly::CloseReason::end_of_input);
    }
    std::ostringstream page;
    collector.write(page);
    CHECK(page.str().size() < ReportLimits{}.max_file_bytes);
    const auto data = nlohmann::json::parse(json_block(page.str()));
    CHECK(data["flows"].size() == ReportLimits{}.max_flows);
    CHECK(data["omitted"]["flows"] == 6000 - ReportLimits{}.max_flows);
    CHECK(data["omitted"]["budget_reached"] == true);
    // The last listed flow kept no detail, but its counts are all there.
    const auto& last = data["flows"].back()["dirs"][1];
    CHECK(last["segs"].empty());
    CHECK(last["segs_seen"] == 60);
    CHECK(last["summary"]["messages"] == 600);
    CHECK(last["stats"].is_object());
    INFO(data["flows"].back().dump());
    CHECK(data["flows"].back().dump().size() < k_flow_row_bytes);
}

TEST_CASE("flows past the flow cap are counted, not listed", "[report][limits]") {
    const auto dir = scratch_dir("report-flows");
    ReportLimits limits;
    limits.max_flows = 2;
    ReportCollector collector("t", limits);
    for (std::uint64_t id = 1; id <= 5; ++id) {
        model::Flow flow;
        flow.id = id;
        collector.on_flow_open(flow);
        const std::string payload = "abc";
        model::SegmentInfo segment;
        segment.length = 3;
        collector.on_data(flow, model::Direction::c2s, segment,
                          {reinterpret_cast<const std::byte*>(payload.data()), 3});
        collector.on_flow_close(flow, reassembly::CloseReason::fin);
    }
    CHECK(collector.data().flows.size() == 2);
    CHECK(collector.data().omitted.flows == 3);
    CHECK(collector.data().omitted.flow_bytes == 9);
}

TEST_CASE("base64 and the CSP hash follow RFC 4648 and SHA-256", "[report]") {
    CHECK(base64("") == "");
    CHECK(base64("f") == "Zg==");
    CHECK(base64("fo") == "Zm8=");
    CHECK(base64("foo") == "Zm9v");
    CHECK(base64("foobar") == "Zm9vYmFy");
    CHECK(base64(std::string("\xff\x00\xfe", 3)) == "/wD+");
    // echo -n abc | openssl dgst -sha256 -binary | base64
    CHECK(csp_hash("abc") == "'sha256-ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0='");
}

TEST_CASE("segments carry the ACK of the other direction as its stream offset, and the window",
          "[report]") {
    const auto dir = scratch_dir("report-acks");
    const std::string capture = (dir / "demo.pcap").string();
    write_demo_capture(capture);
    const std::string html_path = (dir / "demo.html").string();
    build_report(capture, "struct", html_path);
    const auto data = nlohmann::json::parse(json_block(read_file(html_path)));
    const auto& c2s = data["flows"][0]["dirs"][0]["segs"];
    const auto& s2c = data["flows"][0]["dirs"][1]["segs"];
    REQUIRE(c2s.size() == 4);
    REQUIRE(s2c.size() == 6);
    // [time, offset, length, flags, frame, ack offset, window]: the answer's first segment
    // acknowledges the 15-byte request; the second request acknowledges the 3,004-byte answer.
    CHECK(s2c[0][5] == 15);
    CHECK(c2s[1][5] == 3004);
    CHECK(c2s[0][5] == 0); // the first request: nothing of the answer yet
    // The windows in bytes: both SYNs announced a shift of 7, the fields say 24 and 512.
    CHECK(c2s[0][6] == 24 << 7);
    CHECK(s2c[0][6] == 512 << 7);
    CHECK(data["flows"][0]["dirs"][0]["stats"]["window_shift"] == 7);
    CHECK(data["flows"][0]["dirs"][1]["stats"]["window_shift"] == 7);
}

TEST_CASE("a report written while flows are open (a live run's Ctrl-C) shows them as open",
          "[report]") {
    ReportCollector collector("live");
    model::Flow flow;
    flow.id = 7;
    collector.on_flow_open(flow);
    const std::string payload = "PING\r\n";
    model::SegmentInfo segment;
    segment.length = static_cast<std::uint32_t>(payload.size());
    collector.on_data(flow, model::Direction::c2s, segment,
                      {reinterpret_cast<const std::byte*>(payload.data()), payload.size()});
    std::ostringstream page;
    collector.write(page);
    const auto data = nlohmann::json::parse(json_block(page.str()));
    CHECK(data["flows"][0]["close"] == "open");
    CHECK(data["flows"][0]["dirs"][0]["bytes"] == base64(payload));
}

} // namespace sniff::report::test
