#pragma once
// Test support for the HTML report: captures written through the project's synthesizer (the
// proxy's -w writer), a report built from a capture through the real pipeline, and headless
// Chromium to run the page's script and dump the DOM it builds.

#include "report/report_collector.hpp"
#include "support/process.hpp"

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace sniff::report::test {

// One message of a synthesized conversation: its bytes and how they are cut into segments.
struct Exchange {
    model::Direction direction = model::Direction::c2s;
    std::vector<std::string> segments; // payloads, one TCP segment each
};

// The window scale a conversation's handshake announces (none by default) and the raw window
// fields each direction advertises after it.
struct ConversationWindows {
    std::optional<std::uint8_t> shift;
    std::uint16_t c2s = 65535;
    std::uint16_t s2c = 65535;
};

// Writes a TCP conversation (handshake, the exchanges, FIN) as a pcap, 1 ms between segments.
void write_conversation(const std::string& path, const std::vector<Exchange>& exchanges,
                        std::uint16_t client_port = 40001, std::uint16_t server_port = 9000,
                        const ConversationWindows& windows = {});

// A struct-framed (4-byte little-endian length) exchange with whole, coalesced and split
// messages both ways, like the demo's; two connections.
void write_demo_capture(const std::string& path);

// Builds the report of a capture through PacketPipeline, DissectorEngine (framing spec) and
// the collector; writes it to html_path. The only place the tests touch the pipeline.
void build_report(const std::string& capture, const std::string& framing,
                  const std::string& html_path, const ReportLimits& limits = {});

// The page's data: the JSON block the viewer draws from.
nlohmann::json page_data(const std::string& html_path);

// The DOM after the page's scripts ran (chromium --headless --dump-dom); empty when Chromium
// failed. screenshot_path, when given, also gets a PNG of the page.
std::string rendered_dom(const std::string& html_path);
bool screenshot(const std::string& html_path, const std::string& png_path, int width, int height);

// Per "flow/direction" (e.g. "1/c2s"): {messages, segments}.
using DirectionCounts = std::map<std::string, std::pair<std::uint64_t, std::uint64_t>>;
// From the elements of class "direction" in a dumped DOM.
DirectionCounts dom_direction_counts(const std::string& dom);
// Per key: {pure ACKs (window updates included), retransmissions}.
using ControlCounts = std::map<std::string, std::pair<std::uint64_t, std::uint64_t>>;
// Sent per direction, from the overview's direction elements; keys "flow/direction".
ControlCounts dom_control_counts(const std::string& dom);
// Drawn in each time-sequence graph of the selected flow: the peer's pure ACKs and the
// direction's retransmissions; keys "c2s", "s2c".
ControlCounts dom_graph_counts(const std::string& dom);
// tshark's `tcp.len==0 && tcp.flags.ack==1` and `tcp.analysis.retransmission` packets, keys
// "tcp.stream/source port", or with by_endpoints "src:port>dst:port" (IPv4).
ControlCounts tshark_control_counts(const std::string& capture, bool by_endpoints = false);
// From sniff's text report of the same capture and framing (directions it lists).
DirectionCounts text_report_counts(const std::string& capture, const std::string& framing);

} // namespace sniff::report::test
