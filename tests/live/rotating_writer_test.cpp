// The -w/-C writer on its own (no privilege needed): file names as tcpdump's, rotation only
// between packets, every file a complete capture that the reader accepts.

#include "capture/file_reader.hpp"
#include "capture/live_capture.hpp"
#include "capture/rotating_writer.hpp"
#include "support/process.hpp"

#include <catch2/catch.hpp>
#include <vector>

using namespace sniff;

namespace {

std::vector<std::byte> packet_bytes(std::size_t size, std::uint8_t fill) {
    return std::vector<std::byte>(size, static_cast<std::byte>(fill));
}

struct ReadBack {
    std::uint64_t packets = 0;
    std::vector<std::uint8_t> first_bytes; // first byte of each packet, in order
    bool damaged = false;
};

ReadBack read_back(const std::string& path) {
    ReadBack result;
    capture::CaptureError error;
    auto reader = capture::FileReader::open(path, error);
    REQUIRE(reader);
    capture::RawPacket packet;
    while (reader->next(packet)) {
        ++result.packets;
        result.first_bytes.push_back(std::to_integer<std::uint8_t>(packet.data[0]));
        CHECK(packet.link_type == 1);
    }
    result.damaged = reader->error().has_value();
    return result;
}

} // namespace

TEST_CASE("rotated files are named FILE, FILE1, FILE2 as tcpdump names them", "[live]") {
    CHECK(capture::RotatingWriter::file_name("out.pcap", 0) == "out.pcap");
    CHECK(capture::RotatingWriter::file_name("out.pcap", 1) == "out.pcap1");
    CHECK(capture::RotatingWriter::file_name("out.pcap", 12) == "out.pcap12");
}

TEST_CASE("the rotating writer splits between packets and every file reads back whole", "[live]") {
    const bool pcapng = GENERATE(false, true);
    const auto dir = test::scratch_dir(pcapng ? "rotate-ng" : "rotate-pcap");
    capture::RotatingWriterOptions options;
    options.path = (dir / "cap").string();
    options.pcapng = pcapng;
    options.rotate_bytes = 10'000;
    capture::RotatingWriter writer;
    REQUIRE(writer.open(options));
    // 100 packets of 1000 bytes (+ headers): about 105 KB, so 10 or 11 files of ~10 KB.
    for (std::uint8_t i = 0; i < 100; ++i) {
        const auto bytes = packet_bytes(1000, i);
        REQUIRE(writer.write(1'700'000'000'000'000'000 + i, util::Bytes(bytes), 1000));
    }
    REQUIRE(writer.close());
    CHECK(writer.files_written() >= 10);

    std::vector<std::uint8_t> order;
    for (std::uint64_t index = 0; index < writer.files_written(); ++index) {
        const auto name = capture::RotatingWriter::file_name(options.path, index);
        const auto back = read_back(name);
        CHECK_FALSE(back.damaged);
        CHECK(back.packets >= 1);
        order.insert(order.end(), back.first_bytes.begin(), back.first_bytes.end());
        // The check comes before each packet: a file passes the limit by one packet at most.
        CHECK(std::filesystem::file_size(name) < options.rotate_bytes + 1000 + 64);
    }
    CHECK_FALSE(std::filesystem::exists(
        capture::RotatingWriter::file_name(options.path, writer.files_written())));
    REQUIRE(order.size() == 100); // nothing lost or repeated across the files
    for (std::size_t i = 0; i < order.size(); ++i)
        CHECK(order[i] == i);
}

TEST_CASE("without -C the writer keeps one file", "[live]") {
    const auto dir = test::scratch_dir("rotate-none");
    capture::RotatingWriterOptions options;
    options.path = (dir / "one.pcap").string();
    capture::RotatingWriter writer;
    REQUIRE(writer.open(options));
    for (std::uint8_t i = 0; i < 50; ++i) {
        const auto bytes = packet_bytes(2000, i);
        REQUIRE(writer.write(i, util::Bytes(bytes), 2000));
    }
    REQUIRE(writer.close());
    CHECK(read_back(options.path).packets == 50);
    CHECK_FALSE(std::filesystem::exists(options.path + "1"));
}

TEST_CASE("a writer that cannot create its file says which file", "[live]") {
    capture::RotatingWriterOptions options;
    options.path = "/nonexistent-dir-for-sniff/x.pcap";
    capture::RotatingWriter writer;
    CHECK_FALSE(writer.open(options));
    CHECK(writer.error().find("/nonexistent-dir-for-sniff/x.pcap") != std::string::npos);
}

#ifdef __linux__
TEST_CASE("libpcap's DLT values map to the LINKTYPE values files store", "[live]") {
    CHECK(capture::link_type_from_dlt(1) == 1);     // Ethernet: the same number
    CHECK(capture::link_type_from_dlt(113) == 113); // Linux cooked (-i any)
    CHECK(capture::link_type_from_dlt(12) == 101);  // DLT_RAW on Linux is LINKTYPE_RAW
}
#endif
