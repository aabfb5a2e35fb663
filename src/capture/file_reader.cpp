#include "capture/file_reader.hpp"

#include "capture/input_buffer.hpp"
#include "capture/pcap_file_reader.hpp"
#include "capture/pcapng_file_reader.hpp"

#include <cstdio>

namespace sniff::capture {

namespace {

bool is_pcap_magic(std::uint32_t magic) {
    return magic == 0xa1b2c3d4 || magic == 0xa1b23c4d;
}

} // namespace

std::unique_ptr<FileReader> FileReader::open(const std::string& path, CaptureError& error) {
    auto input = std::make_unique<InputBuffer>();
    std::string message;
    if (!input->load(path, message)) {
        error = {message, 0, false};
        return nullptr;
    }
    const util::Bytes start = input->window(0, 4);
    util::ByteReader header(start);
    const std::uint32_t magic = header.read_le32();
    if (!header.ok()) {
        error = {input->read_error().empty()
                     ? "file too short to be a capture (" + std::to_string(start.size()) + " bytes)"
                     : input->read_error(),
                 0};
        return nullptr;
    }
    if (is_pcap_magic(magic) || is_pcap_magic(__builtin_bswap32(magic)))
        return PcapFileReader::create(std::move(input), error);
    if (magic == 0x0A0D0D0A)
        return PcapngFileReader::create(std::move(input), error);
    char hex[16];
    // Shown in file order, as a hex dump would show the first four bytes.
    std::snprintf(hex, sizeof hex, "%08x", __builtin_bswap32(magic));
    error = {std::string("not a pcap or pcapng file (starts with 0x") + hex + ")", 0};
    return nullptr;
}

} // namespace sniff::capture
