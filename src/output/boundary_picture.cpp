#include "output/boundary_picture.hpp"

#include "util/escape.hpp"

#include <algorithm>

namespace sniff::output {

namespace {

bool contains(const std::vector<std::uint64_t>& sorted, std::uint64_t value) {
    return std::binary_search(sorted.begin(), sorted.end(), value);
}

// Writes a label after a boundary column if the lane has room before its next mark.
void place_labels(std::string& lane) {
    std::size_t label_number = 0;
    for (std::size_t column = 0; column < lane.size(); ++column) {
        if (lane[column] != '|')
            continue;
        const std::string label = std::to_string(label_number++);
        const auto next = lane.find('|', column + 1);
        const std::size_t room = (next == std::string::npos ? lane.size() : next) - column - 1;
        if (label.size() <= room)
            lane.replace(column + 1, label.size(), label);
    }
}

} // namespace

BoundaryPicture draw_boundaries(const PictureInput& input, std::size_t max_columns) {
    BoundaryPicture picture;
    std::vector<std::uint64_t> segment_marks;
    std::vector<std::uint64_t> message_marks;
    for (std::uint64_t offset = 0; offset <= input.bytes.size(); ++offset) {
        const bool segment_edge =
            contains(input.segment_starts, offset) || (offset == input.bytes.size() && offset > 0);
        const bool message_edge =
            contains(input.message_starts, offset) || (offset == input.messages_end && offset > 0);
        if (segment_edge || message_edge) {
            picture.segments += segment_edge ? '|' : ' ';
            picture.messages += message_edge ? '|' : ' ';
            picture.text += ' ';
        }
        if (offset == input.bytes.size() || picture.text.size() >= max_columns)
            break;
        const std::string token = util::escape_bytes(util::as_bytes(&input.bytes[offset], 1));
        picture.text += token;
        picture.segments.append(token.size(), ' ');
        picture.messages.append(token.size(), ' ');
    }
    place_labels(picture.segments);
    place_labels(picture.messages);
    return picture;
}

} // namespace sniff::output
