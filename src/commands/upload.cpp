#include "commands/upload.hpp"

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <unistd.h>

namespace sniff::commands {

bool is_upload_header(const nlohmann::json& header) {
    const auto it = header.find("cmd");
    return it != header.end() && it->is_string() && it->get<std::string>() == "upload";
}

std::optional<UploadRequest> parse_upload_header(const nlohmann::json& header,
                                                 std::string& reason) {
    UploadRequest request;
    const auto name = header.find("file_name");
    const auto size = header.find("file_size");
    const auto md5 = header.find("md5");
    if (name == header.end() || !name->is_string()) {
        reason = "upload header needs a string file_name";
        return std::nullopt;
    }
    if (size == header.end() || !size->is_number_unsigned()) {
        reason = "upload header needs a non-negative integer file_size";
        return std::nullopt;
    }
    if (md5 == header.end() || !md5->is_string() || md5->get<std::string>().size() != 32) {
        reason = "upload header needs md5 as 32 hex digits";
        return std::nullopt;
    }
    request.file_name = name->get<std::string>();
    request.file_size = size->get<std::uint64_t>();
    request.md5 = md5->get<std::string>();
    for (char& c : request.md5)
        if (c >= 'A' && c <= 'F')
            c = static_cast<char>(c - 'A' + 'a');
    return request;
}

std::optional<std::string> safe_base_name(std::string_view name) {
    // Both separators count, so a Windows-style path cannot smuggle a directory either.
    const auto slash = name.find_last_of("/\\");
    const std::string_view base = slash == std::string_view::npos ? name : name.substr(slash + 1);
    if (base.empty() || base == "." || base == ".." || base.size() > 255)
        return std::nullopt;
    for (const char c : base)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
            return std::nullopt;
    return std::string(base);
}

std::optional<nlohmann::json> make_upload_header(const std::string& path, std::uint64_t& size) {
    std::error_code ec;
    size = std::filesystem::file_size(path, ec);
    if (ec)
        return std::nullopt;
    const auto md5 = md5_file_hex(path);
    if (!md5)
        return std::nullopt;
    return nlohmann::json{{"cmd", "upload"},
                          {"file_name", std::filesystem::path(path).filename().string()},
                          {"file_size", size},
                          {"md5", *md5}};
}

UploadSink::~UploadSink() {
    discard();
}

bool UploadSink::open(const std::string& dir, const std::string& stored_name, std::string& reason) {
    static std::atomic<unsigned> counter{0};
    m_stored_name = stored_name;
    m_final_path = (std::filesystem::path(dir) / stored_name).string();
    m_temp_path =
        (std::filesystem::path(dir) / ("." + stored_name + ".part-" + std::to_string(::getpid()) +
                                       "-" + std::to_string(counter++)))
            .string();
    m_file = std::fopen(m_temp_path.c_str(), "wbx");
    if (m_file == nullptr) {
        reason = "cannot create a file in the upload directory";
        return false;
    }
    return true;
}

bool UploadSink::write(const char* data, std::size_t size) {
    m_md5.update(data, size);
    m_written += size;
    return m_file != nullptr && std::fwrite(data, 1, size, m_file) == size;
}

UploadSink::Outcome UploadSink::finish(const UploadRequest& request) {
    Outcome outcome;
    outcome.md5 = m_md5.hex_digest();
    const bool closed = m_file != nullptr && std::fclose(m_file) == 0;
    m_file = nullptr;
    if (!closed) {
        discard();
        outcome.message = "error: could not write " + m_stored_name;
        return outcome;
    }
    if (outcome.md5 != request.md5) {
        discard();
        outcome.message = "error: md5 mismatch for " + m_stored_name + ": header says " +
                          request.md5 + ", received data has " + outcome.md5 + " (not stored)";
        return outcome;
    }
    std::error_code ec;
    std::filesystem::rename(m_temp_path, m_final_path, ec);
    if (ec) {
        discard();
        outcome.message = "error: could not store " + m_stored_name;
        return outcome;
    }
    m_temp_path.clear();
    outcome.ok = true;
    outcome.message = "stored " + m_stored_name + " (" + std::to_string(m_written) +
                      " bytes, md5 " + outcome.md5 + " ok)";
    return outcome;
}

void UploadSink::discard() {
    if (m_file != nullptr) {
        std::fclose(m_file);
        m_file = nullptr;
    }
    if (!m_temp_path.empty()) {
        std::remove(m_temp_path.c_str());
        m_temp_path.clear();
    }
}

} // namespace sniff::commands
