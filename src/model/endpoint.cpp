#include "model/endpoint.hpp"

#include <arpa/inet.h>

namespace sniff::model {

const char* protocol_name(Protocol protocol) {
    return protocol == Protocol::tcp ? "tcp" : "udp";
}

IpAddress IpAddress::v4(std::uint32_t host_order) {
    IpAddress address;
    address.version = 4;
    for (int i = 0; i < 4; ++i)
        address.bytes[i] = static_cast<std::uint8_t>(host_order >> (24 - 8 * i));
    return address;
}

IpAddress IpAddress::v6(const std::array<std::uint8_t, 16>& bytes) {
    IpAddress address;
    address.version = 6;
    address.bytes = bytes;
    return address;
}

bool IpAddress::parse(const std::string& text, IpAddress& out) {
    IpAddress parsed;
    if (inet_pton(AF_INET, text.c_str(), parsed.bytes.data()) == 1) {
        parsed.version = 4;
    } else if (inet_pton(AF_INET6, text.c_str(), parsed.bytes.data()) == 1) {
        parsed.version = 6;
    } else {
        return false;
    }
    out = parsed;
    return true;
}

std::string IpAddress::to_string() const {
    char text[INET6_ADDRSTRLEN] = {};
    inet_ntop(version == 6 ? AF_INET6 : AF_INET, bytes.data(), text, sizeof text);
    return text;
}

std::string Endpoint::to_string() const {
    const std::string address = ip.to_string();
    if (ip.version == 6)
        return "[" + address + "]:" + std::to_string(port);
    return address + ":" + std::to_string(port);
}

} // namespace sniff::model
