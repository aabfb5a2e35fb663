// Incremental scan for the end of a chunked body (see chunked_body.hpp).

#include "dissectors/chunked_body.hpp"

#include <algorithm>

namespace sniff::dissect {

namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

ChunkScan bad(std::string reason) {
    ChunkScan scan;
    scan.status = ChunkScan::Status::bad;
    scan.reason = std::move(reason);
    return scan;
}

} // namespace

bool ChunkedBody::size_line_byte(char c, ChunkScan& scan) {
    if (c == '\n') {
        if (!m_digits) {
            scan = bad("chunk size line without a size");
            return false;
        }
        ++m_chunks;
        m_phase = m_value == 0 ? Phase::trailer : Phase::data;
        m_line = 0;
        m_in_extension = false;
        m_digits = false;
        return true;
    }
    if (++m_line > k_chunk_line_max) {
        scan = bad("chunk size line over " + std::to_string(k_chunk_line_max) + " bytes");
        return false;
    }
    if (m_in_extension || c == '\r')
        return true;
    const int digit = hex_value(c);
    if (digit >= 0) {
        // m_max_chunk <= 2^40, so value * 16 + 15 cannot overflow before this check stops it.
        m_value = m_value * 16 + static_cast<std::uint64_t>(digit);
        m_digits = true;
        if (m_value > m_max_chunk) {
            scan = bad("chunk size over " + std::to_string(m_max_chunk) + " bytes");
            return false;
        }
        return true;
    }
    if (m_digits && (c == ';' || c == ' ' || c == '\t')) {
        m_in_extension = true; // extensions (and the whitespace before them) are ignored
        return true;
    }
    scan = bad("not a chunk size");
    return false;
}

bool ChunkedBody::trailer_byte(char c, ChunkScan& scan) {
    if (c == '\n') {
        if (m_line == 0) {
            scan.status = ChunkScan::Status::done;
            return true;
        }
        m_line = 0;
        return true;
    }
    if (c == '\r')
        return true;
    if (++m_line > k_chunk_line_max) {
        scan = bad("trailer line over " + std::to_string(k_chunk_line_max) + " bytes");
        return false;
    }
    return true;
}

ChunkScan ChunkedBody::feed(util::Bytes piece) {
    ChunkScan scan;
    std::size_t at = 0;
    while (at < piece.size()) {
        if (m_phase == Phase::data) {
            const std::uint64_t take = std::min<std::uint64_t>(m_value, piece.size() - at);
            at += static_cast<std::size_t>(take);
            m_value -= take;
            if (m_value == 0) {
                m_phase = Phase::data_end;
                m_data_cr = false;
            }
            continue;
        }
        const char c = static_cast<char>(piece[at++]);
        switch (m_phase) {
        case Phase::size_line:
            if (!size_line_byte(c, scan))
                return scan;
            if (m_phase == Phase::data && m_parts.size() < k_chunk_parts_listed)
                m_parts.push_back(Part{m_fed + at, m_value});
            break;
        case Phase::data_end:
            if (c == '\r' && !m_data_cr) {
                m_data_cr = true;
            } else if (c == '\n') {
                m_phase = Phase::size_line;
                m_value = 0;
            } else {
                return bad("chunk data not followed by CRLF");
            }
            break;
        case Phase::trailer:
            if (!trailer_byte(c, scan))
                return scan;
            if (scan.status == ChunkScan::Status::done) {
                scan.used = at;
                return scan;
            }
            break;
        case Phase::data:
            break;
        }
    }
    m_fed += piece.size();
    return scan;
}

} // namespace sniff::dissect
