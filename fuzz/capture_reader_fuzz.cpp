// Fuzz target: the capture reader (pcap and pcapng) over any bytes. The input is written to an
// in-memory file (memfd) because FileReader opens paths; every packet is read and touched.
// Checks: packet views lie inside the file, frames count up, bytes_consumed never passes the
// file size, and an error always comes with an offset inside the file.

#include "capture/file_reader.hpp"
#include "fuzz/fuzz_support.hpp"

#include <cstdint>
#include <string>
#include <sys/mman.h>
#include <unistd.h>

namespace {

// One memfd for the whole run, rewritten for each input.
const std::string& input_path(const std::uint8_t* data, std::size_t size) {
    static const int fd = ::memfd_create("sniff-fuzz-capture", 0);
    static const std::string path = "/proc/self/fd/" + std::to_string(fd);
    SNIFF_FUZZ_CHECK(fd >= 0);
    SNIFF_FUZZ_CHECK(::ftruncate(fd, 0) == 0);
    std::size_t done = 0;
    while (done < size) {
        const ssize_t n = ::pwrite(fd, data + done, size - done, static_cast<off_t>(done));
        SNIFF_FUZZ_CHECK(n > 0);
        done += static_cast<std::size_t>(n);
    }
    return path;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace sniff;
    capture::CaptureError error;
    auto reader = capture::FileReader::open(input_path(data, size), error);
    if (!reader)
        return 0;
    const util::Bytes file = reader->mapped_data();
    SNIFF_FUZZ_CHECK(reader->file_size() == size);
    capture::RawPacket packet;
    std::uint64_t last_frame = 0;
    while (reader->next(packet)) {
        SNIFF_FUZZ_CHECK(packet.frame == last_frame + 1);
        last_frame = packet.frame;
        SNIFF_FUZZ_CHECK(packet.original_length >= packet.data.size());
        if (!packet.data.empty() && !file.empty()) {
            SNIFF_FUZZ_CHECK(packet.data.data() >= file.data());
            SNIFF_FUZZ_CHECK(packet.data.data() + packet.data.size() <= file.data() + file.size());
        }
        sniff::fuzz::touch(packet.data);
        SNIFF_FUZZ_CHECK(reader->bytes_consumed() <= reader->file_size());
    }
    if (const auto& failure = reader->error())
        SNIFF_FUZZ_CHECK(failure->offset <= size);
    return 0;
}
