#pragma once
// What one --proxy option asks for: listen here, forward there. Parsing is separate from
// binding so the CLI can report every bad option before opening any socket.

#include "model/endpoint.hpp"

#include <cstdint>
#include <string>

namespace sniff::proxy {

struct ProxySpec {
    model::Protocol protocol = model::Protocol::tcp;
    // An IP literal (no brackets). Only loopback unless the user names another address.
    std::string listen_address = "127.0.0.1";
    // 0 binds an ephemeral port (tests); Proxy::listen_endpoints() tells which one.
    std::uint16_t listen_port = 0;
    std::string target_host; // a name or an IP literal (no brackets); resolved once at start
    std::uint16_t target_port = 0;

    // "tcp:127.0.0.1:9000:example.org:80", with IPv6 literals in brackets.
    std::string to_string() const;
};

// Parses [tcp:|udp:][LISTEN_ADDR:]LISTEN_PORT:HOST:PORT. IPv6 addresses are written in brackets
// ("[::1]"). Ports are 1..65535. Returns false with error naming the bad part, e.g.
//   bad target port "80x" in "9000:db:80x" (expected 1-65535)
// out is only written on success.
bool parse_proxy_spec(const std::string& text, ProxySpec& out, std::string& error);

} // namespace sniff::proxy
