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
    picture.extras.resize(input.extra_starts.size());
    std::vector<bool> extra_edges(input.extra_starts.size());
    for (std::uint64_t offset = 0; offset <= input.bytes.size(); ++offset) {
        const bool at_end = offset == input.bytes.size() && offset > 0;
        const bool segment_edge = contains(input.segment_starts, offset) || at_end;
        const bool message_edge =
            contains(input.message_starts, offset) || (offset == input.messages_end && offset > 0);
        bool any_edge = segment_edge || message_edge;
        for (std::size_t lane = 0; lane < extra_edges.size(); ++lane) {
            extra_edges[lane] = contains(input.extra_starts[lane], offset) || at_end;
            any_edge = any_edge || extra_edges[lane];
        }
        if (any_edge) {
            picture.segments += segment_edge ? '|' : ' ';
            picture.messages += message_edge ? '|' : ' ';
            for (std::size_t lane = 0; lane < extra_edges.size(); ++lane)
                picture.extras[lane] += extra_edges[lane] ? '|' : ' ';
            picture.text += ' ';
        }
        if (offset == input.bytes.size() || picture.text.size() >= max_columns)
            break;
        const std::string token = util::escape_bytes(util::as_bytes(&input.bytes[offset], 1));
        picture.text += token;
        picture.segments.append(token.size(), ' ');
        picture.messages.append(token.size(), ' ');
        for (auto& lane : picture.extras)
            lane.append(token.size(), ' ');
    }
    place_labels(picture.segments);
    place_labels(picture.messages);
    for (auto& lane : picture.extras)
        place_labels(lane);
    return picture;
}

} // namespace sniff::output
