#pragma once
// Captures of real programs talking over loopback, made on demand (nothing large is committed).
// Each function starts a server on a free port, captures while Debian's client talks to it, stops
// both, and returns the file — or says why it could not (not root, a program is missing).

#include <filesystem>
#include <string>
#include <vector>

namespace sniff::protocols {

struct ProtocolCapture {
    std::string name;
    std::string skip; // non-empty: no capture was made, and this says why
    std::filesystem::path file;
    int port = 0;
    std::string preset; // sniff's framing for this protocol: the right answer for `auto`
    long dropped = 0;   // packets dumpcap said it dropped (-1: it did not say)
    std::string framing() const { return std::to_string(port) + "=" + preset; }
};

// dnsmasq answering `dig +tcp +keepopen` (several queries per connection).
ProtocolCapture capture_dns(const std::filesystem::path& dir);
// openssl s_server -rev (echoes lines reversed) and s_client sending ~300 KB, TLS 1.3 and 1.2.
ProtocolCapture capture_tls(const std::filesystem::path& dir);
// A scratch PostgreSQL cluster and psql, with sslmode=disable and sslmode=prefer (answered 'N').
ProtocolCapture capture_pgsql(const std::filesystem::path& dir);
// redis-server and redis-benchmark with 16 pipelined requests per write.
ProtocolCapture capture_redis(const std::filesystem::path& dir);
// sniff serve and sniff client speaking one of the article's framings (struct, json-header,
// ascii-len); large_first_answer: one connection whose first command is answered with 300 KB.
ProtocolCapture capture_article(const std::filesystem::path& dir, const std::string& framing,
                                bool large_first_answer = false);

// Why captures cannot be made here, or empty.
std::string capture_prerequisites();

} // namespace sniff::protocols
