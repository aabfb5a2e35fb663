#pragma once
// Internal: reader of pcapng files.
// Format: https://datatracker.ietf.org/doc/draft-ietf-opsawg-pcapng/
//
//   every block                          Section Header Block (type 0x0A0D0D0A)
//   +-------------------------------+    +-------------------------------+
//   | block type                    |    | byte-order magic 1A2B3C4D     |
//   | block total length            |    | major 1 | minor               |
//   | body (padded to 32 bits)      |    | section length (64, maybe -1) |
//   | block total length (again)    |    | options                       |
//   +-------------------------------+    +-------------------------------+
//   Interface Description Block (1): link type (16) | reserved (16) | snaplen | options
//     (if_tsresol = 9, 1 byte; if_tsoffset = 14, 8 bytes signed seconds)
//   Enhanced Packet Block (6): interface | ts high | ts low | captured len | original len | data
//   Simple Packet Block (3): original len | data (interface 0, no timestamp)
//   Packet Block (2, obsolete): interface (16) | drops (16) | ts high | ts low | captured | orig
// Each SHB starts a section with its own byte order and its own interface list. All other
// block types (name resolution, statistics, secrets, custom, unknown) are skipped.

#include "capture/reader_base.hpp"

#include <vector>

namespace sniff::capture {

class PcapngFileReader final : public ReaderBase {
public:
    // Checks the first section header and looks ahead for the first interface; on failure
    // returns null and sets error.
    static std::unique_ptr<FileReader> create(std::unique_ptr<InputBuffer> input,
                                              CaptureError& error);

    explicit PcapngFileReader(std::unique_ptr<InputBuffer> input) : ReaderBase(std::move(input)) {}

    bool next(RawPacket& packet) override;
    CaptureFormat format() const override { return CaptureFormat::pcapng; }
    std::uint32_t first_link_type() const override { return m_first_link_type; }
    std::uint32_t snap_length() const override { return m_first_snap_length; }

private:
    // How an interface's timestamp units become nanoseconds.
    struct TimeScale {
        enum class Kind : std::uint8_t { multiply, divide, binary, zero };
        Kind kind = Kind::multiply;
        std::uint64_t factor = 1000; // multiply / divide
        std::uint8_t shift = 0;      // binary: units * 1e9 / 2^shift
        std::uint64_t to_ns(std::uint64_t units) const;
    };
    struct Interface {
        std::uint32_t link_type = 0;
        std::uint32_t snap_length = 0;
        TimeScale scale;
        std::uint64_t offset_ns = 0; // if_tsoffset, kept unsigned so adding wraps, not overflows
    };
    enum class Step : std::uint8_t { packet, skipped, end, failed };

    Step step(RawPacket& packet);
    bool section_header(std::size_t offset, util::ByteReader body);
    bool interface_description(std::size_t offset, util::ByteReader body);
    bool interface_options(std::size_t offset, util::ByteReader options, Interface& interface);
    bool enhanced_packet(std::size_t offset, util::ByteReader body, bool obsolete,
                         RawPacket& packet);
    bool simple_packet(std::size_t offset, util::ByteReader body, RawPacket& packet);
    void look_ahead_for_interface();
    static TimeScale scale_for(std::uint8_t tsresol);

    bool m_little_endian = true;
    std::vector<Interface> m_interfaces; // of the current section
    std::uint32_t m_first_link_type = 1; // Ethernet when the file has no interface at all
    std::uint32_t m_first_snap_length = 262144;
};

} // namespace sniff::capture
