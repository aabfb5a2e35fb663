#include "proxy/proxy_spec.hpp"

#include <charconv>
#include <string_view>
#include <vector>

namespace sniff::proxy {
namespace {

// Splits at ':' outside brackets. Brackets must wrap a whole part ("[::1]"); false otherwise.
bool split_parts(std::string_view text, std::vector<std::string_view>& parts,
                 std::string& problem) {
    std::size_t start = 0;
    std::size_t i = 0;
    while (i <= text.size()) {
        if (i < text.size() && text[i] == '[') {
            if (i != start) {
                problem = "'[' in the middle of a part";
                return false;
            }
            const auto close = text.find(']', i);
            if (close == std::string_view::npos) {
                problem = "unclosed '['";
                return false;
            }
            i = close + 1;
            if (i < text.size() && text[i] != ':') {
                problem = "text after ']'";
                return false;
            }
            continue;
        }
        if (i == text.size() || text[i] == ':') {
            parts.push_back(text.substr(start, i - start));
            start = i + 1;
        }
        ++i;
    }
    return true;
}

bool parse_port(std::string_view text, std::uint16_t& port) {
    unsigned value = 0;
    const auto* end = text.data() + text.size();
    const auto result = std::from_chars(text.data(), end, value);
    if (text.empty() || result.ec != std::errc{} || result.ptr != end || value == 0 ||
        value > 65535)
        return false;
    port = static_cast<std::uint16_t>(value);
    return true;
}

// Removes the brackets of an IPv6 literal; bracketed text must be IPv6.
bool unbracket(std::string_view part, std::string& out, bool& was_bracketed) {
    was_bracketed = part.size() >= 2 && part.front() == '[' && part.back() == ']';
    out = std::string(was_bracketed ? part.substr(1, part.size() - 2) : part);
    if (!was_bracketed)
        return out.find_first_of("[]") == std::string::npos;
    model::IpAddress ip;
    return model::IpAddress::parse(out, ip) && ip.version == 6;
}

std::string quoted(std::string_view text) {
    return "\"" + std::string(text) + "\"";
}

} // namespace

std::string ProxySpec::to_string() const {
    auto host = [](const std::string& name) {
        return name.find(':') != std::string::npos ? "[" + name + "]" : name;
    };
    return std::string(model::protocol_name(protocol)) + ":" + host(listen_address) + ":" +
           std::to_string(listen_port) + ":" + host(target_host) + ":" +
           std::to_string(target_port);
}

bool parse_proxy_spec(const std::string& text, ProxySpec& out, std::string& error) {
    const std::string context = " in " + quoted(text);
    std::vector<std::string_view> parts;
    std::string problem;
    if (!split_parts(text, parts, problem)) {
        error = problem + context;
        return false;
    }
    ProxySpec spec;
    std::size_t at = 0;
    if (parts.size() >= 4 && (parts[0] == "tcp" || parts[0] == "udp")) {
        spec.protocol = parts[0] == "tcp" ? model::Protocol::tcp : model::Protocol::udp;
        at = 1;
    }
    const std::size_t left = parts.size() - at;
    if (left != 3 && left != 4) {
        error = "expected [tcp:|udp:][LISTEN_ADDR:]LISTEN_PORT:HOST:PORT" + context;
        return false;
    }
    bool bracketed = false;
    if (left == 4) {
        std::string address;
        model::IpAddress ip;
        if (!unbracket(parts[at], address, bracketed) || !model::IpAddress::parse(address, ip) ||
            (ip.version == 6 && !bracketed)) {
            error = "bad listen address " + quoted(parts[at]) + context +
                    " (an IPv4 address or a bracketed IPv6 address)";
            return false;
        }
        spec.listen_address = address;
        ++at;
    }
    if (!parse_port(parts[at], spec.listen_port)) {
        error = "bad listen port " + quoted(parts[at]) + context + " (expected 1-65535)";
        return false;
    }
    ++at;
    if (parts[at].empty() || !unbracket(parts[at], spec.target_host, bracketed)) {
        error = "bad target host " + quoted(parts[at]) + context;
        return false;
    }
    ++at;
    if (!parse_port(parts[at], spec.target_port)) {
        error = "bad target port " + quoted(parts[at]) + context + " (expected 1-65535)";
        return false;
    }
    out = spec;
    return true;
}

} // namespace sniff::proxy
