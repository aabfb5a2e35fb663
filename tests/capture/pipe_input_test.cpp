// Inputs that cannot be mapped: a FIFO and standard input ("-") are read as a stream: packets come
// as they arrive, and memory stays bounded however long the stream runs.

#include "capture/capture_test_support.hpp"
#include "capture/file_reader.hpp"
#include "capture/pcap_writer.hpp"

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <fcntl.h>
#include <fstream>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

using namespace sniff::capture;
using namespace sniff::capture::test;

namespace {

// Writes more than a pipe holds (64 KiB on Linux), so the reader must loop over partial reads.
ByteVector make_capture(const std::string& path) {
    PcapWriter writer;
    REQUIRE(writer.open(path, {}));
    for (int i = 0; i < 200; ++i)
        REQUIRE(writer.write(i * 1000, sniff::util::Bytes(payload(1500, i))));
    REQUIRE(writer.close());
    return read_file(path);
}

void write_all(int fd, const ByteVector& bytes) {
    std::size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t wrote = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (wrote <= 0)
            return;
        done += static_cast<std::size_t>(wrote);
    }
}

// Reads bytes written into a FIFO by another thread (opening a FIFO blocks until both ends open).
ReadResult read_through_fifo(const TempDir& dir, const ByteVector& bytes) {
    const std::string fifo = dir.file("cut.fifo");
    ::unlink(fifo.c_str());
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    std::thread writer([&] {
        const int fd = ::open(fifo.c_str(), O_WRONLY);
        if (fd >= 0) {
            write_all(fd, bytes);
            ::close(fd);
        }
    });
    ReadResult result = read_capture(fifo);
    writer.join();
    return result;
}

void check_all_packets(const ReadResult& result) {
    REQUIRE(result.opened);
    CHECK_FALSE(result.error);
    REQUIRE(result.frames.size() == 200);
    for (std::size_t i = 0; i < result.frames.size(); ++i) {
        CHECK(result.frames[i].data == payload(1500, static_cast<int>(i)));
        CHECK(result.frames[i].time == static_cast<std::int64_t>(i) * 1000);
    }
}

} // namespace

TEST_CASE("capture reader reads a FIFO that cannot be mapped", "[capture]") {
    TempDir dir;
    check_all_packets(read_through_fifo(dir, make_capture(dir.file("source.pcap"))));
}

TEST_CASE("capture reader reads standard input for path '-'", "[capture]") {
    TempDir dir;
    const ByteVector bytes = make_capture(dir.file("source.pcap"));
    int ends[2];
    REQUIRE(::pipe(ends) == 0);
    const int saved_stdin = ::dup(STDIN_FILENO);
    REQUIRE(saved_stdin >= 0);
    REQUIRE(::dup2(ends[0], STDIN_FILENO) == STDIN_FILENO);
    ::close(ends[0]);
    std::thread writer([&] {
        write_all(ends[1], bytes);
        ::close(ends[1]);
    });
    const ReadResult result = read_capture("-");
    writer.join();
    ::dup2(saved_stdin, STDIN_FILENO);
    ::close(saved_stdin);
    check_all_packets(result);
}

namespace {

// Resident memory of this process, from /proc/self/status.
long resident_kib() {
    std::ifstream status("/proc/self/status");
    std::string key;
    long value = 0;
    while (status >> key) {
        if (key == "VmRSS:") {
            status >> value;
            return value;
        }
        status.ignore(4096, '\n');
    }
    return -1;
}

// A little-endian microsecond pcap file header, Ethernet.
ByteVector file_header(std::uint32_t snap_length) {
    ByteVector header;
    put_le32(header, 0xa1b2c3d4u);
    put_le16(header, 2u);
    put_le16(header, 4u);
    put_le64(header, 0u);
    put_le32(header, snap_length);
    put_le32(header, 1u);
    return header;
}

// A record header at time 0 whose captured and original lengths are `length`.
ByteVector record_header(std::uint32_t length) {
    ByteVector header;
    put_le32(header, 0u);
    put_le32(header, 0u);
    put_le32(header, length);
    put_le32(header, length);
    return header;
}

// A pipe whose read end replaces standard input while it lives.
class StdinPipe {
public:
    StdinPipe() {
        REQUIRE(::pipe(m_ends) == 0);
        m_saved = ::dup(STDIN_FILENO);
        REQUIRE(m_saved >= 0);
        REQUIRE(::dup2(m_ends[0], STDIN_FILENO) == STDIN_FILENO);
        ::close(m_ends[0]);
    }
    ~StdinPipe() {
        close_writer();
        ::dup2(m_saved, STDIN_FILENO);
        ::close(m_saved);
    }
    int writer() const { return m_ends[1]; }
    void close_writer() {
        if (m_ends[1] >= 0)
            ::close(m_ends[1]);
        m_ends[1] = -1;
    }

private:
    int m_ends[2] = {-1, -1};
    int m_saved = -1;
};

} // namespace

TEST_CASE("standard input is read as a stream: packets come before the input ends", "[capture]") {
    TempDir dir;
    const ByteVector bytes = make_capture(dir.file("source.pcap"));
    const std::size_t half = 24 + 100 * (16 + 1500); // the file header and 100 records
    StdinPipe input;
    std::atomic<bool> reader_had_half{false};
    std::thread writer([&] {
        write_all(input.writer(), ByteVector(bytes.begin(), bytes.begin() + half));
        // The rest only once the reader has the first 100 packets (or after 10 s, so a reader
        // that waits for the end cannot hang the test: it then fails below).
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (!reader_had_half && std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        write_all(input.writer(), ByteVector(bytes.begin() + half, bytes.end()));
        input.close_writer();
    });
    CaptureError error;
    auto reader = FileReader::open("-", error);
    REQUIRE(reader);
    CHECK(reader->mapped_data().empty()); // a stream has no stable whole
    RawPacket packet;
    int count = 0;
    while (reader->next(packet)) {
        CHECK(ByteVector(packet.data.begin(), packet.data.end()) == payload(1500, count));
        if (++count == 100)
            reader_had_half = true; // set while the writer still holds the rest
    }
    writer.join();
    CHECK_FALSE(reader->error());
    CHECK(count == 200);
    CHECK(reader_had_half);
}

TEST_CASE("a long stream on standard input is read in bounded memory", "[capture]") {
    constexpr int k_packets = 140000; // ~212 MB of records
    StdinPipe input;
    std::thread writer([&] {
        write_all(input.writer(), file_header(65535));
        ByteVector record = record_header(1500);
        const ByteVector body = payload(1500, 3);
        record.insert(record.end(), body.begin(), body.end());
        for (int i = 0; i < k_packets; ++i)
            write_all(input.writer(), record);
        input.close_writer();
    });
    CaptureError error;
    auto reader = FileReader::open("-", error);
    REQUIRE(reader);
    const long before = resident_kib();
    long most = before;
    RawPacket packet;
    int count = 0;
    while (reader->next(packet))
        if (++count % 5000 == 0)
            most = std::max(most, resident_kib());
    writer.join();
    CHECK_FALSE(reader->error());
    CHECK(count == k_packets);
    INFO("resident before " << before << " KiB, at most " << most << " KiB");
    CHECK(most - before < 64 * 1024); // the stream was over 200 MB
}

TEST_CASE("a record on a stream that claims more than comes is truncated, not awaited in memory",
          "[capture]") {
    StdinPipe input;
    ByteVector bytes = file_header(262144);
    const ByteVector claim = record_header(200u << 20); // claims 200 MiB
    bytes.insert(bytes.end(), claim.begin(), claim.end());
    bytes.resize(bytes.size() + 1000); // and brings 1000 bytes
    write_all(input.writer(), bytes);
    input.close_writer();
    const long before = resident_kib();
    const ReadResult result = read_capture("-");
    REQUIRE(result.opened);
    CHECK(result.frames.empty());
    REQUIRE(result.error);
    CHECK(result.error->message.find("truncated record") != std::string::npos);
    CHECK(result.error->offset == 24);
    CHECK(resident_kib() - before < 16 * 1024);
}

namespace {

void check_same_read(const ReadResult& streamed, const ReadResult& mapped) {
    REQUIRE(streamed.opened == mapped.opened);
    if (!mapped.opened) {
        CHECK(streamed.open_error.message == mapped.open_error.message);
        return;
    }
    REQUIRE(streamed.frames.size() == mapped.frames.size());
    for (std::size_t i = 0; i < mapped.frames.size(); ++i) {
        CHECK(streamed.frames[i].data == mapped.frames[i].data);
        CHECK(streamed.frames[i].time == mapped.frames[i].time);
        CHECK(streamed.frames[i].link_type == mapped.frames[i].link_type);
    }
    REQUIRE(streamed.error.has_value() == mapped.error.has_value());
    if (mapped.error) {
        CHECK(streamed.error->message == mapped.error->message);
        CHECK(streamed.error->offset == mapped.error->offset);
    }
}

} // namespace

TEST_CASE("a stream cut at every offset reads as the same file cut there", "[capture]") {
    TempDir dir;
    const std::string format = GENERATE(std::string("pcap"), std::string("pcapng"));
    const std::string path = dir.file("full." + format);
    if (format == "pcap") {
        PcapWriter writer;
        REQUIRE(writer.open(path, {}));
        for (int i = 0; i < 3; ++i)
            REQUIRE(writer.write(i * 1000, sniff::util::Bytes(payload(5 + 7 * i, i))));
        REQUIRE(writer.close());
    } else {
        PcapngWriter writer;
        REQUIRE(writer.open(path));
        writer.add_interface(1);
        writer.add_interface(101, 262144, 9);
        REQUIRE(writer.write(0, 1000, sniff::util::Bytes(payload(3, 1))));
        REQUIRE(writer.write_raw_block(0x00000BAD, sniff::util::Bytes(payload(6, 7))));
        REQUIRE(writer.write(1, 2000, sniff::util::Bytes(payload(9, 2))));
        REQUIRE(writer.close());
    }
    const ByteVector bytes = read_file(path);
    const std::string cut_path = dir.file("cut." + format);
    for (std::size_t cut = 0; cut <= bytes.size(); ++cut) {
        INFO(format << " cut at " << cut);
        const ByteVector head(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(cut));
        write_file(cut_path, head);
        check_same_read(read_through_fifo(dir, head), read_capture(cut_path));
    }
}
