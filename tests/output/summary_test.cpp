// The text summary with a framing (`--summary --framing ...`): one line per flow with the message
// counts and classes of each direction, then totals, never the per-message report. Fed from a
// capture of the project's generator through the same pipeline the command line builds.

#include "capture/file_reader.hpp"
#include "dissectors/engine.hpp"
#include "gencap/cases.hpp"
#include "output/message_report.hpp"
#include "output/summary_printer.hpp"
#include "pipeline/packet_pipeline.hpp"
#include "support/process.hpp"

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <sstream>

using namespace sniff;

namespace {

// Runs a capture through SummaryPrinter + engine + MessageReport wired as OutputSet wires them,
// and returns what they printed.
std::string report_of(const std::string& path, const std::string& framing,
                      output::ReportStyle style) {
    char* text = nullptr;
    std::size_t size = 0;
    std::FILE* out = open_memstream(&text, &size);
    REQUIRE(out != nullptr);
    {
        capture::CaptureError error;
        auto reader = capture::FileReader::open(path, error);
        REQUIRE(reader);
        output::SummaryPrinter summary(out, false);
        output::MessageReport report(out, style);
        dissect::FramingSelector selector;
        REQUIRE_FALSE(selector.add(framing));
        dissect::DissectorEngine engine(std::move(selector), report);
        reassembly::SinkFanout fanout;
        fanout.add(summary);
        fanout.add(engine);
        fanout.add(report); // after the engine: a flow's line prints after its messages
        pipeline::PacketPipeline pipeline({}, fanout);
        capture::RawPacket packet;
        while (reader->next(packet))
            pipeline.add(packet);
        pipeline.finish();
        summary.print_totals("in_order.pcap");
        report.print_totals();
    }
    std::fclose(out);
    std::string result(text, size);
    std::free(text);
    return result;
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        lines.push_back(line);
    return lines;
}

} // namespace

TEST_CASE("the summary with a framing prints one line per flow with its message classes",
          "[output]") {
    const auto dir = test::scratch_dir("output-summary");
    const auto generated = gencap::generate_case("in_order", dir.string());
    const auto text = report_of(generated.file, "lines", output::ReportStyle::flow_lines);
    INFO(text);
    const auto lines = lines_of(text);
    // Header, the flow's line, the totals line, the message totals.
    REQUIRE(lines.size() == 4);
    CHECK(lines[0].rfind("flow  proto client -> server", 0) == 0);
    CHECK(lines[0].find("messages") != std::string::npos);
    CHECK(lines[1].rfind("#1    tcp   10.0.0.1:40000 -> 10.0.0.2:8080", 0) == 0);
    // c2s: the request line split over two segments, then a whole blank line; s2c: the status
    // and blank lines coalesced in one segment, the body line alone and never ended (truncated).
    CHECK(lines[1].find("  c2s 2 messages: 1 whole 0 coalesced 1 split 0 both · "
                        "s2c 3 messages: 1 whole 2 coalesced 0 split 0 both, 1 bad") !=
          std::string::npos);
    CHECK(lines[2].rfind("in_order.pcap: 1 flow, ", 0) == 0);
    CHECK(lines[2].find(", 0 gaps, 0 retransmissions, 0 out-of-order, 0 anomalies") !=
          std::string::npos);
    CHECK(lines[3] == "5 messages: 2 whole, 2 coalesced, 1 split, 0 coalesced+split, 1 bad");
    // Nothing of the per-message report.
    CHECK(text.find("    #0") == std::string::npos);
    CHECK(text.find("\n    segs  ") == std::string::npos);
    std::filesystem::remove_all(dir);
}

TEST_CASE("the message report agrees in number: 1 segment, 1 message", "[output]") {
    const auto dir = test::scratch_dir("output-plural");
    const auto generated = gencap::generate_case("in_order", dir.string());
    // The whole capture as one message a direction: one segment carried the last of each.
    const auto text = report_of(generated.file, "delim:\\n\\r\\n", output::ReportStyle::messages);
    INFO(text);
    CHECK(text.find(" 1 segments") == std::string::npos);
    CHECK(text.find(" 1 messages") == std::string::npos);
    CHECK(text.find("1 message:") != std::string::npos);
    CHECK(text.find("in 3 segments") != std::string::npos);
    std::filesystem::remove_all(dir);
}
