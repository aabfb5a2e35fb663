// -w: what a live capture saves must read back — by sniff -r and by tshark — as exactly the
// streams the test's client and server sent; -C splits the saving into several valid files.

#include "capture/file_reader.hpp"
#include "capture/pcap_writer.hpp"
#include "live/live_support.hpp"
#include "support/tshark.hpp"

using namespace sniff;
using namespace sniff::test;
using namespace sniff::test::live;
using namespace std::chrono_literals;

namespace {

struct SavedRun {
    Exchange sent;
    std::string live_out;
    std::string err;
    int exit_code = -1;
};

// Captures the standard exchange on lo with the given -w options, stopped by SIGINT.
SavedRun save_exchange(const std::filesystem::path& dir, const std::string& write_options,
                       const std::vector<std::size_t>& sizes = standard_request_sizes()) {
    FramedServer server;
    // -B 65536: the exchange is a burst of up to 5 MB in 64 KB loopback frames; the default
    // 8 MiB ring can overflow while sniff is busy rotating files on a loaded machine.
    Background sniff(sniff_bin() + " -i lo -B 65536 -f 'tcp port " + std::to_string(server.port()) +
                         "' --framing struct --json " + write_options,
                     dir);
    REQUIRE(sniff.wait_for_err("listening on lo", 10s));
    SavedRun run;
    run.sent = server.exchange(sizes);
    std::this_thread::sleep_for(300ms);
    sniff.signal(SIGINT);
    run.exit_code = sniff.wait(20s);
    run.live_out = sniff.out();
    run.err = sniff.err();
    return run;
}

// The fields of the messages that must not depend on the source (live or file).
std::vector<std::string> message_keys(const std::string& json_output) {
    std::vector<std::string> keys;
    for (const auto& message : of_type(json_lines(json_output), "message"))
        keys.push_back(message.value("dir", "") + " " + std::to_string(message.value("length", 0)) +
                       " " + message.value("class", "") + " " +
                       std::to_string(message["segments"].size()));
    return keys;
}

std::string first_bytes(const std::filesystem::path& path, std::size_t count) {
    return read_file(path).substr(0, count);
}

} // namespace

TEST_CASE("a -w capture reads back by sniff -r and tshark as the streams that were sent",
          "[live]") {
    LIVE_REQUIRE_ROOT();
    const auto dir = scratch_dir("live-save");
    const auto file = dir / "capture.pcap";
    const auto run = save_exchange(dir, "-w '" + file.string() + "'");
    INFO(run.err);
    REQUIRE(run.exit_code == 0);
    // Nanosecond pcap, little-endian on this machine: magic 4d 3c b2 a1.
    CHECK(first_bytes(file, 4) == std::string("\x4d\x3c\xb2\xa1", 4));

    // sniff -r finds the same messages, split the same way, as the live run did.
    const auto replay =
        run_command(sniff_bin() + " -r '" + file.string() + "' --framing struct --json");
    REQUIRE(replay.exit_code == 0);
    const auto live_keys = message_keys(run.live_out);
    CHECK(live_keys.size() == 40);
    CHECK(message_keys(replay.out) == live_keys);

    if (!have_program("tshark")) {
        WARN("tshark not installed: the independent read-back was skipped");
        return;
    }
    const auto streams = tshark_follow_all(file.string(), 1);
    REQUIRE(streams.size() == 1);
    // The client speaks first, so it is tshark's node 0.
    CHECK(streams[0].from_node0 == run.sent.client_bytes);
    CHECK(streams[0].from_node1 == run.sent.server_bytes);
}

TEST_CASE("option --pcapng saves a pcapng file that reads back with the same messages", "[live]") {
    LIVE_REQUIRE_ROOT();
    const auto dir = scratch_dir("live-save-ng");
    const auto file = dir / "capture.pcapng";
    const auto run = save_exchange(dir, "--pcapng -w '" + file.string() + "'");
    INFO(run.err);
    REQUIRE(run.exit_code == 0);
    CHECK(first_bytes(file, 4) == std::string("\x0a\x0d\x0d\x0a", 4)); // section header block
    const auto replay =
        run_command(sniff_bin() + " -r '" + file.string() + "' --framing struct --json");
    REQUIRE(replay.exit_code == 0);
    CHECK(message_keys(replay.out) == message_keys(run.live_out));
    if (have_program("tshark")) {
        const auto streams = tshark_follow_all(file.string(), 1);
        REQUIRE(streams.size() == 1);
        CHECK(streams[0].from_node0 == run.sent.client_bytes);
    }
}

TEST_CASE("option -C rotates the saved capture into FILE, FILE1, ... each readable on its own",
          "[live]") {
    LIVE_REQUIRE_ROOT();
    const auto dir = scratch_dir("live-rotate");
    const auto file = dir / "rot.pcap";
    // About 2.6 MB of requests: with -C 1 at least three files.
    const std::vector<std::size_t> sizes(26, 100'000);
    const auto run = save_exchange(dir, "-C 1 -w '" + file.string() + "'", sizes);
    INFO(run.err);
    REQUIRE(run.exit_code == 0);

    // Each file is complete on its own; their packets, in file order, are the whole capture.
    // (Reassembling each file alone is no measure: a retransmission that straddles a file
    // boundary would count twice.)
    const auto merged = dir / "merged.pcap";
    capture::PcapWriter writer;
    capture::PcapFileOptions merged_options;
    merged_options.nanosecond = true;
    REQUIRE(writer.open(merged.string(), merged_options));
    std::uint64_t frames = 0;
    std::size_t files = 0;
    for (std::size_t index = 0;; ++index) {
        const auto part = dir / (index == 0 ? "rot.pcap" : "rot.pcap" + std::to_string(index));
        if (!std::filesystem::exists(part))
            break;
        ++files;
        capture::CaptureError error;
        auto reader = capture::FileReader::open(part.string(), error);
        REQUIRE(reader);
        capture::RawPacket packet;
        while (reader->next(packet)) {
            ++frames;
            writer.write(packet.time, packet.data, packet.original_length);
        }
        CHECK_FALSE(reader->error().has_value());
        // Every file but the last stops just past 1 MB (the check comes before each packet,
        // and no loopback frame exceeds 64 KB + headers).
        if (std::filesystem::exists(dir / ("rot.pcap" + std::to_string(index + 1))))
            CHECK(std::filesystem::file_size(part) < 1'000'000 + 70'000);
    }
    REQUIRE(writer.close());
    CHECK(files >= 3);
    CHECK(run.err.find(std::to_string(frames) + " packets captured") != std::string::npos);
    const auto replay = run_command(sniff_bin() + " -r '" + merged.string() + "' --json");
    const auto end = of_type(json_lines(replay.out), "end");
    REQUIRE(end.size() == 1);
    CHECK(end[0]["stream_bytes"] == run.sent.client_bytes.size() + run.sent.server_bytes.size());
    if (have_program("tshark")) {
        const auto streams = tshark_follow_all(merged.string(), 1);
        REQUIRE(streams.size() == 1);
        CHECK(streams[0].from_node0 == run.sent.client_bytes);
        CHECK(streams[0].from_node1 == run.sent.server_bytes);
    }
}

TEST_CASE("a capture stopped by Ctrl-C leaves a complete, readable file", "[live]") {
    LIVE_REQUIRE_ROOT();
    const auto dir = scratch_dir("live-ctrlc");
    const auto file = dir / "stopped.pcap";
    FramedServer server;
    // No -c or --duration: only the signal ends it, while the flow is still open.
    Background sniff(sniff_bin() + " -q -i lo -f 'tcp port " + std::to_string(server.port()) +
                         "' -w '" + file.string() + "'",
                     dir);
    REQUIRE(sniff.wait_for_err("listening on lo", 10s));
    const auto sent = server.exchange({100, 200, 50'000});
    std::this_thread::sleep_for(300ms);
    sniff.signal(SIGINT);
    REQUIRE(sniff.wait(10s) == 0);
    const auto replay = run_command(sniff_bin() + " -r '" + file.string() + "' --json");
    INFO(replay.err);
    REQUIRE(replay.exit_code == 0);
    const auto end = of_type(json_lines(replay.out), "end");
    REQUIRE(end.size() == 1);
    CHECK(!end[0].contains("error")); // the reader found no damage
    CHECK(end[0]["stream_bytes"] == sent.client_bytes.size() + sent.server_bytes.size());
    CHECK(sniff.err().find(std::to_string(end[0].value("frames", 0)) + " packets captured") !=
          std::string::npos);
}
