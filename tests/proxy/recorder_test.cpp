// -w output: the proxied traffic written as synthesized frames and read back by tshark and by
// our own capture reader.
#include "capture/file_reader.hpp"
#include "proxy/pcap_recorder.hpp"
#include "proxy/support.hpp"

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <sys/socket.h>
#include <unistd.h>

using namespace sniff;
using namespace sniff::proxy;
using namespace sniff::proxy::test;

namespace {

std::string random_text(std::size_t size, unsigned seed) {
    std::string text(size, '\0');
    for (auto& c : text) {
        seed = seed * 1103515245u + 12345u;
        c = static_cast<char>(seed >> 16);
    }
    return text;
}

// Decodes hex text ("68656c") into bytes.
std::string from_hex(const std::string& hex) {
    std::string bytes;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
        bytes.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
    return bytes;
}

// tshark's follow,tcp,raw: one hex line per segment, the second node's lines indented by a tab.
bool tshark_follow(const std::string& path, std::string& c2s, std::string& s2c) {
    const std::string command = "tshark -r " + path + " -q -z follow,tcp,raw,0 2>/dev/null";
    std::FILE* pipe = popen(command.c_str(), "r");
    if (!pipe)
        return false;
    char* line = nullptr;
    std::size_t capacity = 0;
    bool in_data = false;
    // Lines are as long as a segment's hex (130 KB for 64 KiB): getline grows the buffer.
    while (getline(&line, &capacity, pipe) > 0) {
        std::string text(line);
        while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
            text.pop_back();
        if (text.starts_with("Node 1:")) {
            in_data = true;
            continue;
        }
        if (!in_data || text.starts_with("====="))
            continue;
        if (text.starts_with("\t"))
            s2c += from_hex(text.substr(1));
        else
            c2s += from_hex(text);
    }
    std::free(line);
    return pclose(pipe) == 0;
}

} // namespace

TEST_CASE("recorded pcap gives back the exact proxied bytes", "[proxy]") {
    const std::string path = "/tmp/sniff-proxy-recorder-" + std::to_string(getpid()) + ".pcap";
    capture::PcapWriter writer;
    capture::PcapFileOptions file_options;
    file_options.nanosecond = true;
    REQUIRE(writer.open(path, file_options));
    PcapRecorder recorder(writer);

    std::uint16_t upstream_port = 0;
    const int listener = listen_tcp(upstream_port);
    const std::string request = random_text(100000, 1); // several reads, some over 64 KiB total
    const std::string response = random_text(70000, 2);
    {
        Harness harness({tcp_spec(upstream_port)}, ProxyOptions{}, &recorder);
        const int client = connect_tcp(harness.port());
        const int server = accept_tcp(listener);
        REQUIRE((client >= 0 && server >= 0));
        REQUIRE(send_all(client, request.data(), request.size()));
        shutdown(client, SHUT_WR);
        REQUIRE(send_all(server, response.data(), response.size()));
        shutdown(server, SHUT_WR);
        int error = 0;
        CHECK(read_to_eof(server, error).size == request.size());
        CHECK(read_to_eof(client, error).size == response.size());
        REQUIRE(harness.sink.wait_closed(1));
        close(client);
        close(server);
    }
    close(listener);
    REQUIRE(writer.close());

    std::string c2s, s2c;
    REQUIRE(tshark_follow(path, c2s, s2c));
    CHECK(c2s.size() == request.size());
    CHECK(s2c.size() == response.size());
    CHECK(c2s == request);
    CHECK(s2c == response);

    // Our reader sees every frame written: handshake, data segments, two FINs.
    capture::CaptureError error;
    auto reader = capture::FileReader::open(path, error);
    REQUIRE(reader);
    capture::RawPacket packet;
    std::uint64_t frames = 0;
    while (reader->next(packet)) {
        CHECK(packet.link_type == capture::linktype::ethernet);
        ++frames;
    }
    CHECK_FALSE(reader->error().has_value());
    CHECK(frames == recorder.frames_written());
    CHECK(frames >= 3 + 2 + 2 + 2); // at least two data segments each way
    std::remove(path.c_str());
}

namespace {

// Frames a reader finds in the file as it is on disk now, and their times.
std::vector<model::Timestamp> frame_times_on_disk(const std::string& path) {
    capture::CaptureError error;
    auto reader = capture::FileReader::open(path, error);
    std::vector<model::Timestamp> times;
    capture::RawPacket packet;
    while (reader && reader->next(packet))
        times.push_back(packet.time);
    return times;
}

} // namespace

TEST_CASE("the recorder flushes on a tick and writes the FIN at the close's time", "[proxy]") {
    const std::string path = "/tmp/sniff-recorder-tick-" + std::to_string(getpid()) + ".pcap";
    capture::PcapWriter writer;
    REQUIRE(writer.open(path, {}));
    PcapRecorder recorder(writer);
    model::Flow flow;
    flow.id = 1;
    flow.protocol = model::Protocol::tcp;
    flow.client = {model::IpAddress::v4(0x7f000001), 40000};
    flow.server = {model::IpAddress::v4(0x7f000001), 8080};
    const model::Timestamp start = 1'700'000'000'000'000'000;
    flow.first_seen = flow.last_seen = start;
    recorder.on_flow_open(flow);
    const std::string text = "hello";
    model::SegmentInfo segment;
    segment.time = start + 1'000'000;
    segment.length = static_cast<std::uint32_t>(text.size());
    recorder.on_data(flow, model::Direction::c2s, segment,
                     util::Bytes(reinterpret_cast<const std::byte*>(text.data()), text.size()));
    CHECK(frame_times_on_disk(path).empty()); // still in the writer's buffer
    recorder.on_tick(start + 2'000'000);
    CHECK(frame_times_on_disk(path).size() == recorder.frames_written()); // all of it, whole

    // Closed 3 s after the data: the FINs say so.
    flow.last_seen = start + 3'000'000'000;
    recorder.on_flow_close(flow, reassembly::CloseReason::fin);
    recorder.on_tick(start + 3'000'000'000);
    const auto times = frame_times_on_disk(path);
    REQUIRE(times.size() == recorder.frames_written());
    CHECK(times.back() >= start + 3'000'000'000);
    REQUIRE(writer.close());
    std::remove(path.c_str());
}
