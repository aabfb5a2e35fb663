#include "capture/rotating_writer.hpp"

#include <algorithm>

namespace sniff::capture {

namespace {

// Sizes of what the writers put around the data, to know a file's size without asking the
// file system: pcap file header and record header; pcapng section header + interface
// description (with if_tsresol) and the enhanced packet block around its padded data.
constexpr std::uint64_t k_pcap_file_header = 24, k_pcap_record_header = 16;
constexpr std::uint64_t k_pcapng_preamble = 28 + 32, k_pcapng_block_overhead = 32;

} // namespace

std::string RotatingWriter::file_name(const std::string& path, std::uint64_t index) {
    return index == 0 ? path : path + std::to_string(index);
}

bool RotatingWriter::open(const RotatingWriterOptions& options) {
    m_options = options;
    m_index = 0;
    return open_current();
}

bool RotatingWriter::open_current() {
    const std::string name = file_name(m_options.path, m_index);
    if (m_options.pcapng) {
        if (!m_pcapng.open(name)) {
            m_error = name + ": " + m_pcapng.error();
            return false;
        }
        m_interface = m_pcapng.add_interface(m_options.link_type, m_options.snap_length,
                                             m_options.nanosecond ? 9 : 6);
        m_bytes = k_pcapng_preamble;
    } else {
        PcapFileOptions file;
        file.link_type = m_options.link_type;
        file.snap_length = m_options.snap_length;
        file.nanosecond = m_options.nanosecond;
        if (!m_pcap.open(name, file)) {
            m_error = name + ": " + m_pcap.error();
            return false;
        }
        m_bytes = k_pcap_file_header;
    }
    m_open = true;
    return true;
}

bool RotatingWriter::write(model::Timestamp time, util::Bytes data, std::uint32_t original_length) {
    if (!m_open)
        return false;
    // As tcpdump: the check comes before the packet, so a file ends just past the limit and
    // no packet is ever split between files.
    if (m_options.rotate_bytes > 0 && m_bytes > m_options.rotate_bytes && m_options.path != "-") {
        if (!close())
            return false;
        ++m_index;
        if (!open_current())
            return false;
    }
    const std::uint64_t kept = m_options.snap_length == 0
                                   ? data.size()
                                   : std::min<std::uint64_t>(data.size(), m_options.snap_length);
    if (m_options.pcapng) {
        m_bytes += k_pcapng_block_overhead + (kept + 3) / 4 * 4;
        if (!m_pcapng.write(m_interface, time, data, original_length)) {
            m_error = m_pcapng.error();
            return false;
        }
    } else {
        m_bytes += k_pcap_record_header + kept;
        if (!m_pcap.write(time, data, original_length)) {
            m_error = m_pcap.error();
            return false;
        }
    }
    return true;
}

bool RotatingWriter::flush() {
    if (!m_open)
        return true;
    const bool flushed = m_options.pcapng ? m_pcapng.flush() : m_pcap.flush();
    if (!flushed && m_error.empty())
        m_error = m_options.pcapng ? m_pcapng.error() : m_pcap.error();
    return flushed;
}

bool RotatingWriter::close() {
    if (!m_open)
        return true;
    m_open = false;
    const bool closed = m_options.pcapng ? m_pcapng.close() : m_pcap.close();
    if (!closed && m_error.empty())
        m_error = m_options.pcapng ? m_pcapng.error() : m_pcap.error();
    return closed;
}

} // namespace sniff::capture
