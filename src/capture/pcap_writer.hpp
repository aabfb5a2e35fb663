#pragma once
// Writers of capture files. PcapWriter writes classic pcap (one link type); PcapngWriter writes
// pcapng with any number of sections and interfaces (each with its own link type), and can add
// custom or unknown blocks, which the test generator uses to exercise the reader.
// Both buffer output and report I/O failures through ok()/error().

#include "model/endpoint.hpp"
#include "util/byte_reader.hpp"

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

namespace sniff::capture {

struct PcapFileOptions {
    std::uint32_t link_type = 1; // LINKTYPE_ETHERNET
    std::uint32_t snap_length = 262144;
    bool nanosecond = false; // magic a1b23c4d instead of a1b2c3d4
    bool big_endian = false; // write the file in big-endian byte order
};

class PcapWriter {
public:
    PcapWriter() = default;
    ~PcapWriter();
    PcapWriter(const PcapWriter&) = delete;
    PcapWriter& operator=(const PcapWriter&) = delete;

    // path "-" writes to standard output.
    bool open(const std::string& path, const PcapFileOptions& options);
    // original_length 0 means data.size(); data longer than the snap length is cut to it.
    bool write(model::Timestamp time, util::Bytes data, std::uint32_t original_length = 0);
    // One record made of head followed by tail (e.g. headers and a payload that lies elsewhere),
    // without joining them first.
    bool write(model::Timestamp time, util::Bytes head, util::Bytes tail);
    // Hands what is buffered to the kernel: one system call, cheap enough for a timer. Records
    // reach the file whole, so a process killed at any moment leaves a readable file.
    bool flush();
    bool close();
    bool ok() const { return m_error.empty(); }
    const std::string& error() const { return m_error; }

private:
    std::size_t kept_length(std::size_t length) const;
    bool write_record_header(model::Timestamp time, std::size_t kept,
                             std::uint32_t original_length);

    std::FILE* m_file = nullptr;
    bool m_owns_file = false;
    std::size_t m_pending = 0;        // bytes buffered since the last flush
    std::unique_ptr<char[]> m_buffer; // the file's stdio buffer, reused by the next open
    PcapFileOptions m_options;
    std::string m_error;
};

class PcapngWriter {
public:
    PcapngWriter() = default;
    ~PcapngWriter();
    PcapngWriter(const PcapngWriter&) = delete;
    PcapngWriter& operator=(const PcapngWriter&) = delete;

    // path "-" writes to standard output. Writes the first section header.
    bool open(const std::string& path, bool big_endian = false);
    // Starts a new section (the first one is started by open); interface ids restart at 0.
    void begin_section();
    // Same, switching the byte order from this section on (pcapng allows it per section).
    void begin_section(bool big_endian);
    // Adds an interface to the current section; returns its id. ts_resolution_exponent is the
    // if_tsresol value: 6 = microseconds (the default), 9 = nanoseconds; 0..9 are supported
    // (others set error()). Data longer than snap_length is cut to it (0 = no limit).
    std::uint32_t add_interface(std::uint32_t link_type, std::uint32_t snap_length = 262144,
                                std::uint8_t ts_resolution_exponent = 6);
    // Enhanced packet block; an interface id not added in this section is an error.
    bool write(std::uint32_t interface_id, model::Timestamp time, util::Bytes data,
               std::uint32_t original_length = 0);
    // Writes a block of any type with the given body (padded to 32 bits); for custom/unknown
    // blocks in tests.
    bool write_raw_block(std::uint32_t block_type, util::Bytes body);
    // As PcapWriter::flush(): blocks reach the file whole.
    bool flush();
    bool close();
    bool ok() const { return m_error.empty(); }
    const std::string& error() const { return m_error; }

private:
    struct Interface {
        std::uint32_t snap_length;
        std::uint64_t ns_per_unit; // 10^(9 - if_tsresol)
    };
    void write_section_header();
    bool write_block(std::uint32_t block_type, util::Bytes fixed, util::Bytes data);

    std::FILE* m_file = nullptr;
    bool m_owns_file = false;
    std::size_t m_pending = 0;        // bytes buffered since the last flush
    std::unique_ptr<char[]> m_buffer; // the file's stdio buffer, reused by the next open
    bool m_big_endian = false;
    std::uint32_t m_interfaces = 0; // count in the current section (== m_interface_list.size())
    std::vector<Interface> m_interface_list;
    std::string m_error;
};

} // namespace sniff::capture
