#pragma once
// Captures of data stores with their real clients (issue 16): Redis with redis-benchmark,
// redis-cli and a RESP3 subscriber written here, memcached with a text-protocol client written
// here. Same conventions as captures.hpp: a free port, dumpcap on lo, everything stopped by PID.

#include "protocols/captures.hpp"

namespace sniff::protocols {

// redis-server; redis-benchmark -P 16 (SET, GET, PING, LPUSH, LRANGE_100); redis-cli with
// HELLO 3, COMMAND DOCS and a 200 KB value; a RESP3 subscriber receiving pushes from a publisher.
ProtocolCapture capture_redis_sessions(const std::filesystem::path& dir);
// memcached; pipelined sets, noreply, a 200 KB value, gets/cas, multi-get, stats, meta commands.
ProtocolCapture capture_memcached(const std::filesystem::path& dir);
// nats-server; a subscriber and a publisher written here: PUB (with reply subjects, a 200 KB
// payload), HPUB with headers, PING/PONG; the subscriber receives MSG and HMSG.
ProtocolCapture capture_nats(const std::filesystem::path& dir);

} // namespace sniff::protocols
