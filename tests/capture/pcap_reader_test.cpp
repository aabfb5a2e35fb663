// Classic pcap: writer → reader round trips in every flavour, and damaged files.

#include "capture/capture_test_support.hpp"
#include "capture/file_reader.hpp"
#include "capture/pcap_writer.hpp"
#include "support/process.hpp"

#include <catch2/catch.hpp>

using namespace sniff::capture;
using namespace sniff::capture::test;

namespace {

// 2023-11-14 22:13:20.123456789 UTC: every digit of the fraction differs, so a wrong scale shows.
constexpr std::int64_t k_time = 1'700'000'000'123'456'789;

ByteVector write_pcap(const std::string& path, const PcapFileOptions& options,
                      const std::vector<ByteVector>& payloads) {
    PcapWriter writer;
    REQUIRE(writer.open(path, options));
    for (std::size_t i = 0; i < payloads.size(); ++i)
        REQUIRE(writer.write(k_time + static_cast<std::int64_t>(i) * 1'000'000'001,
                             sniff::util::Bytes(payloads[i])));
    REQUIRE(writer.close());
    return read_file(path);
}

} // namespace

TEST_CASE("pcap round trip keeps data, times, frame numbers in every magic and byte order",
          "[capture]") {
    const bool nanosecond = GENERATE(false, true);
    const bool big_endian = GENERATE(false, true);
    TempDir dir;
    const std::string path = dir.file("round.pcap");
    const std::vector<ByteVector> payloads{payload(60, 1), payload(1, 2), payload(1514, 3)};
    PcapFileOptions options;
    options.link_type = linktype::linux_sll2;
    options.snap_length = 65535;
    options.nanosecond = nanosecond;
    options.big_endian = big_endian;
    const ByteVector bytes = write_pcap(path, options, payloads);

    // The magic is written in the file's own byte order (a1b2c3d4 read big-endian).
    const auto first = std::to_integer<int>(bytes.at(0));
    CHECK(first == (big_endian ? 0xa1 : (nanosecond ? 0x4d : 0xd4)));
    CHECK(bytes.size() == 24 + 3 * 16 + 60 + 1 + 1514);

    const ReadResult result = read_capture(path);
    REQUIRE(result.opened);
    CHECK_FALSE(result.error);
    REQUIRE(result.frames.size() == 3);
    for (std::size_t i = 0; i < 3; ++i) {
        const Frame& frame = result.frames[i];
        CHECK(frame.frame == i + 1);
        CHECK(frame.data == payloads[i]);
        CHECK(frame.original_length == payloads[i].size());
        CHECK(frame.link_type == linktype::linux_sll2);
        CHECK(frame.interface_id == 0);
        const std::int64_t written = k_time + static_cast<std::int64_t>(i) * 1'000'000'001;
        // Microsecond files lose the last three digits; nanosecond files keep them.
        CHECK(frame.time == (nanosecond ? written : written - written % 1000));
    }

    CaptureError error;
    auto reader = FileReader::open(path, error);
    REQUIRE(reader);
    CHECK(reader->format() == CaptureFormat::pcap);
    CHECK(reader->first_link_type() == linktype::linux_sll2);
    CHECK(reader->snap_length() == 65535);
    CHECK(reader->file_size() == bytes.size());
    CHECK(reader->bytes_consumed() == 24);
}

TEST_CASE("pcap reader hands out views into one mapping, without copies", "[capture]") {
    TempDir dir;
    const std::string path = dir.file("views.pcap");
    write_pcap(path, {}, {payload(100, 1), payload(7, 2)});
    CaptureError error;
    auto reader = FileReader::open(path, error);
    REQUIRE(reader);
    RawPacket first;
    RawPacket second;
    REQUIRE(reader->next(first));
    const std::byte* first_data = first.data.data();
    CHECK(reader->bytes_consumed() == 24 + 16 + 100);
    REQUIRE(reader->next(second));
    // Consecutive records sit 16 header bytes apart in the file, and so in the mapping.
    CHECK(second.data.data() - first_data == 100 + 16);
    CHECK(reader->bytes_consumed() == reader->file_size());
    CHECK_FALSE(reader->next(second));
    CHECK_FALSE(reader->error());
}

TEST_CASE("pcap writer cuts data to the snap length and keeps the original length", "[capture]") {
    TempDir dir;
    const std::string path = dir.file("snap.pcap");
    PcapFileOptions options;
    options.snap_length = 10;
    const ByteVector data = payload(50, 4);
    PcapWriter writer;
    REQUIRE(writer.open(path, options));
    REQUIRE(writer.write(0, sniff::util::Bytes(data)));
    REQUIRE(writer.close());
    const ReadResult result = read_capture(path);
    REQUIRE(result.frames.size() == 1);
    CHECK(result.frames[0].data == ByteVector(data.begin(), data.begin() + 10));
    CHECK(result.frames[0].original_length == 50);
}

TEST_CASE("pcap writer treats a snap length of 0 as no limit", "[capture]") {
    TempDir dir;
    const std::string path = dir.file("snap0.pcap");
    PcapFileOptions options;
    options.snap_length = 0;
    const ByteVector data = payload(50, 4);
    PcapWriter writer;
    REQUIRE(writer.open(path, options));
    REQUIRE(writer.write(0, sniff::util::Bytes(data)));
    REQUIRE(writer.close());
    const ReadResult result = read_capture(path);
    REQUIRE(result.frames.size() == 1);
    CHECK(result.frames[0].data == data);
}

TEST_CASE("pcap reader raises an original length smaller than the captured one", "[capture]") {
    TempDir dir;
    const std::string path = dir.file("short-orig.pcap");
    PcapWriter writer;
    REQUIRE(writer.open(path, {}));
    REQUIRE(writer.write(0, sniff::util::Bytes(payload(40, 5)), 12));
    REQUIRE(writer.close());
    const ReadResult result = read_capture(path);
    REQUIRE(result.frames.size() == 1);
    CHECK(result.frames[0].data.size() == 40);
    CHECK(result.frames[0].original_length == 40);
}

TEST_CASE("pcap reader rejects bad magic, short headers and unknown versions", "[capture]") {
    TempDir dir;
    const std::string path = dir.file("bad.pcap");
    SECTION("text file") {
        const std::string text = "hello, this is not a capture file";
        write_file(path, ByteVector(reinterpret_cast<const std::byte*>(text.data()),
                                    reinterpret_cast<const std::byte*>(text.data()) + text.size()));
        const ReadResult result = read_capture(path);
        CHECK_FALSE(result.opened);
        CHECK(result.open_error.offset == 0);
        CHECK_THAT(result.open_error.message, Catch::Contains("not a pcap or pcapng file"));
        CHECK_THAT(result.open_error.message, Catch::Contains("0x68656c6c")); // "hell"
    }
    SECTION("empty file") {
        write_file(path, {});
        const ReadResult result = read_capture(path);
        CHECK_FALSE(result.opened);
        CHECK_THAT(result.open_error.message, Catch::Contains("too short"));
    }
    SECTION("version 3") {
        ByteVector bytes = write_pcap(path, {}, {});
        bytes.at(4) = std::byte{3};
        write_file(path, bytes);
        const ReadResult result = read_capture(path);
        CHECK_FALSE(result.opened);
        CHECK_THAT(result.open_error.message, Catch::Contains("unsupported pcap version 3.4"));
    }
    SECTION("missing file") {
        const ReadResult result = read_capture(dir.file("absent.pcap"));
        CHECK_FALSE(result.opened);
        CHECK_THAT(result.open_error.message, Catch::Contains("cannot open"));
    }
}

TEST_CASE("pcap reader names an absurd capture length at its record", "[capture]") {
    TempDir dir;
    const std::string path = dir.file("absurd.pcap");
    ByteVector bytes = write_pcap(path, {}, {payload(20, 1), payload(20, 2)});
    // incl_len of the second record: 24 (file header) + 16 + 20 (first record) + 8.
    const std::size_t second_record = 24 + 16 + 20;
    patch_le32(bytes, second_record + 8, 0xFFFFFFF0);
    write_file(path, bytes);
    const ReadResult result = read_capture(path);
    REQUIRE(result.opened);
    REQUIRE(result.frames.size() == 1);
    CHECK(result.frames[0].data == payload(20, 1));
    REQUIRE(result.error);
    CHECK(result.error->message == "absurd capture length 4294967280");
    CHECK(result.error->offset == second_record);
    CHECK(result.error->to_string() == "byte 60: absurd capture length 4294967280");
}

TEST_CASE(
    "pcap truncated at every offset yields the complete packets, then an error or a clean end",
    "[capture]") {
    TempDir dir;
    const std::string path = dir.file("full.pcap");
    const std::vector<ByteVector> payloads{payload(1, 1), payload(5, 2), payload(60, 3)};
    const ByteVector bytes = write_pcap(path, {}, payloads);
    // Record boundaries from the format: 24-byte file header, 16-byte record headers.
    std::vector<std::size_t> ends{24};
    for (const auto& data : payloads)
        ends.push_back(ends.back() + 16 + data.size());
    REQUIRE(ends.back() == bytes.size());

    const std::string cut_path = dir.file("cut.pcap");
    for (std::size_t cut = 0; cut <= bytes.size(); ++cut) {
        CAPTURE(cut);
        write_file(cut_path, bytes, cut);
        const ReadResult result = read_capture(cut_path);
        if (cut < 24) {
            CHECK_FALSE(result.opened);
            CHECK(result.open_error.offset == 0);
            continue;
        }
        REQUIRE(result.opened);
        std::size_t complete = 0;
        std::size_t last_boundary = 24;
        for (std::size_t i = 1; i < ends.size(); ++i) {
            if (ends[i] <= cut) {
                complete = i;
                last_boundary = ends[i];
            }
        }
        REQUIRE(result.frames.size() == complete);
        for (std::size_t i = 0; i < complete; ++i)
            CHECK(result.frames[i].data == payloads[i]);
        if (cut == last_boundary) {
            CHECK_FALSE(result.error);
        } else {
            REQUIRE(result.error);
            CHECK(result.error->offset == last_boundary);
            CHECK_THAT(result.error->message, Catch::StartsWith("truncated record"));
        }
    }
}

TEST_CASE("a file that cannot be opened is reported without a byte offset", "[capture]") {
    CaptureError error;
    const auto reader = FileReader::open("/nonexistent-dir/nonexist.pcap", error);
    CHECK(reader == nullptr);
    CHECK_FALSE(error.in_file);
    CHECK(error.to_string() == "cannot open: No such file or directory");
    // A file that opens but is no capture still says where the problem is.
    const auto dir = sniff::test::scratch_dir("capture-open-error");
    const auto path = (dir / "text.pcap").string();
    std::FILE* file = std::fopen(path.c_str(), "wb");
    REQUIRE(file != nullptr);
    std::fputs("hello, not a capture\n", file);
    std::fclose(file);
    CHECK(FileReader::open(path, error) == nullptr);
    CHECK(error.to_string().rfind("byte 0: not a pcap or pcapng file", 0) == 0);
    std::filesystem::remove_all(dir);
}
