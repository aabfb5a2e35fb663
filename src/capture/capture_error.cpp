#include "capture/file_reader.hpp"

namespace sniff::capture {

std::string CaptureError::to_string() const {
    if (!in_file)
        return message;
    return "byte " + std::to_string(offset) + ": " + message;
}

} // namespace sniff::capture
