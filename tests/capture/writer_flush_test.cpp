// The capture writers hand whole records to the file: what is on disk while a writer is still
// open (what a kill -9 would leave) always ends on a record boundary, and flush() puts every
// record written so far there.
#include "capture/pcap_writer.hpp"
#include "capture/rotating_writer.hpp"

#include <catch2/catch.hpp>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <unistd.h>
#include <vector>

using namespace sniff;

namespace {

std::vector<unsigned char> file_bytes(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::uint32_t le32(const std::vector<unsigned char>& bytes, std::size_t at) {
    return static_cast<std::uint32_t>(bytes[at]) | static_cast<std::uint32_t>(bytes[at + 1]) << 8 |
           static_cast<std::uint32_t>(bytes[at + 2]) << 16 |
           static_cast<std::uint32_t>(bytes[at + 3]) << 24;
}

// Records found by walking a little-endian pcap file; -1 if the walk does not end exactly at
// the end of the file (a record cut short).
long whole_pcap_records(const std::vector<unsigned char>& bytes) {
    if (bytes.size() < 24)
        return bytes.empty() ? 0 : -1;
    std::size_t at = 24;
    long records = 0;
    while (at + 16 <= bytes.size()) {
        at += 16 + le32(bytes, at + 8);
        ++records;
    }
    return at == bytes.size() ? records : -1;
}

// The same for pcapng: blocks carry their total length in their second word.
long whole_pcapng_blocks(const std::vector<unsigned char>& bytes) {
    std::size_t at = 0;
    long blocks = 0;
    while (at + 12 <= bytes.size()) {
        const std::uint32_t length = le32(bytes, at + 4);
        if (length < 12)
            return -1;
        at += length;
        ++blocks;
    }
    return at == bytes.size() ? blocks : -1;
}

std::filesystem::path scratch(const std::string& name) {
    return std::filesystem::temp_directory_path() /
           ("sniff-writer-flush-" + name + "-" + std::to_string(::getpid()));
}

} // namespace

TEST_CASE("a pcap file being written holds only whole records, and flush() writes them all",
          "[capture][writer]") {
    const auto path = scratch("pcap");
    capture::PcapWriter writer;
    REQUIRE(writer.open(path.string(), {}));
    // Record sizes that do not divide the 256 KiB buffer: a spill would cut one in two.
    std::vector<std::byte> payload(1000 + 37);
    for (int i = 0; i < 2000; ++i) {
        REQUIRE(
            writer.write(1'700'000'000'000'000'000 + i, util::Bytes(payload).first(1000 + i % 37)));
        if (i % 97 == 0) {
            const long records = whole_pcap_records(file_bytes(path));
            INFO("after record " << i);
            REQUIRE(records >= 0); // whatever stdio has spilled so far ends on a boundary
            CHECK(records <= i + 1);
        }
    }
    REQUIRE(writer.flush());
    CHECK(whole_pcap_records(file_bytes(path)) == 2000);
    REQUIRE(writer.close());
    std::filesystem::remove(path);
}

TEST_CASE("a rotating pcapng writer holds only whole blocks, and flush() writes them all",
          "[capture][writer]") {
    const auto path = scratch("pcapng");
    capture::RotatingWriter writer;
    capture::RotatingWriterOptions options;
    options.path = path.string();
    options.pcapng = true;
    REQUIRE(writer.open(options));
    std::vector<std::byte> payload(3001);
    for (int i = 0; i < 1000; ++i) {
        REQUIRE(writer.write(1'700'000'000'000'000'000 + i,
                             util::Bytes(payload).first(1 + (i * 7919) % 3000), 0));
        if (i % 89 == 0)
            REQUIRE(whole_pcapng_blocks(file_bytes(path)) >= 0);
    }
    REQUIRE(writer.flush());
    // Section header, interface description, 1000 packets.
    CHECK(whole_pcapng_blocks(file_bytes(path)) == 1002);
    REQUIRE(writer.close());
    std::filesystem::remove(path);
}
