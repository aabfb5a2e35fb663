#pragma once
// MD5 of a byte string or a file, as lowercase hex: the checksum the article's upload header
// carries. MD5 is used here only to detect accidental corruption in transit, never for security.

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace sniff::commands {

// Incremental MD5 (OpenSSL libcrypto EVP underneath).
class Md5 {
public:
    Md5();
    ~Md5();
    Md5(const Md5&) = delete;
    Md5& operator=(const Md5&) = delete;

    void update(const void* data, std::size_t size);
    std::string hex_digest(); // finishes the hash; 32 lowercase hex digits

private:
    struct State;
    std::unique_ptr<State> m_state;
};

std::string md5_hex(std::string_view data);

// MD5 of a file's contents; nullopt when it cannot be read.
std::optional<std::string> md5_file_hex(const std::string& path);

} // namespace sniff::commands
