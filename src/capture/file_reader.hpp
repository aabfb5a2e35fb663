#pragma once
// Reader of capture files: pcap (µs and ns, either byte order) and pcapng (several sections,
// several interfaces with different link types, unknown/custom blocks skipped). The file is
// memory-mapped and packets are handed out as views into the mapping (zero-copy); standard input
// ("-") and other unmappable inputs are read as a stream, a window at a time, so packets come as
// they arrive and memory stays bounded. A packet's bytes are valid until the next call to next().
//
// Errors are values: next() returns false at the end or on damage; error() then says what was
// wrong and at which byte offset. Packets read before the damage were handed out normally.

#include "capture/raw_packet.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace sniff::capture {

struct CaptureError {
    std::string message;      // "truncated record header", "bad pcapng block length 7", ...
    std::uint64_t offset = 0; // byte offset in the file where the problem starts
    bool in_file = true;      // false when the file could not be opened: no offset to show
    // "byte 1234: truncated record header"; "cannot open: No such file or directory".
    std::string to_string() const;
};

enum class CaptureFormat : std::uint8_t { pcap, pcapng };

class FileReader {
public:
    // Opens and maps the file and checks its header. On failure returns null and sets error.
    static std::unique_ptr<FileReader> open(const std::string& path, CaptureError& error);
    virtual ~FileReader() = default;

    // Next packet; false at a clean end of file or on an error (then error() is set).
    virtual bool next(RawPacket& packet) = 0;
    virtual const std::optional<CaptureError>& error() const = 0;

    virtual CaptureFormat format() const = 0;
    virtual std::uint64_t file_size() const = 0;      // total bytes, for progress
    virtual std::uint64_t bytes_consumed() const = 0; // offset of the next record
    // Link type of the first interface (pcap: the file's), used to compile BPF filters.
    virtual std::uint32_t first_link_type() const = 0;
    virtual std::uint32_t snap_length() const = 0;
    // The whole input as one region that stays valid and unchanged while the reader lives (the
    // mapping); empty for a stream. Packet views lie inside it, so a consumer may keep offsets
    // into it instead of copying bytes.
    virtual util::Bytes mapped_data() const { return {}; }
};

} // namespace sniff::capture
