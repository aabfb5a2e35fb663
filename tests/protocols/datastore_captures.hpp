#pragma once
// Captures of data stores, brokers and mail with their real clients (issue 16): Redis with
// redis-benchmark, redis-cli and a RESP3 subscriber written here, memcached with a text-protocol
// client written here, RabbitMQ with python3-pika and python3-stomp, SMTP with python3-aiosmtpd,
// swaks and Python's smtplib (tests/protocols/clients/). Same conventions as captures.hpp: a free
// port, dumpcap on lo, everything stopped by PID.

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

// One rabbitmq-server (a node of its own under dir: ports, node name, epmd, mnesia and logs),
// with its STOMP plugin: python3-pika publishes 23 messages (one of 1 MB, split into body frames)
// and consumes them; python3-stomp sends and receives 12 (with and without content-length, one
// holding NULs, one of 200 KB) with heart-beats every 200 ms. Two captures, one per port.
struct BrokerCaptures {
    ProtocolCapture amqp;
    ProtocolCapture stomp;
};
BrokerCaptures capture_rabbitmq(const std::filesystem::path& dir);
// MariaDB (mariadbd with a scratch data directory) and the mariadb client without TLS: a greeting,
// authentication, result sets of 50 rows and of one 100 KB row, an error, and COM_QUIT.
ProtocolCapture capture_mysql(const std::filesystem::path& dir);
// mosquitto with mosquitto_sub and mosquitto_pub: QoS 0, 1 and 2 publishes (PUBACK, PUBREC,
// PUBREL, PUBCOMP), 50 lines on one connection and a 200 KB payload (a 3-byte remaining length).
ProtocolCapture capture_mqtt(const std::filesystem::path& dir);
// memcached speaking its binary protocol to libmemcached-tools' --binary clients: a 200 KB value
// stored and read back, existence checks, touch, delete and stats.
ProtocolCapture capture_memcached_binary(const std::filesystem::path& dir);
// python3-aiosmtpd with STARTTLS (a certificate made by openssl here); swaks sending a
// dot-stuffed mail, a 200 KB attachment and a mail after STARTTLS (--tls); smtplib sending one
// mail after STARTTLS.
ProtocolCapture capture_smtp(const std::filesystem::path& dir);

} // namespace sniff::protocols
