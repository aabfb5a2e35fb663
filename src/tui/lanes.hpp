#pragma once
// The byte view of one flow direction: three lanes per row that line up column for column,
//
//      seg ┃seg 0 · 11 B ──────────┃seg 1 · 10 B ────────────┃seg 2
//  00000000 GET /hello  HTTP/1.0\r\n \r\n
//      msg │#0 split ─────────────────────────────────────── │#1 whole
//
// Every boundary (segment start, message start or end, gap edge) gets a column of its own in
// all three lanes, so a mark never hides a byte and sits exactly between the two bytes it
// separates. Bytes are drawn escaped (util::escape) or as hex with an ASCII column.
//
// Rows are laid out greedily from any offset, forward or backward, reading only the bytes of
// that row: scrolling a 1 GB stream costs the same as a small one.

#include "store/flow_store.hpp"
#include "tui/screen.hpp"

#include <cstdint>
#include <iterator>
#include <string>
#include <vector>

namespace sniff::tui {

inline constexpr int k_lane_prefix = 9; // "00001a2b " / "     seg "
// Hex rows hold 16, 32 or 48 bytes: as many as the width takes with their ASCII column and
// room for a few boundary columns.
inline constexpr int k_hex_row_choices[] = {48, 32, 16};
inline constexpr int k_hex_boundary_room = 8;

struct LaneLayout {
    bool hex = false;
    int width = 80; // columns including the prefix
    int hex_row_bytes() const {
        for (const int bytes : k_hex_row_choices)
            if (width >= k_lane_prefix + bytes * 3 + k_hex_boundary_room + 2 + bytes)
                return bytes;
        return k_hex_row_choices[std::size(k_hex_row_choices) - 1];
    }
    // Columns of the byte lane; in hex the ASCII column follows them.
    int content_width() const {
        if (!hex)
            return width - k_lane_prefix;
        const int bytes = hex_row_bytes();
        const int room = width - k_lane_prefix - bytes - 2;
        return room < bytes * 3 + k_hex_boundary_room ? room : bytes * 3 + k_hex_boundary_room;
    }
};

// One drawn column of the byte lane.
struct LaneColumn {
    bool boundary = false; // a boundary column (no byte)
    std::uint64_t offset = 0;
    std::string token;   // the byte's text ("a", "\\n", "\\x1b", "1b "); empty for boundaries
    bool present = true; // false for a byte in a gap
};

// What a direction's lanes may show beyond segments, bytes and messages.
struct LaneExtras {
    // The same connection's direction as the wire carried it, drawn as a fourth lane under the
    // program's own calls (`sniff exec -i`); null for none.
    const store::DirectionData* wire = nullptr;
    // The segments are a program's calls: one holding bytes of two messages is the sticky read
    // the user is looking for, drawn highlighted.
    bool mark_mixed = false;
};

class ByteLanes {
public:
    ByteLanes(const store::DirectionData& data, LaneLayout layout, LaneExtras extras = {})
        : m_data(data), m_layout(layout), m_extras(extras) {}

    // Screen rows one row of bytes takes: segments, bytes, messages (and the wire).
    int lane_count() const { return m_extras.wire != nullptr ? 4 : 3; }

    // Offset just past the last byte (stored or missing) of the direction.
    std::uint64_t stream_end() const;
    // The columns of the row starting at `start`; its end is the offset after the last byte.
    std::vector<LaneColumn> row(std::uint64_t start, std::uint64_t* end = nullptr) const;
    std::uint64_t row_end(std::uint64_t start) const;
    // Start of the row that ends at `start` (laid out backward); 0 at the top.
    std::uint64_t row_before(std::uint64_t start) const;
    // Start of the row holding the last byte.
    std::uint64_t last_row_start() const;

    // Draws the row starting at `start` as three lanes on screen rows top..top+2; cursor is the
    // stream offset to highlight. Returns the offset after the row.
    std::uint64_t draw(Screen& screen, int top, int left, std::uint64_t start,
                       std::uint64_t cursor) const;

private:
    // Sorted boundary offsets within [first, last].
    std::vector<std::uint64_t> boundaries(std::uint64_t first, std::uint64_t last) const;
    std::string token(std::byte byte) const;
    void draw_segment_lane(Screen& screen, int row, int left,
                           const std::vector<LaneColumn>& columns, const store::DirectionData& data,
                           const char* label) const;
    bool mixes_messages(const model::SegmentInfo& segment) const;
    void draw_message_lane(Screen& screen, int row, int left,
                           const std::vector<LaneColumn>& columns) const;

    const store::DirectionData& m_data;
    LaneLayout m_layout;
    LaneExtras m_extras;
};

// Legend of the marks, for the help and the flow view's footer.
const char* lane_legend();

} // namespace sniff::tui
