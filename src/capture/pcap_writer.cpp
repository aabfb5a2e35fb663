#include "capture/pcap_writer.hpp"

#include "capture/output_file.hpp"

#include <algorithm>

namespace sniff::capture {

namespace {

constexpr std::uint32_t k_magic_micro = 0xa1b2c3d4;
constexpr std::uint32_t k_magic_nano = 0xa1b23c4d;

} // namespace

PcapWriter::~PcapWriter() {
    (void)close();
}

bool PcapWriter::open(const std::string& path, const PcapFileOptions& options) {
    (void)close();
    m_error.clear();
    m_options = options;
    m_file = detail::open_output(path, m_owns_file, m_error, m_buffer);
    if (m_file == nullptr)
        return false;
    detail::FieldEncoder header(options.big_endian);
    header.put32(options.nanosecond ? k_magic_nano : k_magic_micro);
    header.put16(2); // version 2.4, the only one in use
    header.put16(4);
    header.put32(0); // thiszone
    header.put32(0); // sigfigs
    header.put32(options.snap_length);
    header.put32(options.link_type);
    m_pending = header.bytes().size();
    return detail::write_output(m_file, header.bytes(), m_error);
}

bool PcapWriter::write(model::Timestamp time, util::Bytes data, std::uint32_t original_length) {
    if (!ok())
        return false;
    const std::size_t kept = kept_length(data.size());
    return write_record_header(time, kept,
                               original_length != 0 ? original_length
                                                    : static_cast<std::uint32_t>(data.size())) &&
           detail::write_output(m_file, data.first(kept), m_error);
}

bool PcapWriter::write(model::Timestamp time, util::Bytes head, util::Bytes tail) {
    if (!ok())
        return false;
    const std::size_t length = head.size() + tail.size();
    const std::size_t kept = kept_length(length);
    const std::size_t kept_head = std::min(kept, head.size());
    return write_record_header(time, kept, static_cast<std::uint32_t>(length)) &&
           detail::write_output(m_file, head.first(kept_head), m_error) &&
           detail::write_output(m_file, tail.first(kept - kept_head), m_error);
}

// A snap length of 0 in the header would mean nothing could be stored: treat it as no limit.
std::size_t PcapWriter::kept_length(std::size_t length) const {
    return m_options.snap_length == 0 ? length
                                      : std::min<std::size_t>(length, m_options.snap_length);
}

bool PcapWriter::write_record_header(model::Timestamp time, std::size_t kept,
                                     std::uint32_t original_length) {
    constexpr std::size_t k_record_header = 16;
    if (!detail::begin_record(m_file, m_pending, k_record_header + kept, m_error))
        return false;
    const detail::SplitTime split = detail::split_time(time);
    detail::FieldEncoder header(m_options.big_endian);
    // pcap seconds are 32 bits; times outside 1970..2106 wrap, as in every other writer.
    header.put32(static_cast<std::uint32_t>(split.seconds));
    header.put32(m_options.nanosecond ? split.nanoseconds : split.nanoseconds / 1000);
    header.put32(static_cast<std::uint32_t>(kept));
    header.put32(original_length);
    return detail::write_output(m_file, header.bytes(), m_error);
}

bool PcapWriter::flush() {
    return ok() && detail::flush_output(m_file, m_pending, m_error);
}

bool PcapWriter::close() {
    return detail::close_output(m_file, m_owns_file, m_error);
}

} // namespace sniff::capture
