#include "tui/lanes.hpp"

#include "util/escape.hpp"

#include <algorithm>
#include <cstdio>

namespace sniff::tui {

using store::StreamBytes;

namespace {

constexpr std::size_t k_none = SIZE_MAX;
constexpr char32_t k_segment_mark = U'┃';
constexpr char32_t k_message_mark = U'│';

// The bytes of [first, first + count): a value per offset, -1 where the byte is missing.
std::vector<int> fetch(const StreamBytes& bytes, std::uint64_t first, std::size_t count) {
    std::vector<int> out(count, -1);
    std::vector<std::byte> piece;
    std::size_t i = 0;
    while (i < count) {
        if (!bytes.has(first + i)) {
            ++i;
            continue;
        }
        bytes.read(first + i, count - i, piece);
        for (const std::byte b : piece)
            out[i++] = std::to_integer<int>(b);
    }
    return out;
}

bool printable(int value) {
    return value >= 0x20 && value < 0x7f;
}

template <typename T> bool has_value(const std::vector<T>& sorted, T value) {
    return std::binary_search(sorted.begin(), sorted.end(), value);
}

} // namespace

std::uint64_t ByteLanes::stream_end() const {
    std::uint64_t end = m_data.bytes.end();
    if (!m_data.gaps.empty())
        end = std::max(end, m_data.gaps.back().offset + m_data.gaps.back().length);
    if (!m_data.segments.empty())
        end = std::max(end, m_data.segments.back().offset + m_data.segments.back().length);
    return end;
}

std::vector<std::uint64_t> ByteLanes::boundaries(std::uint64_t first, std::uint64_t last) const {
    std::vector<std::uint64_t> out;
    const auto add = [&](std::uint64_t offset) {
        if (offset >= first && offset <= last)
            out.push_back(offset);
    };
    const auto& segments = m_data.segments;
    std::size_t s = m_data.first_segment_from(first);
    if (s > 0)
        --s; // the segment holding `first` may end inside the range
    for (; s < segments.size() && segments[s].offset <= last; ++s) {
        add(segments[s].offset);
        add(segments[s].offset + segments[s].length);
    }
    const auto& messages = m_data.messages;
    std::size_t m = m_data.first_message_from(first);
    if (m > 0)
        --m;
    for (; m < messages.size() && messages[m].offset <= last; ++m) {
        add(messages[m].offset);
        add(messages[m].offset + messages[m].length);
    }
    for (const auto& gap : m_data.gaps) {
        add(gap.offset);
        add(gap.offset + gap.length);
    }
    if (const auto* wire = m_extras.wire) {
        std::size_t w = wire->first_segment_from(first);
        if (w > 0)
            --w;
        for (; w < wire->segments.size() && wire->segments[w].offset <= last; ++w) {
            add(wire->segments[w].offset);
            add(wire->segments[w].offset + wire->segments[w].length);
        }
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

std::string ByteLanes::token(std::byte byte) const {
    if (!m_layout.hex)
        return util::escape_bytes(util::Bytes(&byte, 1));
    char hex[4];
    std::snprintf(hex, sizeof hex, "%02x ", std::to_integer<unsigned>(byte));
    return hex;
}

std::vector<LaneColumn> ByteLanes::row(std::uint64_t start, std::uint64_t* end) const {
    const int width = std::max(m_layout.content_width(), 8);
    const std::uint64_t stop = stream_end();
    const std::size_t most = m_layout.hex ? static_cast<std::size_t>(m_layout.hex_row_bytes())
                                          : static_cast<std::size_t>(width);
    const std::size_t count =
        static_cast<std::size_t>(std::min<std::uint64_t>(most, stop > start ? stop - start : 0));
    const auto values = fetch(m_data.bytes, start, count);
    const auto marks = boundaries(start, start + count);
    std::vector<LaneColumn> columns;
    int used = 0;
    std::size_t i = 0;
    for (; i < count; ++i) {
        const std::uint64_t offset = start + i;
        LaneColumn byte{false, offset, "", values[i] >= 0};
        byte.token = byte.present ? token(static_cast<std::byte>(values[i]))
                                  : std::string(m_layout.hex ? "?? " : "·");
        const bool mark = has_value(marks, offset);
        const int cost = text_width(byte.token) + (mark ? 1 : 0);
        if (used + cost > width && i > 0)
            break; // the boundary travels with its byte to the next row
        if (mark)
            columns.push_back({true, offset, "", true});
        columns.push_back(std::move(byte));
        used += cost;
    }
    const std::uint64_t row_stop = start + i;
    if (row_stop == stop && has_value(marks, row_stop) && used < width)
        columns.push_back({true, row_stop, "", true});
    if (end != nullptr)
        *end = row_stop;
    return columns;
}

std::uint64_t ByteLanes::row_end(std::uint64_t start) const {
    std::uint64_t end = start;
    row(start, &end);
    return end;
}

std::uint64_t ByteLanes::row_before(std::uint64_t start) const {
    if (start == 0)
        return 0;
    const int width = std::max(m_layout.content_width(), 8);
    const std::size_t most = m_layout.hex ? static_cast<std::size_t>(m_layout.hex_row_bytes())
                                          : static_cast<std::size_t>(width);
    const std::uint64_t first = start > most ? start - most : 0;
    const auto values = fetch(m_data.bytes, first, static_cast<std::size_t>(start - first));
    const auto marks = boundaries(first, start);
    int used = 0;
    std::uint64_t offset = start;
    while (offset > first) {
        const int value = values[static_cast<std::size_t>(offset - 1 - first)];
        const std::string text =
            value >= 0 ? token(static_cast<std::byte>(value)) : (m_layout.hex ? "?? " : "·");
        const int cost = text_width(text) + (has_value(marks, offset - 1) ? 1 : 0);
        if (used + cost > width && offset < start)
            break;
        used += cost;
        --offset;
    }
    return offset;
}

std::uint64_t ByteLanes::last_row_start() const {
    const std::uint64_t end = stream_end();
    return end == 0 ? 0 : row_before(end);
}

bool ByteLanes::mixes_messages(const model::SegmentInfo& segment) const {
    if (!m_extras.mark_mixed || segment.length == 0)
        return false;
    const auto first = m_data.message_at(segment.offset);
    const auto last = m_data.message_at(segment.offset + segment.length - 1);
    return first && last && *first != *last;
}

void ByteLanes::draw_segment_lane(Screen& screen, int row, int left,
                                  const std::vector<LaneColumn>& columns,
                                  const store::DirectionData& data, const char* label) const {
    screen.put(row, left, label, Style::dim);
    const bool own = &data == &m_data; // the wire's lane marks no mixed reads
    const auto style_of = [&](std::size_t index) {
        if (own && mixes_messages(data.segments[index]))
            return Style::bad;
        return index % 2 ? Style::seg_b : Style::seg_a;
    };
    int column = left + k_lane_prefix;
    std::size_t run_segment = k_none;
    int run_start = column;
    std::string run_label;
    Style run_style = Style::seg_a;
    const auto flush_label = [&](int run_end) {
        if (run_segment != k_none)
            screen.put(row, run_start, run_label, run_style, run_end - run_start);
    };
    for (const auto& cell : columns) {
        if (cell.boundary) {
            const auto at = data.segment_at(cell.offset);
            const auto before =
                cell.offset > 0 ? data.segment_at(cell.offset - 1) : std::optional<std::size_t>{};
            const bool segment_edge =
                (at && data.segments[*at].offset == cell.offset) || (before && before != at);
            const Style style = at ? style_of(*at) : Style::seg_a;
            if (!segment_edge) {
                // A message boundary inside this segment: the segment's span runs on.
                screen.set(row, column++, at ? U'─' : U' ', style);
                continue;
            }
            flush_label(column);
            run_segment = k_none;
            screen.set(row, column++, k_segment_mark, style);
            continue;
        }
        const auto at = data.segment_at(cell.offset);
        const int width = text_width(cell.token);
        if (!at) {
            flush_label(column);
            run_segment = k_none;
            screen.fill(row, column, width, U' ', Style::gap);
        } else {
            const Style style = style_of(*at);
            if (run_segment != *at) {
                flush_label(column);
                const auto& segment = data.segments[*at];
                run_segment = *at;
                run_start = column;
                run_style = style;
                // A program's call is named by its call (recv, read, ...), a segment as one.
                const std::string name = segment.call != nullptr ? segment.call : "seg";
                run_label = (segment.offset == cell.offset ? name + " " : "…" + name + " ") +
                            std::to_string(segment.index) + " · " + std::to_string(segment.length) +
                            " B ";
            }
            screen.fill(row, column, width, U'─', style);
        }
        column += width;
    }
    flush_label(column);
}

void ByteLanes::draw_message_lane(Screen& screen, int row, int left,
                                  const std::vector<LaneColumn>& columns) const {
    screen.put(row, left, "     msg ", Style::dim);
    int column = left + k_lane_prefix;
    std::size_t run_message = k_none;
    int run_start = column;
    std::string run_label;
    Style run_style = Style::msg_a;
    const auto flush_label = [&](int run_end) {
        if (run_message != k_none)
            screen.put(row, run_start, run_label, run_style, run_end - run_start);
    };
    const auto style_of = [&](std::size_t index) {
        if (m_data.messages[index].status != dissect::MessageStatus::complete)
            return Style::bad;
        return index % 2 ? Style::msg_b : Style::msg_a;
    };
    for (const auto& cell : columns) {
        if (cell.boundary) {
            const auto at = m_data.message_at(cell.offset);
            const auto before =
                cell.offset > 0 ? m_data.message_at(cell.offset - 1) : std::optional<std::size_t>{};
            const bool edge =
                (at && m_data.messages[*at].offset == cell.offset) || (before && before != at);
            const auto index = at ? at : before;
            const Style style = index ? style_of(*index) : Style::msg_a;
            if (!edge) {
                // A segment boundary inside this message: the message's span runs on.
                screen.set(row, column++, at ? U'─' : U' ', style);
                continue;
            }
            flush_label(column);
            run_message = k_none;
            screen.set(row, column++, k_message_mark, style);
            continue;
        }
        const auto at = m_data.message_at(cell.offset);
        const int width = text_width(cell.token);
        if (!at) {
            flush_label(column);
            run_message = k_none;
        } else {
            if (run_message != *at) {
                flush_label(column);
                const auto& message = m_data.messages[*at];
                run_message = *at;
                run_start = column;
                run_style = style_of(*at);
                run_label = (message.offset == cell.offset ? "#" : "…#") +
                            std::to_string(message.index) + " " +
                            dissect::message_class_name(message.message_class);
                if (message.status != dissect::MessageStatus::complete)
                    run_label += std::string(" ") + dissect::message_status_name(message.status);
                run_label += ' ';
            }
            screen.fill(row, column, width, U'─', style_of(*at));
        }
        column += width;
    }
    flush_label(column);
}

std::uint64_t ByteLanes::draw(Screen& screen, int top, int left, std::uint64_t start,
                              std::uint64_t cursor) const {
    std::uint64_t end = start;
    const auto columns = row(start, &end);
    draw_segment_lane(screen, top, left, columns, m_data, "     seg ");
    char prefix[32];
    std::snprintf(prefix, sizeof prefix, "%08llx ", static_cast<unsigned long long>(start));
    screen.put(top + 1, left, prefix, Style::dim, k_lane_prefix);
    int column = left + k_lane_prefix;
    int ascii = left + k_lane_prefix + m_layout.content_width() + 1;
    for (const auto& cell : columns) {
        if (cell.boundary) {
            screen.set(top + 1, column++, U' ', Style::normal);
            continue;
        }
        Style style = !cell.present                                 ? Style::gap
                      : text_width(cell.token) > 1 && !m_layout.hex ? Style::escape
                                                                    : Style::normal;
        if (cell.offset == cursor)
            style = Style::selected;
        column = screen.put(top + 1, column, cell.token, style);
        if (m_layout.hex) {
            const int value = cell.present ? std::stoi(cell.token.substr(0, 2), nullptr, 16) : -1;
            screen.set(top + 1, ascii++, printable(value) ? static_cast<char32_t>(value) : U'.',
                       cell.offset == cursor ? Style::selected
                       : printable(value)    ? Style::normal
                                             : Style::dim);
        }
    }
    draw_message_lane(screen, top + 2, left, columns);
    if (m_extras.wire != nullptr)
        draw_segment_lane(screen, top + 3, left, columns, *m_extras.wire, "    wire ");
    return end;
}

const char* lane_legend() {
    return "seg ┃ segment/recv boundary  ─ segment span (red: a call that mixed messages) · "
           "msg │ message boundary  #N class  · wire: the same connection's segments (exec -i) · "
           "txt \\n \\xNN escaped bytes  · missing (gap)";
}

} // namespace sniff::tui
