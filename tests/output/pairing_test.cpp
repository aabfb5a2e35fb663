// Request/answer pairing in the text report, the summary and JSON: a DNS-over-TCP connection
// whose five queries came as five whole segments but got one answer (the server's read glued
// them), and one that pairs. Captures are written with the generator's TCP connection.

#include "capture/file_reader.hpp"
#include "dissectors/glue_hint.hpp"
#include "dissectors/pairing.hpp"
#include "gencap/case_writer.hpp"
#include "output/message_json.hpp"
#include "output/message_report.hpp"
#include "output/summary_printer.hpp"
#include "pipeline/packet_pipeline.hpp"
#include "support/process.hpp"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <sstream>

using namespace sniff;

namespace {

// A DNS-over-TCP message: 2-byte big-endian length, then the body.
std::string dns_message(const std::string& body) {
    return std::string(1, static_cast<char>(body.size() >> 8)) +
           static_cast<char>(body.size() & 0xff) + body;
}

// Flow 1 (port 40001): five queries, each its own segment, one answer. Flow 2 (port 40002): two
// queries, two answers.
void write_dns_capture(const std::string& path) {
    capture::PcapWriter writer;
    REQUIRE(writer.open(path, {}));
    const auto connection = [&](std::uint16_t port, int queries, int answers) {
        gencap::TcpCaseConnection conn(
            [&](model::Timestamp time, util::Bytes bytes, std::uint32_t original) {
                writer.write(time, bytes, original);
            },
            gencap::endpoint("10.1.1.1", port), gencap::endpoint("10.1.1.2", 53), 100, 900);
        conn.handshake();
        std::uint64_t offsets[2] = {0, 0};
        for (int i = 0; i < queries; ++i) {
            const auto query = dns_message("query-" + std::to_string(i));
            conn.send(model::Direction::c2s, offsets[0], query);
            offsets[0] += query.size();
        }
        for (int i = 0; i < answers; ++i) {
            const auto answer = dns_message("answer-" + std::to_string(i));
            conn.send(model::Direction::s2c, offsets[1], answer);
            offsets[1] += answer.size();
        }
        conn.fin(model::Direction::c2s, offsets[0]);
        conn.fin(model::Direction::s2c, offsets[1]);
    };
    connection(40001, 5, 1);
    connection(40002, 2, 2);
    REQUIRE(writer.close());
}

// Runs the capture through the outputs as the command line wires them (text report, summary, or
// JSON) and returns what they printed.
std::string output_of(const std::string& path, const std::string& view) {
    char* text = nullptr;
    std::size_t size = 0;
    std::FILE* out = open_memstream(&text, &size);
    REQUIRE(out != nullptr);
    {
        capture::CaptureError error;
        auto reader = capture::FileReader::open(path, error);
        REQUIRE(reader);
        output::SummaryPrinter summary(out, false);
        output::MessageReport report(out, view == "summary" ? output::ReportStyle::flow_lines
                                                            : output::ReportStyle::messages);
        output::JsonEventWriter json(out);
        output::MessageJsonWriter messages_json(json);
        dissect::FramingSelector selector;
        REQUIRE_FALSE(selector.add("dns-tcp"));
        dissect::MessageSink& messages =
            view == "json" ? static_cast<dissect::MessageSink&>(messages_json) : report;
        dissect::DissectorEngine engine(std::move(selector), messages);
        reassembly::SinkFanout fanout;
        fanout.add(summary);
        fanout.add(engine);
        if (view != "json")
            fanout.add(report);
        pipeline::PacketPipeline pipeline({}, fanout);
        capture::RawPacket packet;
        while (reader->next(packet))
            pipeline.add(packet);
        pipeline.finish();
        if (view != "json")
            report.print_totals();
    }
    std::fclose(out);
    std::string result(text, size);
    std::free(text);
    return result;
}

} // namespace

TEST_CASE("pairing counts requests and answers per connection and says what a shortfall means",
          "[output]") {
    const auto dir = test::scratch_dir("output-pairing");
    const auto file = (dir / "dns.pcap").string();
    write_dns_capture(file);

    SECTION("text report") {
        const auto text = output_of(file, "report");
        INFO(text);
        CHECK(text.find("  pairing: 5 requests, 1 answer (5 expected): the requests came as 5 "
                        "whole segments, so the server's reads glued them") != std::string::npos);
        CHECK(text.find("  pairing: 2 requests, 2 answers\n") != std::string::npos);
        CHECK(text.find("pairing: 1 of 2 request/answer connections with more or fewer answers "
                        "than asked") != std::string::npos);
        CHECK(text.find("note: segments are what the wire carried, not what the application "
                        "read") != std::string::npos);
        CHECK(text.find("--rechunk") != std::string::npos);
        CHECK(text.find("sniff exec") != std::string::npos);
        // Next to the messages: under the last of the five queries the one answer followed.
        const auto hint = text.find("           ^ requests #0-#4 (5) came before one answer "
                                    "(s2c #0): read together by the server?");
        REQUIRE(hint != std::string::npos);
        const auto line_start = text.rfind('\n', hint - 1);
        const auto previous = text.rfind('\n', line_start - 1);
        CHECK(text.substr(previous + 1, line_start - previous - 1).find("#4 ") !=
              std::string::npos);
        CHECK(text.find("(^ under the requests the answers point at; segments are what the wire "
                        "carried") != std::string::npos);
        // The connection that pairs has no hint.
        CHECK(text.find("           ^ ", hint + 1) == std::string::npos);
    }
    SECTION("summary: on the flow's line") {
        const auto text = output_of(file, "summary");
        INFO(text);
        std::istringstream lines(text);
        std::string line;
        std::vector<std::string> flow_lines;
        while (std::getline(lines, line))
            if (line.starts_with("#"))
                flow_lines.push_back(line);
        REQUIRE(flow_lines.size() == 2);
        CHECK(flow_lines[0].find("c2s 5 messages: 5 whole 0 coalesced 0 split 0 both · s2c 1 "
                                 "message: 1 whole 0 coalesced 0 split 0 both · 5 requests, 1 "
                                 "answer (5 expected)") != std::string::npos);
        CHECK(flow_lines[1].ends_with(" · 2 requests, 2 answers"));
    }
    SECTION("JSON: a pairing line per connection") {
        const auto text = output_of(file, "json");
        std::istringstream lines(text);
        std::vector<nlohmann::json> pairings;
        for (std::string line; std::getline(lines, line);) {
            auto event = nlohmann::json::parse(line);
            if (event["type"] == "pairing")
                pairings.push_back(event);
        }
        REQUIRE(pairings.size() == 2);
        std::vector<nlohmann::json> hints;
        std::istringstream again(text);
        for (std::string line; std::getline(again, line);) {
            auto event = nlohmann::json::parse(line);
            if (event["type"] == "glue_hint")
                hints.push_back(event);
        }
        REQUIRE(hints.size() == 1);
        CHECK(hints[0]["flow"] == 1);
        CHECK(hints[0]["first_request"] == 0);
        CHECK(hints[0]["last_request"] == 4);
        CHECK(hints[0]["answer"] == 0);
        CHECK(pairings[0]["flow"] == 1);
        CHECK(pairings[0]["requests"] == 5);
        CHECK(pairings[0]["answers"] == 1);
        CHECK(pairings[0]["expected_answers"] == 5);
        CHECK(pairings[0]["agree"] == false);
        CHECK(pairings[0]["requests_whole"] == true);
        CHECK(pairings[1]["agree"] == true);
    }
    std::filesystem::remove_all(dir);
}

TEST_CASE("pairing applies only to framings with a request/answer shape", "[output]") {
    CHECK(dissect::pair_shape("len:size=2,be")); // dns-tcp
    CHECK(dissect::pair_shape("json:size=4,le"));
    CHECK_FALSE(dissect::pair_shape("delim:\\n"));
    CHECK_FALSE(dissect::pair_shape("raw"));
    dissect::DirectionSummary c2s, s2c;
    c2s.spec = s2c.spec = "len:size=2,be";
    c2s.messages = 3;
    c2s.by_class[1] = 3; // coalesced: the glue may be on the wire already
    s2c.messages = 1;
    auto pairing = dissect::pair_messages(c2s, s2c);
    REQUIRE(pairing);
    CHECK(dissect::pairing_text(*pairing) ==
          "3 requests, 1 answer (3 expected): a reader glued or dropped messages, or answers are "
          "still missing");
    s2c.messages = 0;
    CHECK(dissect::pairing_text(*dissect::pair_messages(c2s, s2c)) ==
          "3 requests, 0 answers (3 expected): no answer came");
    s2c.spec = "delim:\\n"; // the directions framed apart: nothing to pair
    CHECK_FALSE(dissect::pair_messages(c2s, s2c));
}

TEST_CASE("glue hints group the requests by the answer that followed them", "[output]") {
    const dissect::PairShape one_to_one{1, 1};
    // Requests end at 1, 2, 3, 5, 7, 8; answers begin at 4 and 6.
    const std::vector<model::Timestamp> requests{1, 2, 3, 5, 7, 8};
    const std::vector<model::Timestamp> answers{4, 6};
    const auto hints = dissect::glue_hints(requests, answers, one_to_one);
    REQUIRE(hints.size() == 2);
    CHECK(hints[0].first_request == 0);
    CHECK(hints[0].last_request == 2);
    CHECK(hints[0].answer == std::optional<std::uint64_t>(0));
    CHECK(hints[1].first_request == 4);
    CHECK(hints[1].last_request == 5);
    CHECK_FALSE(hints[1].answer);
    CHECK(dissect::glue_hint_text(hints[1]) == "requests #4-#5 got no answer");
    // As many answers as requests: no hint, however they interleave (pipelining).
    CHECK(dissect::glue_hints(requests, std::vector<model::Timestamp>{9, 9, 9, 9, 9, 9}, one_to_one)
              .empty());
}
