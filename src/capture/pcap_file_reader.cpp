#include "capture/pcap_file_reader.hpp"

namespace sniff::capture {

namespace {

constexpr std::size_t k_global_header_size = 24;
constexpr std::size_t k_record_header_size = 16;
constexpr std::uint32_t k_magic_micro = 0xa1b2c3d4;
constexpr std::uint32_t k_magic_nano = 0xa1b23c4d;
// The link type field's upper bits carry FCS information (as in libpcap's LT_LINKTYPE).
constexpr std::uint32_t k_link_type_mask = 0x03FFFFFF;
constexpr std::int64_t k_ns_per_second = 1'000'000'000;

} // namespace

std::unique_ptr<FileReader> PcapFileReader::create(std::unique_ptr<InputBuffer> input,
                                                   CaptureError& error) {
    auto reader = std::make_unique<PcapFileReader>(std::move(input));
    if (!reader->read_global_header(error))
        return nullptr;
    return reader;
}

bool PcapFileReader::read_global_header(CaptureError& error) {
    util::ByteReader header(bytes_from(0, k_global_header_size));
    if (!header.has(k_global_header_size)) {
        error = {"truncated pcap file header (" + std::to_string(header.remaining()) + " bytes)",
                 0};
        return false;
    }
    // Reading the magic as little-endian tells both the byte order and the time resolution.
    const std::uint32_t as_little = header.read_le32();
    const std::uint32_t as_big = __builtin_bswap32(as_little);
    std::uint32_t magic = 0;
    if (as_little == k_magic_micro || as_little == k_magic_nano) {
        m_little_endian = true;
        magic = as_little;
    } else if (as_big == k_magic_micro || as_big == k_magic_nano) {
        m_little_endian = false;
        magic = as_big;
    } else {
        error = {"bad pcap magic", 0};
        return false;
    }
    m_fraction_to_ns = magic == k_magic_nano ? 1 : 1000;
    const std::uint16_t major = header.read_u16(m_little_endian);
    const std::uint16_t minor = header.read_u16(m_little_endian);
    if (major != 2) {
        error = {"unsupported pcap version " + std::to_string(major) + "." + std::to_string(minor),
                 4};
        return false;
    }
    header.skip(8); // thiszone and sigfigs: always 0 in practice, and ignored by libpcap
    m_snap_length = header.read_u32(m_little_endian);
    m_link_type = header.read_u32(m_little_endian) & k_link_type_mask;
    m_pos = k_global_header_size;
    return true;
}

bool PcapFileReader::next(RawPacket& packet) {
    release_consumed();
    if (m_error)
        return false;
    const util::Bytes head = bytes_from(m_pos, k_record_header_size);
    if (head.empty())
        return false; // a clean end
    util::ByteReader record(head);
    if (!record.has(k_record_header_size))
        return fail("truncated record header", m_pos);
    const std::uint32_t seconds = record.read_u32(m_little_endian);
    const std::uint32_t fraction = record.read_u32(m_little_endian);
    const std::uint32_t included = record.read_u32(m_little_endian);
    const std::uint32_t original = record.read_u32(m_little_endian);
    // The maximum first, so a wild length is named as such rather than as a truncation.
    if (included > k_max_capture_length)
        return fail("absurd capture length " + std::to_string(included), m_pos);
    record = util::ByteReader(bytes_from(m_pos, k_record_header_size + included));
    record.skip(k_record_header_size);
    if (!record.has(included))
        return fail("truncated record: " + std::to_string(included) + " bytes declared, " +
                        std::to_string(record.remaining()) + " remain",
                    m_pos);

    packet.frame = ++m_frame;
    // Seconds are unsigned 32-bit, so seconds * 1e9 stays below 2^63.
    packet.time = static_cast<std::int64_t>(seconds) * k_ns_per_second +
                  static_cast<std::int64_t>(fraction) * m_fraction_to_ns;
    packet.link_type = m_link_type;
    packet.interface_id = 0;
    // Some writers store orig_len < incl_len; the wire cannot have been shorter than what was kept.
    packet.original_length = original < included ? included : original;
    packet.data = record.take(included);
    packet.stable = m_input->is_mapped();
    m_pos += k_record_header_size + included;
    return true;
}

} // namespace sniff::capture
