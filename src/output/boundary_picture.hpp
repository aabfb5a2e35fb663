#pragma once
// A compact picture of where segments and messages fall over the first bytes of a direction:
//
//     segs  |0                |1   |
//     text  hello world  egon  hi!
//     msgs  |0    |1     |2    |3   |
//
// Every boundary gets its own column in all three lanes, so the lanes line up with the escaped
// bytes whatever their width. Bytes are escaped: nothing from the network reaches the terminal.

#include "util/byte_reader.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace sniff::output {

struct BoundaryPicture {
    std::string segments;
    std::string text;
    std::string messages;
    std::vector<std::string> extras; // one per PictureInput::extra_starts
};

struct PictureInput {
    std::string bytes;                         // the first bytes of the direction
    std::vector<std::uint64_t> segment_starts; // stream offsets, ascending
    std::vector<std::uint64_t> message_starts; // stream offsets, ascending (ends: next start)
    std::uint64_t messages_end = 0;            // offset just after the last message drawn
    // Further chunk lanes over the same bytes: the same connection's chunks as other views saw
    // them (`sniff exec -i`: the wire's segments, the other end's calls). Stream offsets.
    std::vector<std::vector<std::uint64_t>> extra_starts;
};

// Draws at most max_columns of text; lanes are labelled with segment / message indexes where
// they fit.
BoundaryPicture draw_boundaries(const PictureInput& input, std::size_t max_columns = 100);

} // namespace sniff::output
