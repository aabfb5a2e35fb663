#include "capture/output_file.hpp"
#include "capture/pcap_writer.hpp"

#include <algorithm>
#include <array>
#include <limits>

namespace sniff::capture {

namespace {

constexpr std::uint32_t k_section_header = 0x0A0D0D0A;
constexpr std::uint32_t k_interface_description = 1;
constexpr std::uint32_t k_enhanced_packet = 6;
constexpr std::uint32_t k_byte_order_magic = 0x1A2B3C4D;
constexpr std::uint16_t k_if_tsresol = 9;
constexpr std::uint8_t k_default_tsresol = 6;
constexpr std::size_t k_block_overhead = 12;

std::size_t padded(std::size_t size) {
    return (size + 3) & ~std::size_t{3};
}

} // namespace

PcapngWriter::~PcapngWriter() {
    (void)close();
}

bool PcapngWriter::open(const std::string& path, bool big_endian) {
    (void)close();
    m_error.clear();
    m_big_endian = big_endian;
    m_pending = 0;
    m_file = detail::open_output(path, m_owns_file, m_error, m_buffer);
    if (m_file == nullptr)
        return false;
    write_section_header();
    return ok();
}

void PcapngWriter::begin_section() {
    write_section_header();
}

void PcapngWriter::begin_section(bool big_endian) {
    m_big_endian = big_endian;
    write_section_header();
}

void PcapngWriter::write_section_header() {
    m_interfaces = 0;
    m_interface_list.clear();
    detail::FieldEncoder body(m_big_endian);
    body.put32(k_byte_order_magic);
    body.put16(1); // version 1.0
    body.put16(0);
    body.put64(std::numeric_limits<std::uint64_t>::max()); // section length unknown
    (void)write_block(k_section_header, body.bytes(), {});
}

std::uint32_t PcapngWriter::add_interface(std::uint32_t link_type, std::uint32_t snap_length,
                                          std::uint8_t ts_resolution_exponent) {
    if (ts_resolution_exponent > 9 && m_error.empty())
        m_error = "unsupported if_tsresol " + std::to_string(ts_resolution_exponent);
    std::uint64_t ns_per_unit = 1;
    for (unsigned i = ts_resolution_exponent; i < 9; ++i)
        ns_per_unit *= 10;
    detail::FieldEncoder body(m_big_endian);
    body.put16(static_cast<std::uint16_t>(link_type));
    body.put16(0); // reserved
    body.put32(snap_length);
    // Microseconds are the default resolution; only other ones need the option.
    if (ts_resolution_exponent != k_default_tsresol) {
        body.put16(k_if_tsresol);
        body.put16(1);
        body.put8(ts_resolution_exponent);
        body.pad_to_32_bits();
        body.put32(0); // opt_endofopt
    }
    (void)write_block(k_interface_description, body.bytes(), {});
    m_interface_list.push_back({snap_length, ns_per_unit});
    return m_interfaces++;
}

bool PcapngWriter::write(std::uint32_t interface_id, model::Timestamp time, util::Bytes data,
                         std::uint32_t original_length) {
    if (!ok())
        return false;
    if (interface_id >= m_interface_list.size()) {
        m_error = "no interface " + std::to_string(interface_id) + " in the current section";
        return false;
    }
    const Interface& interface = m_interface_list[interface_id];
    std::size_t kept = data.size();
    if (interface.snap_length != 0)
        kept = std::min<std::size_t>(kept, interface.snap_length);
    // pcapng timestamps are unsigned: times before 1970 are not representable.
    const std::uint64_t units = static_cast<std::uint64_t>(time) / interface.ns_per_unit;
    detail::FieldEncoder fixed(m_big_endian);
    fixed.put32(interface_id);
    fixed.put32(static_cast<std::uint32_t>(units >> 32));
    fixed.put32(static_cast<std::uint32_t>(units));
    fixed.put32(static_cast<std::uint32_t>(kept));
    fixed.put32(original_length != 0 ? original_length : static_cast<std::uint32_t>(data.size()));
    return write_block(k_enhanced_packet, fixed.bytes(), data.first(kept));
}

bool PcapngWriter::write_raw_block(std::uint32_t block_type, util::Bytes body) {
    return write_block(block_type, {}, body);
}

// One block: type, length, fixed fields, variable data padded to 32 bits, length again.
bool PcapngWriter::write_block(std::uint32_t block_type, util::Bytes fixed, util::Bytes data) {
    if (!ok())
        return false;
    const std::size_t body = fixed.size() + padded(data.size());
    if (data.size() > std::numeric_limits<std::uint32_t>::max() - 64) {
        m_error = "pcapng block too large";
        return false;
    }
    const auto total = static_cast<std::uint32_t>(k_block_overhead + body);
    if (!detail::begin_record(m_file, m_pending, total, m_error))
        return false;
    detail::FieldEncoder head(m_big_endian);
    head.put32(block_type);
    head.put32(total);
    detail::FieldEncoder tail(m_big_endian);
    tail.put32(total);
    constexpr std::array<std::byte, 4> k_zeros{};
    const std::size_t padding = padded(data.size()) - data.size();
    return detail::write_output(m_file, head.bytes(), m_error) &&
           detail::write_output(m_file, fixed, m_error) &&
           detail::write_output(m_file, data, m_error) &&
           detail::write_output(m_file, util::Bytes(k_zeros).first(padding), m_error) &&
           detail::write_output(m_file, tail.bytes(), m_error);
}

bool PcapngWriter::flush() {
    return ok() && detail::flush_output(m_file, m_pending, m_error);
}

bool PcapngWriter::close() {
    return detail::close_output(m_file, m_owns_file, m_error);
}

} // namespace sniff::capture
