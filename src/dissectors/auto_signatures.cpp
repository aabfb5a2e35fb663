// The signature table of `auto` (see auto_signatures.hpp). Each recogniser reads only through
// util::ByteReader and looks at a few header bytes; none allocates.

#include "dissectors/auto_signatures.hpp"

#include <array>
#include <span>
#include <string_view>

namespace sniff::dissect {

namespace {

using model::Direction;

std::string_view text_of(util::Bytes head, std::size_t limit = 64) {
    return {reinterpret_cast<const char*>(head.data()), std::min(head.size(), limit)};
}

// TLS record header: content type 20..23, version 3.x (x <= 4), length 1..2^14+2048 (RFC 8446 5.1).
bool tls_record(util::Bytes head, Direction) {
    util::ByteReader reader(head);
    const std::uint8_t type = reader.read_u8();
    const std::uint8_t major = reader.read_u8();
    const std::uint8_t minor = reader.read_u8();
    const std::uint16_t length = reader.read_be16();
    return reader.ok() && type >= 20 && type <= 23 && major == 3 && minor <= 4 && length >= 1 &&
           length <= (1u << 14) + 2048;
}

// PostgreSQL's untyped first message: length, then protocol 3.0 or an SSL/GSS/cancel request
// code (https://www.postgresql.org/docs/current/protocol-message-formats.html).
bool pgsql_startup(util::Bytes head, Direction direction) {
    util::ByteReader reader(head);
    const std::uint32_t length = reader.read_be32();
    const std::uint32_t code = reader.read_be32();
    if (!reader.ok() || direction != Direction::c2s)
        return false;
    if (code == 196608) // 3.0: parameters follow
        return length >= 9 && length <= 10000;
    return length == 8 && (code == 80877103 || code == 80877104);
}

// MySQL's initial handshake: 3-byte length, sequence 0, protocol version 10, a NUL-ended
// version string.
bool mysql_greeting(util::Bytes head, Direction direction) {
    util::ByteReader reader(head);
    const std::uint32_t length = reader.read_le24();
    const std::uint8_t sequence = reader.read_u8();
    const std::uint8_t protocol = reader.read_u8();
    const std::uint8_t version = reader.read_u8();
    return reader.ok() && direction == Direction::s2c && length >= 20 && length <= 4096 &&
           sequence == 0 && protocol == 10 && version >= '1' && version <= '9';
}

// MQTT CONNECT: type 1 flags 0, remaining length (varint), protocol name "MQTT" or "MQIsdp".
bool mqtt_connect(util::Bytes head, Direction direction) {
    util::ByteReader reader(head);
    if (direction != Direction::c2s || reader.read_u8() != 0x10)
        return false;
    for (int i = 0; i < 4 && (reader.read_u8() & 0x80) != 0; ++i) {
    }
    const std::uint16_t name_length = reader.read_be16();
    const util::Bytes name = reader.take(name_length == 4 || name_length == 6 ? name_length : 0);
    const std::string_view text = text_of(name);
    return reader.ok() && (text == "MQTT" || text == "MQIsdp");
}

// memcached binary: magic 0x80 (request) or 0x81 (response), data type 0, extras + key no longer
// than the body.
bool memcache_binary(util::Bytes head, Direction direction) {
    util::ByteReader reader(head);
    const std::uint8_t magic = reader.read_u8();
    reader.skip(1); // opcode
    const std::uint16_t key_length = reader.read_be16();
    const std::uint8_t extras = reader.read_u8();
    const std::uint8_t data_type = reader.read_u8();
    reader.skip(2); // vbucket or status
    const std::uint32_t body = reader.read_be32();
    return reader.ok() && magic == (direction == Direction::c2s ? 0x80 : 0x81) && data_type == 0 &&
           std::uint64_t{key_length} + extras <= body && body <= (64u << 20);
}

// DNS over TCP: a 2-byte length, then a header whose QR bit matches the direction, opcode
// QUERY, one question (RFC 1035 4.1.1, 4.2.2).
bool dns_tcp(util::Bytes head, Direction direction) {
    util::ByteReader reader(head);
    const std::uint16_t length = reader.read_be16();
    reader.skip(2); // id
    const std::uint16_t flags = reader.read_be16();
    const std::uint16_t questions = reader.read_be16();
    const std::uint16_t answers = reader.read_be16();
    const bool response = (flags & 0x8000) != 0;
    const unsigned opcode = (flags >> 11) & 0xf;
    return reader.ok() && length >= 17 && response == (direction == Direction::s2c) &&
           opcode == 0 && questions == 1 && (response || answers == 0) && (flags & 0x0040) == 0;
}

bool digits_then_crlf(std::string_view text, std::size_t from) {
    std::size_t at = from + (from < text.size() && text[from] == '-' ? 1 : 0);
    const std::size_t digits = at;
    while (at < text.size() && text[at] >= '0' && text[at] <= '9')
        ++at;
    return at > digits && text.substr(at, 2) == "\r\n";
}

// RESP: a request is an array of bulk strings ("*N\r\n$"); a reply starts with a type byte and a
// well-formed first line.
bool resp(util::Bytes head, Direction direction) {
    const std::string_view text = text_of(head);
    if (text.empty())
        return false;
    if (direction == Direction::c2s)
        return text[0] == '*' && digits_then_crlf(text, 1) &&
               text.find("\r\n$") == text.find("\r\n");
    if (text[0] == '$' || text[0] == '*' || text[0] == ':' || text[0] == '%' || text[0] == '>')
        return digits_then_crlf(text, 1);
    return text.starts_with("+OK\r\n") || text.starts_with("+PONG\r\n") ||
           text.starts_with("-ERR ") || text.starts_with("-WRONGTYPE ") ||
           text.starts_with("-NOAUTH ");
}

// memcached text: a known command word, or a known reply word, then a space or CRLF.
bool memcache_text(util::Bytes head, Direction direction) {
    static constexpr std::array<std::string_view, 18> k_commands{
        "get ",  "gets ", "set ",   "add ", "replace ", "append ", "prepend ", "cas ", "delete ",
        "incr ", "decr ", "touch ", "gat ", "mg ",      "ms ",     "md ",      "ma ",  "stats\r\n"};
    static constexpr std::array<std::string_view, 12> k_replies{
        "STORED\r\n", "NOT_STORED\r\n", "EXISTS\r\n", "NOT_FOUND\r\n", "DELETED\r\n", "TOUCHED\r\n",
        "VALUE ",     "STAT ",          "VA ",        "HD\r\n",        "EN\r\n",      "NF\r\n"};
    const std::string_view text = text_of(head, 300);
    // The first line must end in CRLF within a key's length (250) plus the rest.
    if (text.find("\r\n") == std::string_view::npos)
        return false;
    const auto& words = direction == Direction::c2s ? std::span<const std::string_view>(k_commands)
                                                    : std::span<const std::string_view>(k_replies);
    for (const std::string_view word : words)
        if (text.starts_with(word))
            return true;
    return false;
}

// NATS: the server greets with INFO {json}; a client starts with CONNECT {json}.
bool nats(util::Bytes head, Direction direction) {
    const std::string_view text = text_of(head);
    return text.starts_with(direction == Direction::s2c ? "INFO {" : "CONNECT {");
}

// AMQP 0-9-1: the client's protocol header; the server's first frame is Connection.Start
// (method frame on channel 0, class 10, method 10).
bool amqp(util::Bytes head, Direction direction) {
    if (direction == Direction::c2s)
        return text_of(head, 8) == std::string_view("AMQP\0\0\x09\x01", 8);
    util::ByteReader reader(head);
    const std::uint8_t type = reader.read_u8();
    const std::uint16_t channel = reader.read_be16();
    reader.skip(4);
    const std::uint16_t class_id = reader.read_be16();
    const std::uint16_t method_id = reader.read_be16();
    return reader.ok() && type == 1 && channel == 0 && class_id == 10 && method_id == 10;
}

// STOMP: the client's CONNECT or STOMP frame, the server's CONNECTED (or ERROR) frame.
bool stomp(util::Bytes head, Direction direction) {
    const std::string_view text = text_of(head);
    const auto command = [&](std::string_view name) {
        return text.starts_with(name) && text.size() > name.size() &&
               (text[name.size()] == '\n' || text.substr(name.size(), 2) == "\r\n");
    };
    if (direction == Direction::c2s)
        return command("CONNECT") || command("STOMP");
    return command("CONNECTED");
}

// SMTP: the server's 220 greeting; the client's EHLO or HELO.
bool smtp(util::Bytes head, Direction direction) {
    const std::string_view text = text_of(head);
    if (direction == Direction::s2c)
        return text.size() >= 5 && (text.starts_with("220 ") || text.starts_with("220-"));
    return text.size() >= 6 && (text.starts_with("EHLO ") || text.starts_with("HELO ") ||
                                text.starts_with("ehlo ") || text.starts_with("helo "));
}

// Order matters only where two rows could match the same bytes; the binary rows are exact.
constexpr std::array<Signature, 12> k_signatures{{
    {"tls", "tls", tls_record},
    {"postgresql", "pgsql", pgsql_startup},
    {"mysql", "mysql", mysql_greeting},
    {"mqtt", "mqtt", mqtt_connect},
    {"memcached-binary", "memcache-bin", memcache_binary},
    {"dns", "dns-tcp", dns_tcp},
    {"redis", "resp", resp},
    {"memcached-text", "memcache-text", memcache_text},
    {"nats", "nats", nats},
    {"amqp", "amqp", amqp},
    {"stomp", "stomp", stomp},
    {"smtp", "smtp", smtp},
}};

} // namespace

std::optional<Signature> recognise(util::Bytes head, model::Direction direction) {
    for (const Signature& row : k_signatures)
        if (row.matches(head, direction))
            return row;
    return std::nullopt;
}

} // namespace sniff::dissect
