// The RESP value scanner (see resp_scan.hpp).

#include "dissectors/resp_scan.hpp"

#include <cstring>

namespace sniff::dissect {

namespace {

enum Kind : std::uint8_t { k_not_type, k_simple, k_blob, k_array, k_map, k_attribute };

constexpr std::array<std::uint8_t, 256> k_kinds = [] {
    std::array<std::uint8_t, 256> kinds{};
    for (const char type : {'+', '-', ':', '_', '#', ',', '('})
        kinds[static_cast<std::uint8_t>(type)] = k_simple;
    for (const char type : {'$', '!', '='})
        kinds[static_cast<std::uint8_t>(type)] = k_blob;
    for (const char type : {'*', '~', '>'})
        kinds[static_cast<std::uint8_t>(type)] = k_array;
    kinds['%'] = k_map;
    kinds['|'] = k_attribute;
    return kinds;
}();

using Step = RespScan::Step;
using Verdict = RespScan::Verdict;

Step bad(std::size_t used, const char* reason) {
    return {Verdict::malformed, used, 0, reason};
}

// "Go on scanning": the loop in advance() continues at the position it holds.
constexpr Step k_go_on{};

} // namespace

RespScan::Step RespScan::advance(util::Bytes chunk) {
    const auto* data = reinterpret_cast<const std::uint8_t*>(chunk.data());
    const std::size_t size = chunk.size();
    std::size_t i = 0;
    while (i < size) {
        Step step;
        switch (m_phase) {
        case Phase::type:
            ++i;
            step = start_value(data[i - 1], i);
            break;
        case Phase::text_line:
        case Phase::inline_line: {
            const void* lf = std::memchr(data + i, '\n', size - i);
            if (lf == nullptr) {
                i = size;
                continue;
            }
            i = static_cast<std::size_t>(static_cast<const std::uint8_t*>(lf) - data) + 1;
            step = line_end(i);
            break;
        }
        case Phase::number_line:
            step = number_chunk(data, size, i);
            break;
        case Phase::body: {
            const std::uint64_t left = size - i;
            if (m_body_left > left) {
                m_body_left -= left;
                i = size;
                continue;
            }
            i += static_cast<std::size_t>(m_body_left);
            m_body_left = 0;
            step = value_done(i);
            break;
        }
        }
        if (step.verdict != Verdict::more)
            return step;
    }
    m_seen += size;
    // Lines and bodies of a value over max: reported as soon as the value passes max.
    if (m_seen > m_max)
        return bad(size, "RESP value longer than max");
    return {Verdict::more, size};
}

RespScan::Step RespScan::start_value(std::uint8_t type, std::size_t used) {
    switch (k_kinds[type]) {
    case k_not_type:
        // Only a top-level value may be an inline command (a plain text line).
        if (m_depth != 0)
            return bad(used, "unknown RESP type byte inside an aggregate");
        if (type == '\n')
            return line_end(used);
        m_phase = Phase::inline_line;
        return k_go_on;
    case k_simple:
        m_phase = Phase::text_line;
        break;
    default:
        m_phase = Phase::number_line;
        m_number = 0;
        m_negative = false;
        m_digits = false;
        m_cr = false;
        break;
    }
    m_type = type;
    if (m_depth == 0 && type == '>')
        m_push = true;
    return k_go_on;
}

RespScan::Step RespScan::number_chunk(const std::uint8_t* data, std::size_t size, std::size_t& i) {
    for (; i < size; ++i) {
        const std::uint8_t c = data[i];
        if (c == '\n') {
            ++i;
            return line_end(i);
        }
        if (m_cr)
            return bad(i + 1, "bytes after CR in a RESP length line");
        if (c == '\r') {
            m_cr = true;
        } else if (c >= '0' && c <= '9') {
            // m_number <= max <= 2^40 before this step: the product cannot overflow.
            m_number = m_number * 10 + (c - '0');
            m_digits = true;
            if (m_number > m_max)
                return bad(i + 1, "RESP length or count over max");
        } else if (c == '-' && !m_digits && !m_negative) {
            m_negative = true;
        } else if (c == '?' && !m_digits && !m_negative) {
            return bad(i + 1, "streamed RESP3 values are not supported");
        } else {
            return bad(i + 1, "bad RESP length or count");
        }
    }
    return k_go_on;
}

RespScan::Step RespScan::line_end(std::size_t used) {
    if (m_header == 0)
        m_header = m_seen + used;
    if (m_phase != Phase::number_line)
        return value_done(used);
    if (!m_digits)
        return bad(used, "empty RESP length or count");
    if (m_negative) {
        // $-1 and *-1 are RESP2's nulls; no other negative length means anything.
        if (m_number == 1 && (m_type == '$' || m_type == '*'))
            return value_done(used);
        return bad(used, "negative RESP length or count");
    }
    const std::uint8_t kind = k_kinds[m_type];
    if (kind == k_blob) {
        // Checked against max above, so number + 2 and the sum cannot overflow.
        if (m_depth == 0) {
            if (m_seen + used + m_number + 2 > m_max)
                return bad(used, "RESP value longer than max");
            return {Verdict::body, used, m_number + 2};
        }
        m_phase = Phase::body;
        m_body_left = m_number + 2;
        return k_go_on;
    }
    const std::uint64_t count = kind == k_map         ? 2 * m_number
                                : kind == k_attribute ? 2 * m_number + 1
                                                      : m_number;
    if (count == 0)
        return value_done(used);
    // Every element takes at least 3 bytes ("_\r\n"): more than max / 3 cannot fit in max.
    if (count > m_max / 3)
        return bad(used, "RESP length or count over max");
    if (m_depth == k_resp_max_depth)
        return bad(used, "RESP nesting deeper than 64");
    m_left[m_depth++] = count;
    m_phase = Phase::type;
    return k_go_on;
}

RespScan::Step RespScan::value_done(std::size_t used) {
    m_phase = Phase::type;
    while (m_depth > 0) {
        if (--m_left[m_depth - 1] > 0)
            return k_go_on;
        --m_depth; // that aggregate is complete: one value of its parent
    }
    if (m_seen + used > m_max)
        return bad(used, "RESP value longer than max");
    return {Verdict::complete, used};
}

} // namespace sniff::dissect
