// Inputs that cannot be mapped: a FIFO and standard input ("-") are read into memory first.

#include "capture/capture_test_support.hpp"
#include "capture/file_reader.hpp"
#include "capture/pcap_writer.hpp"

#include <catch2/catch.hpp>
#include <fcntl.h>
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
    const ByteVector bytes = make_capture(dir.file("source.pcap"));
    const std::string fifo = dir.file("fifo");
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    // Opening a FIFO blocks until the other end opens, so the writer runs on its own thread.
    std::thread writer([&] {
        const int fd = ::open(fifo.c_str(), O_WRONLY);
        if (fd >= 0) {
            write_all(fd, bytes);
            ::close(fd);
        }
    });
    const ReadResult result = read_capture(fifo);
    writer.join();
    check_all_packets(result);
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
