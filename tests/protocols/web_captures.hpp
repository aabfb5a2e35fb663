#pragma once
// Captures of real web servers and clients over loopback (issue 15), made on demand like those of
// captures.hpp: nginx with curl and nc, a python3-websockets echo server and client, nghttpd
// with nghttp and h2load.

#include "protocols/captures.hpp"

namespace sniff::protocols {

// nginx-light serving files, 204, 304, HEAD, gzip (chunked) and a 1 MB body over keep-alive
// connections to curl, Content-Length and chunked request bodies, a pipelined burst from nc and a
// chunked request of three chunks with a trailer from nc.
ProtocolCapture capture_nginx(const std::filesystem::path& dir);
// python3-websockets: an echo server and a client sending small, 126-byte, 70 KB and fragmented
// messages and a ping, without compression.
ProtocolCapture capture_websocket(const std::filesystem::path& dir);
// nghttpd (cleartext) with nghttp (prior knowledge and h2c upgrade) and h2load.
ProtocolCapture capture_http2(const std::filesystem::path& dir);
// HTTP/1.1 requests upgraded to cleartext HTTP/2 (Upgrade: h2c, 101): nghttp -u and curl
// --http2 to nghttpx (nghttp2-proxy) in front of nghttpd.
ProtocolCapture capture_h2c_upgrade(const std::filesystem::path& dir);
// python3-grpcio: unary calls (one of 1 MB), a bidirectional stream of 50 messages and 6
// concurrent unary calls of ~100 KB.
ProtocolCapture capture_grpc(const std::filesystem::path& dir);

} // namespace sniff::protocols
