#include "capture/output_file.hpp"

#include <cerrno>
#include <cstring>

namespace sniff::capture::detail {

std::FILE* open_output(const std::string& path, bool& owns, std::string& error,
                       OutputBuffer& buffer) {
    if (path == "-") {
        owns = false;
        return stdout;
    }
    std::FILE* file = std::fopen(path.c_str(), "wb");
    if (file == nullptr) {
        error = "cannot create " + path + ": " + std::strerror(errno);
        return nullptr;
    }
    owns = true;
    // stdio's default buffer is a few KiB; captures are written in many small pieces. Must
    // precede any output; failure only costs speed.
    if (!buffer)
        buffer = std::make_unique_for_overwrite<char[]>(k_output_buffer_size);
    (void)std::setvbuf(file, buffer.get(), _IOFBF, k_output_buffer_size);
    return file;
}

bool write_output(std::FILE* file, util::Bytes bytes, std::string& error) {
    if (file == nullptr) {
        if (error.empty())
            error = "capture file is not open";
        return false;
    }
    if (bytes.empty())
        return true;
    if (std::fwrite(bytes.data(), 1, bytes.size(), file) != bytes.size()) {
        if (error.empty())
            error = std::string("write failed: ") + std::strerror(errno);
        return false;
    }
    return true;
}

bool close_output(std::FILE*& file, bool owns, std::string& error) {
    if (file == nullptr)
        return error.empty();
    bool good = std::fflush(file) == 0;
    if (owns && std::fclose(file) != 0)
        good = false;
    if (!good && error.empty())
        error = std::string("closing the capture file failed: ") + std::strerror(errno);
    file = nullptr;
    return error.empty();
}

bool begin_record(std::FILE* file, std::size_t& pending, std::size_t size, std::string& error) {
    if (file != nullptr && pending > 0 && pending + size > k_output_buffer_size &&
        !flush_output(file, pending, error))
        return false;
    pending += size;
    return true;
}

bool flush_output(std::FILE* file, std::size_t& pending, std::string& error) {
    pending = 0;
    if (file == nullptr || std::fflush(file) == 0)
        return true;
    if (error.empty())
        error = std::string("write failed: ") + std::strerror(errno);
    return false;
}

SplitTime split_time(model::Timestamp time) {
    constexpr std::int64_t k_ns_per_second = 1'000'000'000;
    std::int64_t seconds = time / k_ns_per_second;
    std::int64_t rest = time % k_ns_per_second;
    if (rest < 0) {
        rest += k_ns_per_second;
        --seconds;
    }
    return {seconds, static_cast<std::uint32_t>(rest)};
}

} // namespace sniff::capture::detail
