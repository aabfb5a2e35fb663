#include "commands/md5.hpp"

#include <array>
#include <fstream>
#include <openssl/evp.h>
#include <stdexcept>

namespace sniff::commands {

struct Md5::State {
    EVP_MD_CTX* ctx = nullptr;
};

Md5::Md5() : m_state(std::make_unique<State>()) {
    m_state->ctx = EVP_MD_CTX_new();
    if (m_state->ctx == nullptr || EVP_DigestInit_ex(m_state->ctx, EVP_md5(), nullptr) != 1)
        throw std::runtime_error("MD5 is not available from libcrypto");
}

Md5::~Md5() {
    EVP_MD_CTX_free(m_state->ctx);
}

void Md5::update(const void* data, std::size_t size) {
    if (size > 0)
        EVP_DigestUpdate(m_state->ctx, data, size);
}

std::string Md5::hex_digest() {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int length = 0;
    EVP_DigestFinal_ex(m_state->ctx, digest.data(), &length);
    static constexpr char k_hex[] = "0123456789abcdef";
    std::string out;
    for (unsigned int i = 0; i < length; ++i) {
        out += k_hex[digest[i] >> 4];
        out += k_hex[digest[i] & 0xf];
    }
    return out;
}

std::string md5_hex(std::string_view data) {
    Md5 md5;
    md5.update(data.data(), data.size());
    return md5.hex_digest();
}

std::optional<std::string> md5_file_hex(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return std::nullopt;
    Md5 md5;
    std::array<char, 65536> buffer{};
    while (in) {
        in.read(buffer.data(), buffer.size());
        md5.update(buffer.data(), static_cast<std::size_t>(in.gcount()));
    }
    if (in.bad())
        return std::nullopt;
    return md5.hex_digest();
}

} // namespace sniff::commands
