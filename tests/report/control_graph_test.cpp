// The time-sequence graph's pure ACKs and retransmissions (StreamSink::on_control): counted per
// direction as tshark counts them (`tcp.len==0 && tcp.flags.ack==1`, `tcp.analysis.
// retransmission`), kept within their cap, and drawn by the page in headless Chromium.

#include "gencap/cases.hpp"
#include "pipeline/origin_sink.hpp"
#include "report/report_support.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

namespace sniff::report::test {

namespace {

using sniff::test::scratch_dir;

// The generator's single-flow cases: client port 40000, server port 8080, tshark stream 0.
ControlCounts expected_from_tshark(const std::string& capture) {
    const auto tshark = tshark_control_counts(capture);
    const auto at = [&](const std::string& key) {
        const auto found = tshark.find(key);
        return found == tshark.end() ? std::pair<std::uint64_t, std::uint64_t>{} : found->second;
    };
    return {{"1/c2s", at("0/40000")}, {"1/s2c", at("0/8080")}};
}

ControlCounts page_counts(const nlohmann::json& data) {
    ControlCounts counts;
    for (const auto& flow : data["flows"])
        for (const auto& dir : flow["dirs"])
            counts[std::to_string(flow["id"].get<int>()) + "/" + dir["name"].get<std::string>()] = {
                dir["ctrl_seen"]["acks"], dir["ctrl_seen"]["retransmissions"]};
    return counts;
}

} // namespace

TEST_CASE("the generated ACK and retransmission capture holds what it was made with",
          "[report][tshark]") {
    if (!sniff::test::have_program("tshark")) {
        WARN("tshark is not installed: no oracle for the ACK and retransmission counts");
        return;
    }
    const auto dir = scratch_dir("report-controls-case");
    const auto generated = gencap::generate_case("acks_retransmissions", dir.string());
    const std::string html = generated.file + ".html";
    build_report(generated.file, "lines", html);
    const auto counts = page_counts(page_data(html));
    // By construction: the client sends 18 pure ACKs (3 duplicates, a zero window and the window
    // update among them), the server 2 (SYN+ACK, FIN) and 3 retransmissions (after duplicate
    // ACKs, after a timeout, and a resend with new bytes behind it).
    using Pair = std::pair<std::uint64_t, std::uint64_t>;
    CHECK(counts.at("1/c2s") == Pair{18, 0});
    CHECK(counts.at("1/s2c") == Pair{2, 3});
    CHECK(counts == expected_from_tshark(generated.file));
    const auto data = page_data(html);
    CHECK(data["flows"][0]["dirs"][0]["ctrl_seen"]["window_updates"] == 1);
    // [time, kind, offset, length, flags, frame, ack, window]: the fast retransmission resends
    // the 1,000 bytes at offset 6,000; the window update acknowledges 17,000 bytes.
    const auto& retransmitted = data["flows"][0]["dirs"][1]["ctrl"];
    REQUIRE(retransmitted.size() == 5);
    std::vector<nlohmann::json> resent;
    for (const auto& note : retransmitted)
        if (note[1] == 2)
            resent.push_back(note);
    REQUIRE(resent.size() == 3);
    CHECK(resent[0][2] == 6000);
    CHECK(resent[0][3] == 1000);
    CHECK(resent[2][2] == 15000);
    CHECK(resent[2][3] == 2000);
    bool update_seen = false;
    for (const auto& note : data["flows"][0]["dirs"][0]["ctrl"])
        if (note[1] == 1) {
            update_seen = true;
            CHECK(note[6] == 17000);
            CHECK(note[7] == 65535);
        }
    CHECK(update_seen);
}

TEST_CASE("pure ACKs and retransmissions per direction equal tshark's on the generated cases",
          "[report][tshark][browser]") {
    if (!sniff::test::have_program("tshark")) {
        WARN("tshark is not installed: no oracle for the ACK and retransmission counts");
        return;
    }
    const auto dir = scratch_dir("report-controls");
    const bool chromium = sniff::test::have_program("chromium");
    if (!chromium)
        WARN("chromium is not installed (apt-get install chromium): the page is not rendered");
    for (const char* name : {"acks_retransmissions", "retransmission", "retransmission_extra",
                             "out_of_order", "partial_overlap", "keepalive", "zero_window_probe",
                             "lost_segment", "in_order", "syn_with_data"}) {
        INFO(name);
        const auto generated = gencap::generate_case(name, dir.string());
        const std::string html = generated.file + ".html";
        build_report(generated.file, "lines", html);
        const auto expected = expected_from_tshark(generated.file);
        CHECK(page_counts(page_data(html)) == expected);
        if (!chromium)
            continue;
        const std::string dom = rendered_dom(html);
        REQUIRE(dom.find("data-rendered=\"yes\"") != std::string::npos);
        CHECK(dom_control_counts(dom) == expected);
        // Each direction's graph draws the peer's pure ACKs and its own retransmissions (a
        // direction without data has no graph).
        for (const auto& [direction, drawn] : dom_graph_counts(dom)) {
            INFO(direction);
            const std::string peer = direction == "c2s" ? "1/s2c" : "1/c2s";
            CHECK(drawn.first == expected.at(peer).first);
            CHECK(drawn.second == expected.at("1/" + direction).second);
        }
    }
}

TEST_CASE("the ACKs and retransmissions kept are capped, and the page says so",
          "[report][limits][browser]") {
    const auto dir = scratch_dir("report-controls-cap");
    const auto generated = gencap::generate_case("acks_retransmissions", dir.string());
    const std::string html = generated.file + ".html";
    ReportLimits limits;
    limits.controls_per_direction = 5;
    build_report(generated.file, "lines", html, limits);
    const auto data = page_data(html);
    const auto& c2s = data["flows"][0]["dirs"][0];
    CHECK(c2s["ctrl"].size() == 5);
    CHECK(c2s["ctrl_seen"]["acks"] == 18); // counted in full
    CHECK(data["limits"]["controls"] == 5);
    if (!sniff::test::have_program("chromium"))
        return;
    const std::string dom = rendered_dom(html);
    CHECK(dom.find("only the first 5 of 18 pure ACKs and retransmissions of this direction are "
                   "drawn") != std::string::npos);
}

TEST_CASE("a source's control events reach the report through its OriginSink, relabelled",
          "[report]") {
    ReportCollector collector("two sources");
    pipeline::FlowIds ids;
    ids.next(); // another source's flow took run-wide id 1
    pipeline::OriginSink origin(ids, model::FlowOrigin::capture, collector);
    model::Flow flow;
    flow.id = 1; // the source's own numbering
    flow.protocol = model::Protocol::tcp;
    origin.on_flow_open(flow);
    model::ControlNote note;
    note.kind = model::ControlKind::retransmission;
    note.length = 10;
    origin.on_control(flow, model::Direction::s2c, note);
    REQUIRE(collector.data().flows.size() == 1);
    const auto& record = collector.data().flows[0];
    CHECK(record.flow.id == 2);
    CHECK(record.of(model::Direction::s2c).retransmissions_seen == 1);
    CHECK(record.of(model::Direction::s2c).controls.size() == 1);
}

} // namespace sniff::report::test
