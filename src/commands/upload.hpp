#pragma once
// The article's upload: a JSON header {"cmd": "upload", "file_name", "file_size", "md5"} (framed as
// json-header) followed by file_size bytes. The server stores the file under its upload directory
// and replies whether the MD5 matched.
//
// Path traversal: the name is reduced to its base name, so "../../etc/x" is stored as "x" and
// "C:\\a\\b.txt" as "b.txt". Names that reduce to "", "." or "..", or hold control bytes, are
// refused. The file is written to a temporary name and renamed only when the MD5 matches; on a
// mismatch it is removed.

#include "commands/md5.hpp"

#include <cstdint>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace sniff::commands {

struct UploadRequest {
    std::string file_name; // as sent (untrusted)
    std::uint64_t file_size = 0;
    std::string md5; // lowercase hex as sent
};

bool is_upload_header(const nlohmann::json& header);

// Validates the header's fields; nullopt with reason set when one is missing or mistyped.
std::optional<UploadRequest> parse_upload_header(const nlohmann::json& header, std::string& reason);

// The base name to store under, or nullopt when none is safe.
std::optional<std::string> safe_base_name(std::string_view name);

// The request header a client sends for `path` (reads the file to hash it); nullopt when the
// file cannot be read.
std::optional<nlohmann::json> make_upload_header(const std::string& path, std::uint64_t& size);

// Receives one upload's bytes into a temporary file, then commits or discards it.
class UploadSink {
public:
    UploadSink() = default;
    ~UploadSink();
    UploadSink(const UploadSink&) = delete;
    UploadSink& operator=(const UploadSink&) = delete;

    // Opens a temporary file in dir for the stored name; false with reason when it cannot.
    bool open(const std::string& dir, const std::string& stored_name, std::string& reason);
    bool write(const char* data, std::size_t size);
    // Checks the MD5; renames into place when it matches. Fills the reply fields.
    struct Outcome {
        bool ok = false;
        std::string message; // one line for the answer body
        std::string md5;     // what arrived
    };
    Outcome finish(const UploadRequest& request);
    void discard();

private:
    std::FILE* m_file = nullptr;
    std::string m_temp_path;
    std::string m_final_path;
    std::string m_stored_name;
    std::uint64_t m_written = 0;
    Md5 m_md5;
};

} // namespace sniff::commands
