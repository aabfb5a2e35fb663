// Test support for the HTML report (see report_support.hpp).

#include "report/report_support.hpp"

#include "capture/file_reader.hpp"
#include "capture/pcap_writer.hpp"
#include "dissectors/message_fanout.hpp"
#include "pipeline/packet_pipeline.hpp"
#include "synth/conversation.hpp"

#include <catch2/catch.hpp>
#include <regex>
#include <sstream>

namespace sniff::report::test {

namespace {

util::Bytes bytes_of(const std::string& text) {
    return {reinterpret_cast<const std::byte*>(text.data()), text.size()};
}

std::string le32_message(const std::string& body) {
    std::string out(4, '\0');
    for (int i = 0; i < 4; ++i)
        out[static_cast<std::size_t>(i)] = static_cast<char>((body.size() >> (8 * i)) & 0xff);
    return out + body;
}

// Chromium with a throw-away profile; stderr is dropped (it logs dbus and GPU noise).
std::string chromium(const std::string& arguments, const std::string& html_path) {
    const auto profile = sniff::test::scratch_dir("chromium-profile");
    const std::string command = "timeout 60 chromium --headless --no-sandbox --disable-gpu "
                                "--no-first-run --user-data-dir='" +
                                profile.string() + "' " + arguments + " 'file://" +
                                std::filesystem::absolute(html_path).string() + "'";
    const auto result = sniff::test::run_command(command);
    std::filesystem::remove_all(profile);
    return result.exit_code == 0 ? result.out : std::string();
}

} // namespace

void write_conversation(const std::string& path, const std::vector<Exchange>& exchanges,
                        std::uint16_t client_port, std::uint16_t server_port,
                        const ConversationWindows& windows) {
    capture::PcapWriter writer;
    REQUIRE(writer.open(path, {}));
    const auto output = [&](model::Timestamp time, util::Bytes headers, util::Bytes payload) {
        writer.write(time, headers, payload);
    };
    synth::TcpConversation conversation(
        output, model::Endpoint{model::IpAddress::v4(0x7f000001), client_port},
        model::Endpoint{model::IpAddress::v4(0x7f000001), server_port});
    model::Timestamp time = 1'700'000'000'000'000'000;
    if (windows.shift) {
        conversation.set_window_scale(*windows.shift);
        conversation.set_window(model::Direction::c2s, windows.c2s);
        conversation.set_window(model::Direction::s2c, windows.s2c);
    }
    conversation.handshake(time);
    for (const auto& exchange : exchanges)
        for (const auto& segment : exchange.segments)
            conversation.data(exchange.direction, time += 1'000'000, bytes_of(segment));
    conversation.fin(model::Direction::c2s, time += 1'000'000);
    conversation.fin(model::Direction::s2c, time += 1'000'000);
    REQUIRE(writer.close());
}

void write_demo_capture(const std::string& path) {
    using model::Direction;
    const std::string a = le32_message("GET /config"), b = le32_message("GET /users"),
                      c = le32_message("PUT /users/7 {\"name\":\"ada\"}");
    const std::string answer = le32_message(std::string(3000, 'x'));
    const std::string small = le32_message("ok"), other = le32_message("{\"users\":[1,2,7]}");
    std::vector<Exchange> exchanges{
        {Direction::c2s, {a}}, // whole
        {Direction::s2c,
         {answer.substr(0, 1024), answer.substr(1024, 1024),
          answer.substr(2048)}},                                         // split in three
        {Direction::c2s, {b + c}},                                       // two coalesced
        {Direction::s2c, {small + other.substr(0, 9), other.substr(9)}}, // coalesced + split
        {Direction::c2s, {a.substr(0, 2), a.substr(2)}},                 // split header
        {Direction::s2c, {small}},
    };
    // Both ends scale windows by 128, as Linux does; the client's 3 KiB window is what holds
    // the server's long answer back (drawn as the yellow line over it).
    write_conversation(path, exchanges, 40001, 9000, {7, 24, 512});
}

void build_report(const std::string& capture_path, const std::string& framing,
                  const std::string& html_path, const ReportLimits& limits) {
    capture::CaptureError open_error;
    auto reader = capture::FileReader::open(capture_path, open_error);
    REQUIRE(reader);
    dissect::FramingSelector selector;
    REQUIRE_FALSE(selector.add(framing).has_value());
    ReportCollector collector(std::filesystem::path(capture_path).filename().string(), limits);
    dissect::MessageFanout messages;
    messages.add(collector);
    dissect::DissectorEngine engine(std::move(selector), messages);
    reassembly::SinkFanout events;
    events.add(engine);
    events.add(collector); // after the engine: direction summaries come before the close
    reassembly::ReassemblyConfig config;
    config.control_events = true; // as --report asks
    pipeline::PacketPipeline pipeline(config, events);
    capture::RawPacket packet;
    while (reader->next(packet))
        pipeline.add(packet);
    pipeline.finish();
    std::string error;
    REQUIRE(collector.write(html_path, error));
}

nlohmann::json page_data(const std::string& html_path) {
    const std::string html = sniff::test::read_file(html_path);
    const std::string open = "<script type=\"application/json\" id=\"sniff-data\">";
    const auto begin = html.find(open);
    REQUIRE(begin != std::string::npos);
    const auto end = html.find("</script>", begin);
    return nlohmann::json::parse(html.substr(begin + open.size(), end - begin - open.size()));
}

std::string rendered_dom(const std::string& html_path) {
    return chromium("--dump-dom", html_path);
}

bool screenshot(const std::string& html_path, const std::string& png_path, int width, int height) {
    std::filesystem::remove(png_path);
    chromium("--hide-scrollbars --window-size=" + std::to_string(width) + "," +
                 std::to_string(height) + " --screenshot='" + png_path + "'",
             html_path);
    return std::filesystem::exists(png_path) && std::filesystem::file_size(png_path) > 10000;
}

DirectionCounts dom_direction_counts(const std::string& dom) {
    // The viewer sets the data attributes in this order (dataset keeps insertion order).
    const std::regex element(
        "<td class=\"direction\" data-flow=\"(\\d+)\" data-direction=\"(c2s|s2c)\" "
        "data-messages=\"(\\d+)\" data-segments=\"(\\d+)\"");
    DirectionCounts counts;
    for (auto it = std::sregex_iterator(dom.begin(), dom.end(), element);
         it != std::sregex_iterator(); ++it) {
        const auto& match = *it;
        counts[match[1].str() + "/" + match[2].str()] = {std::stoull(match[3].str()),
                                                         std::stoull(match[4].str())};
    }
    return counts;
}

ControlCounts dom_control_counts(const std::string& dom) {
    const std::regex cell("<td class=\"direction\" data-flow=\"(\\d+)\" "
                          "data-direction=\"(c2s|s2c)\" data-messages=\"\\d+\" "
                          "data-segments=\"\\d+\" data-acks=\"(\\d+)\" "
                          "data-retransmissions=\"(\\d+)\"");
    ControlCounts counts;
    for (auto it = std::sregex_iterator(dom.begin(), dom.end(), cell); it != std::sregex_iterator();
         ++it)
        counts[(*it)[1].str() + "/" + (*it)[2].str()] = {std::stoull((*it)[3].str()),
                                                         std::stoull((*it)[4].str())};
    return counts;
}

ControlCounts dom_graph_counts(const std::string& dom) {
    const std::regex graph("<canvas class=\"tsg\" data-direction=\"(c2s|s2c)\" "
                           "data-pure-acks=\"(\\d+)\" data-retransmissions=\"(\\d+)\"");
    ControlCounts counts;
    for (auto it = std::sregex_iterator(dom.begin(), dom.end(), graph);
         it != std::sregex_iterator(); ++it)
        counts[(*it)[1].str()] = {std::stoull((*it)[2].str()), std::stoull((*it)[3].str())};
    return counts;
}

ControlCounts tshark_control_counts(const std::string& capture, bool by_endpoints) {
    ControlCounts counts;
    const std::string fields =
        by_endpoints ? " -E separator=, -e ip.src -e tcp.srcport -e ip.dst -e tcp.dstport"
                     : " -e tcp.stream -e tcp.srcport";
    const auto count = [&](const std::string& filter, bool acks) {
        const auto result = sniff::test::run_command("tshark -n -r '" + capture + "' -Y '" +
                                                     filter + "' -T fields" + fields);
        REQUIRE(result.exit_code == 0);
        std::istringstream lines(result.out);
        for (std::string line; std::getline(lines, line);) {
            std::string key;
            if (by_endpoints) { // "src,sport,dst,dport" -> "src:sport>dst:dport"
                std::vector<std::string> parts;
                std::istringstream fields_of(line);
                for (std::string part; std::getline(fields_of, part, ',');)
                    parts.push_back(part);
                if (parts.size() != 4)
                    continue;
                key = parts[0] + ":" + parts[1] + ">" + parts[2] + ":" + parts[3];
            } else {
                std::istringstream words(line);
                std::string stream, port;
                if (!(words >> stream >> port))
                    continue;
                key = stream + "/" + port;
            }
            auto& pair = counts[key];
            (acks ? pair.first : pair.second) += 1;
        }
    };
    count("tcp.len==0 && tcp.flags.ack==1", true);
    count("tcp.analysis.retransmission", false);
    return counts;
}

DirectionCounts text_report_counts(const std::string& capture, const std::string& framing) {
    const auto result = sniff::test::run_command(std::string(SNIFF_BIN) + " -r '" + capture +
                                                 "' --framing '" + framing + "'");
    REQUIRE(result.exit_code == 0);
    const std::regex flow_line("^flow #(\\d+) ");
    const std::regex direction_line("^  (c2s|s2c) \\S+ -> \\S+  \\d+ B in (\\d+) segments?");
    const std::regex messages_line("^    (\\d+) messages?: ");
    DirectionCounts counts;
    std::string flow, key;
    std::istringstream lines(result.out);
    for (std::string line; std::getline(lines, line);) {
        std::smatch match;
        if (std::regex_search(line, match, flow_line)) {
            flow = match[1].str();
        } else if (std::regex_search(line, match, direction_line)) {
            key = flow + "/" + match[1].str();
            counts[key] = {0, std::stoull(match[2].str())};
        } else if (std::regex_search(line, match, messages_line) && !key.empty()) {
            counts[key].first = std::stoull(match[1].str());
        }
    }
    return counts;
}

} // namespace sniff::report::test
