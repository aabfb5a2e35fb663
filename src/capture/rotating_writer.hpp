#pragma once
// Saves a live capture (sniff -w FILE): pcap or pcapng with one interface, optionally rotated
// like tcpdump's -C: once a file holds more than the limit, it is closed (complete and valid)
// and the next packets go to FILE1, FILE2, ... Every file starts with its own header, so each
// can be read on its own.

#include "capture/pcap_writer.hpp"

#include <cstdint>
#include <string>

namespace sniff::capture {

struct RotatingWriterOptions {
    std::string path; // "-" is standard output (never rotated)
    bool pcapng = false;
    std::uint32_t link_type = 1;
    std::uint32_t snap_length = 262144;
    bool nanosecond = true;         // timestamp resolution written to the files
    std::uint64_t rotate_bytes = 0; // 0: one file; otherwise start a new file past this size
};

class RotatingWriter {
public:
    // Opens the first file; false and error() on failure.
    bool open(const RotatingWriterOptions& options);
    // Writes one packet, first switching to the next file when the current one is full.
    bool write(model::Timestamp time, util::Bytes data, std::uint32_t original_length);
    // Hands what is buffered to the kernel, whole records only: one system call, for a timer
    // (a capture killed with -9 then loses at most the packets since the last flush).
    bool flush();
    // Flushes and closes the current file.
    bool close();

    const std::string& error() const { return m_error; }
    // Name of file number index (0 → FILE, 1 → FILE1, ...), as tcpdump names them.
    static std::string file_name(const std::string& path, std::uint64_t index);
    std::uint64_t files_written() const { return m_index + 1; }

private:
    bool open_current();

    RotatingWriterOptions m_options;
    PcapWriter m_pcap;
    PcapngWriter m_pcapng;
    std::uint32_t m_interface = 0;
    std::uint64_t m_index = 0;
    std::uint64_t m_bytes = 0; // written to the current file, headers included
    bool m_open = false;
    std::string m_error;
};

} // namespace sniff::capture
