#pragma once
// Test support for the inspector: captures written with chosen payloads, and screen queries.

#include "gencap/case_writer.hpp"
#include "tui/screen.hpp"

#include <stdexcept>
#include <string>
#include <vector>

namespace sniff::test {

// Writes a pcap with one TCP flow: each string of c2s / s2c is one segment, in that order.
inline void write_flow_capture(const std::string& path, const std::vector<std::string>& c2s,
                               const std::vector<std::string>& s2c = {}) {
    capture::PcapWriter writer;
    if (!writer.open(path, {}))
        throw std::runtime_error(writer.error());
    gencap::TcpCaseConnection conn(
        [&](model::Timestamp time, util::Bytes bytes, std::uint32_t original) {
            writer.write(time, bytes, original);
        },
        gencap::endpoint("10.1.1.1", 40001), gencap::endpoint("10.1.1.2", 7000), 100, 900);
    conn.handshake();
    std::uint64_t offsets[2] = {0, 0};
    for (const auto& text : c2s) {
        conn.send(model::Direction::c2s, offsets[0], text);
        offsets[0] += text.size();
    }
    for (const auto& text : s2c) {
        conn.send(model::Direction::s2c, offsets[1], text);
        offsets[1] += text.size();
    }
    conn.fin(model::Direction::c2s, offsets[0]);
    conn.fin(model::Direction::s2c, offsets[1]);
    if (!writer.close())
        throw std::runtime_error(writer.error());
}

// Columns of `row` holding character ch.
inline std::vector<int> columns_of(const tui::Screen& screen, int row, char32_t ch) {
    std::vector<int> out;
    for (int column = 0; column < screen.columns(); ++column)
        if (screen.at(row, column).ch == ch)
            out.push_back(column);
    return out;
}

// First row whose text contains needle, or -1.
inline int row_containing(const tui::Screen& screen, const std::string& needle) {
    for (int row = 0; row < screen.rows(); ++row)
        if (screen.row_text(row).find(needle) != std::string::npos)
            return row;
    return -1;
}

} // namespace sniff::test
