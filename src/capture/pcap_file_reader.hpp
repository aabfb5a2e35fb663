#pragma once
// Internal: reader of classic pcap files.
// Format: https://datatracker.ietf.org/doc/draft-ietf-opsawg-pcap/ (the libpcap file format).
//
//   global header (24 bytes)            record header (16 bytes), then incl_len bytes of data
//   +------------------------------+    +------------------------------+
//   | magic a1b2c3d4 / a1b23c4d    |    | ts seconds                   |
//   | version major 2 | minor 4    |    | ts µs or ns (by the magic)   |
//   | thiszone (ignored)           |    | incl_len (bytes stored)      |
//   | sigfigs (ignored)            |    | orig_len (bytes on the wire) |
//   | snaplen                      |    +------------------------------+
//   | link type (+ FCS bits)       |
//   +------------------------------+
// The byte order of every field is the one in which the magic reads correctly.

#include "capture/reader_base.hpp"

namespace sniff::capture {

class PcapFileReader final : public ReaderBase {
public:
    // Checks the global header; on failure returns null and sets error.
    static std::unique_ptr<FileReader> create(std::unique_ptr<InputBuffer> input,
                                              CaptureError& error);

    explicit PcapFileReader(std::unique_ptr<InputBuffer> input) : ReaderBase(std::move(input)) {}

    bool next(RawPacket& packet) override;
    CaptureFormat format() const override { return CaptureFormat::pcap; }
    std::uint32_t first_link_type() const override { return m_link_type; }
    std::uint32_t snap_length() const override { return m_snap_length; }

private:
    bool read_global_header(CaptureError& error);

    bool m_little_endian = true;
    std::int64_t m_fraction_to_ns = 1000; // 1000 for µs files, 1 for ns files
    std::uint32_t m_link_type = 0;
    std::uint32_t m_snap_length = 0;
};

} // namespace sniff::capture
