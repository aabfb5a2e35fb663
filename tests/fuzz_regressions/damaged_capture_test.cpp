// Damaged captures the fuzzers reach only by luck: absurd snap lengths in the file header,
// pcapng section lengths far beyond the file, and files made of thousands of empty blocks or
// records (the reader must make progress on every one, never loop). The capture tests cover
// truncation, bad magic, bad block lengths and absurd record lengths; these add the rest.

#include "capture/capture_test_support.hpp"
#include "gencap/cases.hpp"
#include "support/process.hpp"

#include <catch2/catch.hpp>

using namespace sniff::capture;
using namespace sniff::capture::test;

namespace {

// The command's output with the capture's path replaced, so reports of two files compare.
std::string without_path(std::string out, const std::string& path) {
    for (auto at = out.find(path); at != std::string::npos; at = out.find(path))
        out.replace(at, path.size(), "FILE");
    return out;
}

// One pcapng block: type, total length, body (padded to 4), total length again.
ByteVector block(std::uint32_t type, const ByteVector& body) {
    ByteVector padded = body;
    while (padded.size() % 4 != 0)
        padded.push_back(std::byte{0});
    ByteVector out;
    put_le32(out, type);
    put_le32(out, static_cast<std::uint32_t>(12 + padded.size()));
    append(out, padded);
    put_le32(out, static_cast<std::uint32_t>(12 + padded.size()));
    return out;
}

ByteVector section_header(std::uint64_t section_length) {
    ByteVector body;
    put_le32(body, 0x1A2B3C4D); // byte-order magic
    put_le16(body, 1);          // version 1.0
    put_le16(body, 0);
    put_le64(body, section_length);
    return block(0x0A0D0D0A, body);
}

ByteVector interface_block(std::uint16_t link_type, std::uint32_t snap_length) {
    ByteVector body;
    put_le16(body, link_type);
    put_le16(body, 0);
    put_le32(body, snap_length);
    return block(1, body);
}

ByteVector packet_block(const ByteVector& data) {
    ByteVector body;
    put_le32(body, 0); // interface
    put_le32(body, 0); // timestamp high
    put_le32(body, 0); // timestamp low
    put_le32(body, static_cast<std::uint32_t>(data.size()));
    put_le32(body, static_cast<std::uint32_t>(data.size()));
    append(body, data);
    return block(6, body);
}

ByteVector pcap_header(std::uint32_t snap_length) {
    ByteVector out;
    put_le32(out, 0xA1B2C3D4);
    put_le16(out, 2);
    put_le16(out, 4);
    put_le32(out, 0); // thiszone
    put_le32(out, 0); // sigfigs
    put_le32(out, snap_length);
    put_le32(out, 101); // raw IP
    return out;
}

void put_record(ByteVector& out, const ByteVector& data) {
    put_le32(out, 1);
    put_le32(out, 0);
    put_le32(out, static_cast<std::uint32_t>(data.size()));
    put_le32(out, static_cast<std::uint32_t>(data.size()));
    append(out, data);
}

// Reads every packet, failing the test instead of spinning if a call makes no progress: each
// successful next() must move bytes_consumed forward.
struct Walk {
    std::size_t packets = 0;
    std::optional<CaptureError> error;
    std::uint64_t consumed = 0;
};
Walk walk_all(FileReader& reader, std::size_t limit) {
    Walk walk;
    RawPacket packet;
    std::uint64_t before = reader.bytes_consumed();
    while (reader.next(packet)) {
        REQUIRE(reader.bytes_consumed() > before);
        before = reader.bytes_consumed();
        REQUIRE(++walk.packets <= limit);
    }
    walk.error = reader.error();
    walk.consumed = reader.bytes_consumed();
    return walk;
}

} // namespace

TEST_CASE("pcap header snap lengths of 0 and beyond 2^31 do not change what is read",
          "[fuzz_regressions][capture]") {
    TempDir dir;
    const auto snap = GENERATE(0u, 0x7FFFFFFFu, 0x80000000u, 0xFFFFFFFFu);
    CAPTURE(snap);
    ByteVector bytes = pcap_header(snap);
    put_record(bytes, payload(40, 1));
    put_record(bytes, payload(3000, 2)); // longer than many snap lengths, shorter than these
    const std::string path = dir.file("snap.pcap");
    write_file(path, bytes);
    const ReadResult result = read_capture(path);
    REQUIRE(result.opened);
    CHECK_FALSE(result.error);
    REQUIRE(result.frames.size() == 2);
    CHECK(result.frames[1].data == payload(3000, 2));
}

TEST_CASE("sniff gives the same report for a capture whatever snap length its header claims",
          "[fuzz_regressions][capture]") {
    const auto dir = sniff::test::scratch_dir("snap-cli");
    const auto generated = sniff::gencap::generate_case("in_order", dir.string());
    ByteVector bytes = read_file(generated.file);
    REQUIRE(bytes.size() > 24);
    REQUIRE(bytes[0] == std::byte{0xD4}); // little-endian µs pcap: snap length at byte 16
    const std::string sniff = SNIFF_BIN;
    const auto reference = sniff::test::run_command(sniff + " -q -r '" + generated.file + "' tcp");
    REQUIRE(reference.exit_code == 0);
    for (const std::uint32_t snap : {0u, 0x80000000u, 0xFFFFFFFFu}) {
        CAPTURE(snap);
        patch_le32(bytes, 16, snap);
        const std::string path = (dir / ("snap-" + std::to_string(snap) + ".pcap")).string();
        write_file(path, bytes);
        // The filter is compiled with the header's snap length: a negative int must not make
        // libpcap's accept-return 0 and drop every packet.
        const auto patched = sniff::test::run_command(sniff + " -q -r '" + path + "' tcp");
        CHECK(patched.exit_code == 0);
        CHECK(without_path(patched.out, path) == without_path(reference.out, generated.file));
    }
    std::filesystem::remove_all(dir);
}

TEST_CASE("pcapng section lengths are advisory: huge, unknown or too small still read the packets",
          "[fuzz_regressions][capture]") {
    TempDir dir;
    const auto section_length =
        GENERATE(std::uint64_t{0xFFFFFFFFFFFFFFFF}, std::uint64_t{0x7FFFFFFFFFFFFFFF},
                 std::uint64_t{1} << 40, std::uint64_t{0}, std::uint64_t{3});
    CAPTURE(section_length);
    ByteVector bytes = section_header(section_length);
    append(bytes, interface_block(101, 0xFFFFFFFF));
    append(bytes, packet_block(payload(30, 1)));
    append(bytes, packet_block(payload(31, 2)));
    const std::string path = dir.file("section.pcapng");
    write_file(path, bytes);
    const ReadResult result = read_capture(path);
    REQUIRE(result.opened);
    CHECK_FALSE(result.error);
    REQUIRE(result.frames.size() == 2);
    CHECK(result.frames[1].data == payload(31, 2));
}

TEST_CASE("pcapng block length near 2^32 is damage at its offset, not a wrap",
          "[fuzz_regressions][capture]") {
    TempDir dir;
    ByteVector bytes = section_header(0xFFFFFFFFFFFFFFFF);
    append(bytes, interface_block(101, 0));
    const std::size_t bad = bytes.size();
    append(bytes, packet_block(payload(30, 1)));
    patch_le32(bytes, bad + 4, 0xFFFFFFFC); // multiple of 4, so only the size check can catch it
    const std::string path = dir.file("huge-block.pcapng");
    write_file(path, bytes);
    const ReadResult result = read_capture(path);
    REQUIRE(result.opened);
    CHECK(result.frames.empty());
    REQUIRE(result.error);
    CHECK(result.error->offset == bad);
}

TEST_CASE("pcapng of 100000 empty blocks ends, each block read once, no packets",
          "[fuzz_regressions][capture]") {
    TempDir dir;
    ByteVector bytes = section_header(0xFFFFFFFFFFFFFFFF);
    // Unknown-type blocks of the minimum length (12: no body), and no interface at all, so the
    // reader's look-ahead for a link type walks them all too.
    const ByteVector empty = block(0x0BAD, {});
    for (int i = 0; i < 100000; ++i)
        append(bytes, empty);
    const std::string path = dir.file("empty-blocks.pcapng");
    write_file(path, bytes);
    CaptureError open_error;
    auto reader = FileReader::open(path, open_error);
    REQUIRE(reader);
    const Walk walk = walk_all(*reader, 0);
    CHECK(walk.packets == 0);
    CHECK_FALSE(walk.error);
    CHECK(walk.consumed == bytes.size());
}

TEST_CASE("pcapng of 50000 empty packets and pcap of 50000 empty records are read one by one",
          "[fuzz_regressions][capture]") {
    TempDir dir;
    SECTION("pcapng") {
        ByteVector bytes = section_header(0);
        append(bytes, interface_block(101, 0));
        const ByteVector empty = packet_block({});
        for (int i = 0; i < 50000; ++i)
            append(bytes, empty);
        const std::string path = dir.file("empty-packets.pcapng");
        write_file(path, bytes);
        CaptureError open_error;
        auto reader = FileReader::open(path, open_error);
        REQUIRE(reader);
        const Walk walk = walk_all(*reader, 50000);
        CHECK(walk.packets == 50000);
        CHECK_FALSE(walk.error);
    }
    SECTION("pcap") {
        ByteVector bytes = pcap_header(65535);
        for (int i = 0; i < 50000; ++i)
            put_record(bytes, {});
        const std::string path = dir.file("empty-records.pcap");
        write_file(path, bytes);
        CaptureError open_error;
        auto reader = FileReader::open(path, open_error);
        REQUIRE(reader);
        const Walk walk = walk_all(*reader, 50000);
        CHECK(walk.packets == 50000);
        CHECK_FALSE(walk.error);
        CHECK(walk.consumed == bytes.size());
    }
}

TEST_CASE("pcapng blocks declaring length 0 stop the reader at the first one",
          "[fuzz_regressions][capture]") {
    TempDir dir;
    ByteVector bytes = section_header(0);
    append(bytes, interface_block(101, 0));
    const std::size_t first_bad = bytes.size();
    for (int i = 0; i < 1000; ++i) {
        put_le32(bytes, 6);
        put_le32(bytes, 0);
    }
    const std::string path = dir.file("zero-length.pcapng");
    write_file(path, bytes);
    const ReadResult result = read_capture(path);
    REQUIRE(result.opened);
    CHECK(result.frames.empty());
    REQUIRE(result.error);
    CHECK(result.error->offset == first_bad);
    CHECK(result.error->message == "bad pcapng block length 0");
}
