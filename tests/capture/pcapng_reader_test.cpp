// pcapng: sections with their own byte order and interfaces, timestamp resolutions, the packet
// block kinds, skipped blocks, and damaged block framing.

#include "capture/capture_test_support.hpp"
#include "capture/file_reader.hpp"
#include "capture/pcap_writer.hpp"

#include <catch2/catch.hpp>

using namespace sniff::capture;
using namespace sniff::capture::test;
using sniff::util::Bytes;

namespace {

constexpr std::int64_t k_time = 1'700'000'000'123'456'789;
constexpr std::uint32_t k_ieee802_11 = 105;

// Sizes from the format: SHB with no options is 28 bytes, IDB without options 20, and an EPB
// 32 plus its data padded to 32 bits.
constexpr std::size_t k_shb_size = 28;
constexpr std::size_t k_idb_size = 20;
std::size_t epb_size(std::size_t data) {
    return 32 + (data + 3) / 4 * 4;
}

// Body of an Enhanced Packet Block in little-endian order.
ByteVector epb_body(std::uint32_t interface, std::uint64_t units, const ByteVector& data,
                    std::uint32_t original) {
    ByteVector body;
    put_le32(body, interface);
    put_le32(body, static_cast<std::uint32_t>(units >> 32));
    put_le32(body, static_cast<std::uint32_t>(units));
    put_le32(body, static_cast<std::uint32_t>(data.size()));
    put_le32(body, original);
    append(body, data);
    return body;
}

// SHB + one Ethernet IDB + one EPB of `data`, little-endian.
ByteVector small_file(const std::string& path, const ByteVector& data) {
    PcapngWriter writer;
    REQUIRE(writer.open(path));
    writer.add_interface(linktype::ethernet);
    REQUIRE(writer.write(0, k_time, Bytes(data)));
    REQUIRE(writer.close());
    return read_file(path);
}

} // namespace

TEST_CASE("pcapng sections switch byte order and restart interfaces, other blocks are skipped",
          "[capture]") {
    TempDir dir;
    const std::string path = dir.file("sections.pcapng");
    const ByteVector p1 = payload(60, 1), p2 = payload(21, 2), p3 = payload(3, 3),
                     p4 = payload(100, 4);
    ByteVector custom_body;
    put_le32(custom_body, 32473); // private enterprise number, then anything
    append(custom_body, payload(9, 9));

    PcapngWriter writer;
    REQUIRE(writer.open(path, false));
    CHECK(writer.add_interface(linktype::ethernet) == 0); // µs
    REQUIRE(writer.write(0, k_time, Bytes(p1)));
    writer.begin_section(true); // big-endian from here
    CHECK(writer.add_interface(linktype::raw, 128, 9) == 0);
    CHECK(writer.add_interface(linktype::linux_sll2) == 1);
    REQUIRE(writer.write(1, k_time + 1, Bytes(p2)));
    REQUIRE(writer.write_raw_block(0x00000BAD, Bytes(custom_body)));
    REQUIRE(writer.write_raw_block(0x40000BAD, Bytes(custom_body)));
    REQUIRE(writer.write_raw_block(0x7654321, Bytes(payload(5, 5)))); // unknown type
    REQUIRE(writer.write_raw_block(5, Bytes(payload(16, 6))));        // interface statistics
    REQUIRE(writer.write(0, k_time + 2, Bytes(p3)));
    writer.begin_section(false);
    CHECK(writer.add_interface(k_ieee802_11, 0, 9) == 0);
    REQUIRE(writer.write(0, k_time + 3, Bytes(p4)));
    REQUIRE(writer.close());

    const ByteVector bytes = read_file(path);
    // The second section header really is big-endian: its byte-order magic reads 1A 2B 3C 4D.
    const std::size_t second_shb = k_shb_size + k_idb_size + epb_size(p1.size());
    CHECK(std::to_integer<int>(bytes.at(second_shb + 8)) == 0x1A);
    CHECK(std::to_integer<int>(bytes.at(8)) == 0x4D);

    const ReadResult result = read_capture(path);
    REQUIRE(result.opened);
    CHECK_FALSE(result.error);
    REQUIRE(result.frames.size() == 4);
    const auto& f = result.frames;
    CHECK(f[0].frame == 1);
    CHECK(f[3].frame == 4);
    CHECK(f[0].link_type == linktype::ethernet);
    CHECK(f[0].time == k_time - 789); // microsecond interface
    CHECK(f[0].data == p1);
    CHECK(f[1].link_type == linktype::linux_sll2);
    CHECK(f[1].interface_id == 1);
    CHECK(f[1].time == k_time + 1 - 790); // µs again: ...790 → ...000
    CHECK(f[1].data == p2);
    CHECK(f[2].link_type == linktype::raw);
    CHECK(f[2].interface_id == 0);
    CHECK(f[2].time == k_time + 2); // nanosecond interface
    CHECK(f[2].data == p3);
    CHECK(f[3].link_type == k_ieee802_11);
    CHECK(f[3].time == k_time + 3);
    CHECK(f[3].data == p4);

    CaptureError error;
    auto reader = FileReader::open(path, error);
    REQUIRE(reader);
    CHECK(reader->format() == CaptureFormat::pcapng);
    CHECK(reader->first_link_type() == linktype::ethernet);
    CHECK(reader->bytes_consumed() == 0);
}

TEST_CASE("pcapng file that starts big-endian reads like a little-endian one", "[capture]") {
    const bool big_endian = GENERATE(false, true);
    TempDir dir;
    const std::string path = dir.file("order.pcapng");
    const ByteVector data = payload(33, 1);
    PcapngWriter writer;
    REQUIRE(writer.open(path, big_endian));
    writer.add_interface(linktype::linux_sll, 1000, 9);
    REQUIRE(writer.write(0, k_time, Bytes(data), 70));
    REQUIRE(writer.close());
    const ByteVector bytes = read_file(path);
    // Block type 1 of the IDB right after the 28-byte SHB, in the file's order.
    CHECK(std::to_integer<int>(bytes.at(k_shb_size)) == (big_endian ? 0 : 1));
    CHECK(std::to_integer<int>(bytes.at(k_shb_size + 3)) == (big_endian ? 1 : 0));

    const ReadResult result = read_capture(path);
    CHECK_FALSE(result.error);
    REQUIRE(result.frames.size() == 1);
    CHECK(result.frames[0].link_type == linktype::linux_sll);
    CHECK(result.frames[0].time == k_time);
    CHECK(result.frames[0].original_length == 70);
    CHECK(result.frames[0].data == data);
    CaptureError error;
    auto reader = FileReader::open(path, error);
    REQUIRE(reader);
    CHECK(reader->first_link_type() == linktype::linux_sll);
    CHECK(reader->snap_length() == 1000);
}

TEST_CASE("pcapng writer refuses interfaces of an earlier section", "[capture]") {
    TempDir dir;
    PcapngWriter writer;
    REQUIRE(writer.open(dir.file("old.pcapng")));
    writer.add_interface(linktype::ethernet);
    writer.add_interface(linktype::ethernet);
    writer.begin_section();
    writer.add_interface(linktype::raw);
    CHECK(writer.write(0, 0, Bytes(payload(4, 1))));
    CHECK_FALSE(writer.write(1, 0, Bytes(payload(4, 1))));
    CHECK_THAT(writer.error(), Catch::Contains("no interface 1"));
}

TEST_CASE("pcapng writer cuts to the interface snap length", "[capture]") {
    TempDir dir;
    const std::string path = dir.file("snap.pcapng");
    PcapngWriter writer;
    REQUIRE(writer.open(path));
    writer.add_interface(linktype::ethernet, 16);
    const ByteVector data = payload(40, 1);
    REQUIRE(writer.write(0, 0, Bytes(data)));
    REQUIRE(writer.close());
    const ReadResult result = read_capture(path);
    REQUIRE(result.frames.size() == 1);
    CHECK(result.frames[0].data == ByteVector(data.begin(), data.begin() + 16));
    CHECK(result.frames[0].original_length == 40);
    CaptureError error;
    CHECK(FileReader::open(path, error)->snap_length() == 16);
}

TEST_CASE("pcapng reads simple and obsolete packet blocks, binary resolutions and offsets",
          "[capture]") {
    TempDir dir;
    const std::string path = dir.file("kinds.pcapng");
    PcapngWriter writer;
    REQUIRE(writer.open(path));
    writer.add_interface(linktype::ethernet, 64); // interface 0, µs, snap 64
    // Interface 1 by hand: if_tsresol 0x94 (2^-20 s) and if_tsoffset 100 s.
    ByteVector idb;
    put_le16(idb, linktype::ipv4);
    put_le16(idb, 0);
    put_le32(idb, 0);
    append(idb, bytes_of({9, 0, 1, 0, 0x94, 0, 0, 0}));
    append(idb, bytes_of({14, 0, 8, 0}));
    put_le64(idb, 100);
    append(idb, bytes_of({0, 0, 0, 0}));
    REQUIRE(writer.write_raw_block(1, Bytes(idb)));

    // SPB with 5 bytes on the wire, stored whole (the body is padded to 8 bytes of data).
    const ByteVector small = payload(5, 1);
    ByteVector spb;
    put_le32(spb, 5);
    append(spb, small);
    REQUIRE(writer.write_raw_block(3, Bytes(spb)));
    // SPB of a 100-byte frame cut by interface 0's snap length of 64.
    const ByteVector big = payload(64, 2);
    spb.clear();
    put_le32(spb, 100);
    append(spb, big);
    REQUIRE(writer.write_raw_block(3, Bytes(spb)));
    // EPB on interface 1: 3.5 s in units of 2^-20 s.
    const ByteVector ip = payload(20, 3);
    REQUIRE(writer.write_raw_block(6, Bytes(epb_body(1, 3 * (1u << 20) + (1u << 19), ip, 20))));
    // Obsolete Packet Block on interface 0: 16-bit interface, 16-bit drops, then as an EPB.
    ByteVector pb;
    put_le16(pb, 0);
    put_le16(pb, 7);
    put_le32(pb, 0);
    put_le32(pb, 2'000'001); // µs
    put_le32(pb, 4);
    put_le32(pb, 4);
    append(pb, payload(4, 4));
    REQUIRE(writer.write_raw_block(2, Bytes(pb)));
    REQUIRE(writer.close());

    const ReadResult result = read_capture(path);
    REQUIRE(result.opened);
    CHECK_FALSE(result.error);
    REQUIRE(result.frames.size() == 4);
    const auto& f = result.frames;
    CHECK(f[0].data == small);
    CHECK(f[0].original_length == 5);
    CHECK(f[0].interface_id == 0);
    CHECK(f[0].time == 0); // SPBs carry no timestamp
    CHECK(f[1].data == big);
    CHECK(f[1].original_length == 100);
    CHECK(f[2].link_type == linktype::ipv4);
    CHECK(f[2].interface_id == 1);
    CHECK(f[2].time == 103'500'000'000);
    CHECK(f[2].data == ip);
    CHECK(f[3].link_type == linktype::ethernet);
    CHECK(f[3].time == 2'000'001'000);
    CHECK(f[3].data == payload(4, 4));
    CHECK(f[3].frame == 4);
}

TEST_CASE("pcapng block framing damage is reported at the block", "[capture]") {
    TempDir dir;
    const std::string path = dir.file("damaged.pcapng");
    ByteVector bytes = small_file(path, payload(10, 1));
    const std::size_t idb = k_shb_size;

    SECTION("block length 7") {
        patch_le32(bytes, idb + 4, 7);
        write_file(path, bytes);
        const ReadResult result = read_capture(path);
        REQUIRE(result.opened);
        CHECK(result.frames.empty());
        REQUIRE(result.error);
        CHECK(result.error->message == "bad pcapng block length 7");
        CHECK(result.error->offset == idb);
    }
    SECTION("block length not a multiple of 4") {
        patch_le32(bytes, idb + 4, 22);
        write_file(path, bytes);
        const ReadResult result = read_capture(path);
        REQUIRE(result.error);
        CHECK(result.error->message == "bad pcapng block length 22");
        CHECK(result.error->offset == idb);
    }
    SECTION("trailing length differs") {
        patch_le32(bytes, idb + k_idb_size - 4, 24);
        write_file(path, bytes);
        const ReadResult result = read_capture(path);
        REQUIRE(result.error);
        CHECK_THAT(result.error->message, Catch::Contains("trailing length 24"));
        CHECK(result.error->offset == idb);
    }
    SECTION("block longer than the file") {
        patch_le32(bytes, idb + 4, 4096);
        write_file(path, bytes);
        const ReadResult result = read_capture(path);
        REQUIRE(result.error);
        CHECK_THAT(result.error->message, Catch::StartsWith("truncated block: 4096 bytes"));
        CHECK(result.error->offset == idb);
    }
    SECTION("absurd block length: damage, never awaited (a stream would buffer for it)") {
        patch_le32(bytes, idb + 4, 0xFFFFFFF0);
        write_file(path, bytes);
        const ReadResult result = read_capture(path);
        REQUIRE(result.error);
        CHECK(result.error->message == "absurd pcapng block length 4294967280");
        CHECK(result.error->offset == idb);
    }
    SECTION("section header with a bad length fails open") {
        patch_le32(bytes, 4, 7);
        write_file(path, bytes);
        const ReadResult result = read_capture(path);
        CHECK_FALSE(result.opened);
        CHECK(result.open_error.message == "bad pcapng block length 7");
        CHECK(result.open_error.offset == 0);
    }
    SECTION("bad byte-order magic") {
        patch_le32(bytes, 8, 0x11223344);
        write_file(path, bytes);
        const ReadResult result = read_capture(path);
        CHECK_FALSE(result.opened);
        CHECK_THAT(result.open_error.message, Catch::Contains("byte-order magic"));
    }
    SECTION("captured length beyond the block") {
        patch_le32(bytes, idb + k_idb_size + 20, 13); // EPB captured length; 12 data bytes
        write_file(path, bytes);
        const ReadResult result = read_capture(path);
        REQUIRE(result.error);
        CHECK_THAT(result.error->message, Catch::Contains("captured length 13"));
        CHECK(result.error->offset == idb + k_idb_size);
    }
}

TEST_CASE("pcapng packet blocks must refer to a known interface", "[capture]") {
    TempDir dir;
    const std::string path = dir.file("interfaces.pcapng");
    PcapngWriter writer;
    REQUIRE(writer.open(path));
    SECTION("EPB naming an interface the section lacks") {
        writer.add_interface(linktype::ethernet);
        REQUIRE(writer.write(0, 0, Bytes(payload(4, 1))));
        REQUIRE(writer.write_raw_block(6, Bytes(epb_body(3, 0, payload(4, 2), 4))));
        REQUIRE(writer.close());
        const ReadResult result = read_capture(path);
        CHECK(result.frames.size() == 1);
        REQUIRE(result.error);
        CHECK_THAT(result.error->message, Catch::Contains("unknown interface 3"));
        CHECK(result.error->offset == k_shb_size + k_idb_size + epb_size(4));
    }
    SECTION("interfaces of an earlier section are gone") {
        writer.add_interface(linktype::ethernet);
        writer.begin_section();
        REQUIRE(writer.write_raw_block(6, Bytes(epb_body(0, 0, payload(4, 2), 4))));
        REQUIRE(writer.close());
        const ReadResult result = read_capture(path);
        REQUIRE(result.error);
        CHECK_THAT(result.error->message, Catch::Contains("unknown interface 0"));
        CHECK(result.error->offset == k_shb_size + k_idb_size + k_shb_size);
    }
    SECTION("SPB before any interface") {
        ByteVector spb;
        put_le32(spb, 1);
        append(spb, payload(1, 1));
        REQUIRE(writer.write_raw_block(3, Bytes(spb)));
        REQUIRE(writer.close());
        const ReadResult result = read_capture(path);
        REQUIRE(result.error);
        CHECK_THAT(result.error->message, Catch::Contains("simple packet block"));
    }
    SECTION("interface option running past its block") {
        ByteVector idb;
        put_le16(idb, 1);
        put_le16(idb, 0);
        put_le32(idb, 0);
        append(idb, bytes_of({9, 0, 40, 0, 6, 0, 0, 0}));
        REQUIRE(writer.write_raw_block(1, Bytes(idb)));
        REQUIRE(writer.close());
        const ReadResult result = read_capture(path);
        REQUIRE(result.error);
        CHECK_THAT(result.error->message, Catch::Contains("overruns"));
        CHECK(result.error->offset == k_shb_size);
    }
}

TEST_CASE("pcapng truncated at every offset yields the complete packets, then an error or a "
          "clean end",
          "[capture]") {
    TempDir dir;
    const std::string path = dir.file("full.pcapng");
    const std::vector<ByteVector> payloads{payload(1, 1), payload(6, 2), payload(8, 3)};
    PcapngWriter writer;
    REQUIRE(writer.open(path));
    writer.add_interface(linktype::ethernet);
    writer.add_interface(linktype::raw, 262144, 9); // IDB with if_tsresol: 20 + 12 bytes
    REQUIRE(writer.write(0, k_time, Bytes(payloads[0])));
    REQUIRE(writer.write_raw_block(0x00000BAD, Bytes(payload(6, 7)))); // 12 + 8 bytes
    REQUIRE(writer.write(1, k_time, Bytes(payloads[1])));
    REQUIRE(writer.write(0, k_time, Bytes(payloads[2])));
    REQUIRE(writer.close());
    const ByteVector bytes = read_file(path);

    // Block ends, and after which block each packet is complete.
    std::vector<std::size_t> ends{k_shb_size};
    ends.push_back(ends.back() + k_idb_size);
    ends.push_back(ends.back() + k_idb_size + 12);
    ends.push_back(ends.back() + epb_size(1));
    const std::size_t first_packet_end = ends.back();
    ends.push_back(ends.back() + 20);
    ends.push_back(ends.back() + epb_size(6));
    const std::size_t second_packet_end = ends.back();
    ends.push_back(ends.back() + epb_size(8));
    REQUIRE(ends.back() == bytes.size());

    const std::string cut_path = dir.file("cut.pcapng");
    for (std::size_t cut = 0; cut <= bytes.size(); ++cut) {
        CAPTURE(cut);
        write_file(cut_path, bytes, cut);
        const ReadResult result = read_capture(cut_path);
        if (cut < k_shb_size) {
            CHECK_FALSE(result.opened);
            CHECK(result.open_error.offset == 0);
            continue;
        }
        REQUIRE(result.opened);
        const std::size_t complete = cut >= bytes.size()        ? 3
                                     : cut >= second_packet_end ? 2
                                     : cut >= first_packet_end  ? 1
                                                                : 0;
        REQUIRE(result.frames.size() == complete);
        for (std::size_t i = 0; i < complete; ++i)
            CHECK(result.frames[i].data == payloads[i]);
        std::size_t last_boundary = 0;
        for (const std::size_t end : ends)
            if (end <= cut)
                last_boundary = end;
        if (cut == last_boundary) {
            CHECK_FALSE(result.error);
        } else {
            REQUIRE(result.error);
            CHECK(result.error->offset == last_boundary);
        }
    }
}
