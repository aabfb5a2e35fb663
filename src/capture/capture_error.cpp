#include "capture/file_reader.hpp"

namespace sniff::capture {

std::string CaptureError::to_string() const {
    return "byte " + std::to_string(offset) + ": " + message;
}

} // namespace sniff::capture
