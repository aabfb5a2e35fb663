// Redis and memcached with their real clients: resp and memcache-text find one message per
// protocol message, counted independently here from the streams tshark reassembles.

#include "protocols/datastore_captures.hpp"
#include "protocols/harness.hpp"
#include "protocols/scratch.hpp"
#include "support/process.hpp"
#include "support/tshark.hpp"

#include <catch2/catch.hpp>
#include <cctype>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>

using namespace sniff::protocols;

namespace {

// An independent RESP reader: recursive descent over one stream, no state carried between calls.
class RespCounter {
public:
    explicit RespCounter(const std::string& bytes) : m_bytes(bytes) {}

    // Top-level values and, of them, RESP3 pushes; stops (leaving rest() > 0) at an incomplete one.
    void count_all() {
        while (m_at < m_bytes.size()) {
            const std::size_t start = m_at;
            const bool push = m_bytes[m_at] == '>';
            if (!value(true)) {
                m_at = start;
                return;
            }
            ++values;
            pushes += push ? 1 : 0;
        }
    }
    std::size_t rest() const { return m_bytes.size() - m_at; }
    long values = 0;
    long pushes = 0;

private:
    bool line(std::string& out) {
        const auto end = m_bytes.find("\r\n", m_at);
        if (end == std::string::npos)
            return false;
        out = m_bytes.substr(m_at, end - m_at);
        m_at = end + 2;
        return true;
    }
    bool value(bool top) {
        std::string text;
        if (!line(text) || text.empty())
            return false;
        const char type = text[0];
        if (std::string("+-:_#,(").find(type) != std::string::npos)
            return true;
        if (std::string("$!=").find(type) != std::string::npos) {
            const long length = std::stol(text.substr(1));
            if (length < 0)
                return true;
            m_at += static_cast<std::size_t>(length) + 2;
            return m_at <= m_bytes.size();
        }
        if (std::string("*~>%|").find(type) != std::string::npos) {
            long count = std::stol(text.substr(1));
            count = type == '%' ? 2 * count : type == '|' ? 2 * count + 1 : count;
            for (long i = 0; i < count; ++i)
                if (!value(false))
                    return false;
            return true;
        }
        return top; // an inline command: the line itself
    }

    const std::string& m_bytes;
    std::size_t m_at = 0;
};

// An independent memcached text reader: counts commands (client) or replies (server).
long count_memcached(const std::string& bytes, bool client) {
    std::istringstream in(bytes);
    long messages = 0;
    std::string line;
    bool in_reply = false;
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r')
            line.pop_back();
        std::istringstream words(line);
        std::vector<std::string> word{std::istream_iterator<std::string>(words), {}};
        const std::string name = word.empty() ? "" : word[0];
        std::size_t data_word = 0;
        if (client && (name == "set" || name == "add" || name == "replace" || name == "append" ||
                       name == "prepend" || name == "cas"))
            data_word = 4;
        else if (client && name == "ms")
            data_word = 2;
        else if (!client && name == "VALUE")
            data_word = 3;
        else if (!client && name == "VA")
            data_word = 1;
        if (data_word != 0)
            in.ignore(std::stol(word.at(data_word)) + 2);
        if (!client && (name == "VALUE" || name == "STAT")) {
            in_reply = true;
            continue;
        }
        ++messages;
        in_reply = false;
    }
    return in_reply ? messages + 1 : messages;
}

// An independent NATS reader: operations, with PUB/MSG/HPUB/HMSG payloads skipped by their size.
long count_nats(const std::string& bytes) {
    long operations = 0;
    for (std::size_t at = 0; at < bytes.size();) {
        const auto end = bytes.find("\r\n", at);
        if (end == std::string::npos)
            break;
        std::istringstream words(bytes.substr(at, end - at));
        std::vector<std::string> word{std::istream_iterator<std::string>(words), {}};
        at = end + 2;
        ++operations;
        std::string name = word.empty() ? "" : word[0];
        for (auto& c : name)
            c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        if (name == "PUB" || name == "MSG" || name == "HPUB" || name == "HMSG")
            at += std::stoul(word.back()) + 2;
    }
    return operations;
}

// An independent STOMP reader: frames (command, headers, blank line, body by content-length or
// to NUL) and the heart-beat EOLs between them.
struct StompCount {
    long frames = 0;
    long heart_beats = 0;
};
StompCount count_stomp(const std::string& bytes) {
    StompCount count;
    std::size_t at = 0;
    while (at < bytes.size()) {
        if (bytes[at] == '\n' || bytes.compare(at, 2, "\r\n") == 0) {
            at += bytes[at] == '\n' ? 1 : 2;
            ++count.heart_beats;
            continue;
        }
        const auto head_end = bytes.find("\n\n", at);
        const auto crlf_end = bytes.find("\r\n\r\n", at);
        const auto body = std::min(head_end == std::string::npos ? head_end : head_end + 2,
                                   crlf_end == std::string::npos ? crlf_end : crlf_end + 4);
        if (body == std::string::npos)
            break;
        const std::string head = bytes.substr(at, body - at);
        const auto length = head.find("\ncontent-length:");
        at = length == std::string::npos ? bytes.find('\0', body) + 1
                                         : body + std::stoul(head.substr(length + 16)) + 1;
        ++count.frames;
    }
    return count;
}

// TLS records (5-byte header with a 2-byte length) from `at` to the end of a stream.
long count_tls_records(const std::string& bytes, std::size_t at) {
    long records = 0;
    while (at + 5 <= bytes.size()) {
        at += 5 + (static_cast<unsigned char>(bytes[at + 3]) << 8) +
              static_cast<unsigned char>(bytes[at + 4]);
        ++records;
    }
    return at == bytes.size() ? records : -1;
}

struct Streams {
    std::vector<std::string> c2s, s2c;
};

Streams streams_of(const ProtocolCapture& capture) {
    const auto all = sniff::test::tshark_follow_all(
        capture.file.string(), sniff::test::tshark_tcp_stream_count(capture.file.string()));
    const std::string server = ":" + std::to_string(capture.port);
    Streams out;
    for (const auto& stream : all) {
        const bool node0_is_server = stream.node0.ends_with(server);
        out.c2s.push_back(node0_is_server ? stream.from_node1 : stream.from_node0);
        out.s2c.push_back(node0_is_server ? stream.from_node0 : stream.from_node1);
    }
    return out;
}

// Messages sniff marks with a header, per direction (resp: pushes); with `containing`, only
// those whose header's JSON text holds it.
DirectionCounts marked_messages(const ProtocolCapture& capture, const std::string& framing = "",
                                const std::string& containing = "") {
    const auto result = sniff::test::run_command(
        std::string(SNIFF_BIN) + " -q -r " + shell_quote(capture.file.string()) + " --framing " +
        shell_quote(framing.empty() ? capture.framing() : framing) + " --json");
    DirectionCounts marked;
    std::istringstream lines(result.out);
    std::string line;
    while (std::getline(lines, line)) {
        const auto object = nlohmann::json::parse(line, nullptr, false);
        if (!object.is_discarded() && object.value("type", "") == "message" &&
            object.contains("header") &&
            object.at("header").dump().find(containing) != std::string::npos)
            ++(object.at("dir") == "c2s" ? marked.c2s : marked.s2c);
    }
    return marked;
}

} // namespace

TEST_CASE("resp counts one message per RESP value of redis-benchmark, redis-cli and pub/sub",
          "[protocols][redis][resp]") {
    Scratch dir("redis-resp");
    const auto capture = capture_redis_sessions(dir.path());
    if (!capture.skip.empty()) {
        WARN(capture.skip);
        return;
    }
    const auto sniff = sniff_report(capture.file, capture.framing());
    const auto streams = streams_of(capture);
    DirectionCounts values, pushes;
    std::size_t left = 0;
    for (std::size_t i = 0; i < streams.c2s.size(); ++i) {
        RespCounter requests(streams.c2s[i]), replies(streams.s2c[i]);
        requests.count_all();
        replies.count_all();
        values.c2s += requests.values;
        values.s2c += replies.values;
        pushes.s2c += replies.pushes;
        left += requests.rest() + replies.rest();
    }
    INFO(capture.name << ": sniff complete " << sniff.complete << ", other " << sniff.other
                      << "; RESP values in tshark's streams " << values << " in "
                      << streams.c2s.size() << " streams; SNIFF_KEEP=1 keeps " << capture.file);
    CHECK(left == 0);
    CHECK(static_cast<int>(streams.c2s.size()) == sniff.flows);
    // 2000 requests for each of 5 tests, plus redis-cli's and the pub/sub session's.
    CHECK(values.c2s > 10000);
    CHECK(sniff.complete == values);
    CHECK(sniff.other.total() == 0);
    // Subscribe confirmations (2) and messages (5) are pushes in RESP3.
    CHECK(pushes.s2c == 7);
    CHECK(marked_messages(capture) == pushes);
}

TEST_CASE("memcache-text counts one message per command and reply of a real memcached",
          "[protocols][memcached]") {
    Scratch dir("memcached-text");
    const auto capture = capture_memcached(dir.path());
    if (!capture.skip.empty()) {
        WARN(capture.skip);
        return;
    }
    const auto sniff = sniff_report(capture.file, capture.framing());
    const auto streams = streams_of(capture);
    REQUIRE(streams.c2s.size() == 1);
    const DirectionCounts counted{count_memcached(streams.c2s[0], true),
                                  count_memcached(streams.s2c[0], false)};
    INFO(capture.name << ": sniff complete " << sniff.complete << ", other " << sniff.other
                      << "; independent count " << counted << "; SNIFF_KEEP=1 keeps "
                      << capture.file);
    // 50 sets, 2 noreply, big set, 3 gets, cas, incr, set, incr, delete, touch, 6 meta, stats,
    // version: 70 commands; noreply ones and md with q get no answer.
    CHECK(counted.c2s == 70);
    CHECK(counted.s2c == 70 - 2 - 1);
    CHECK(sniff.complete == counted);
    CHECK(sniff.other.total() == 0);
}

TEST_CASE("nats counts one message per operation between a real nats-server and its clients",
          "[protocols][nats]") {
    Scratch dir("nats");
    const auto capture = capture_nats(dir.path());
    if (!capture.skip.empty()) {
        WARN(capture.skip);
        return;
    }
    const auto sniff = sniff_report(capture.file, capture.framing());
    const auto streams = streams_of(capture);
    DirectionCounts counted;
    for (std::size_t i = 0; i < streams.c2s.size(); ++i) {
        counted.c2s += count_nats(streams.c2s[i]);
        counted.s2c += count_nats(streams.s2c[i]);
    }
    INFO(capture.name << ": sniff complete " << sniff.complete << ", other " << sniff.other
                      << "; independent count " << counted << "; SNIFF_KEEP=1 keeps "
                      << capture.file);
    // Subscriber: CONNECT, 2 SUB, 2 PING; publisher: CONNECT, 20 PUB, 3 HPUB, a big PUB, PING.
    CHECK(counted.c2s == 5 + 26);
    // INFO twice, PONG three times, 21 MSG and 3 HMSG to the subscriber.
    CHECK(counted.s2c == 2 + 3 + 21 + 3);
    CHECK(sniff.complete == counted);
    CHECK(sniff.other.total() == 0);
}

TEST_CASE("amqp counts one message per frame of rabbitmq-server and pika, as tshark does",
          "[protocols][amqp][rabbitmq]") {
    Scratch dir("rabbitmq");
    const auto captures = capture_rabbitmq(dir.path());
    const auto& capture = captures.amqp;
    if (!capture.skip.empty()) {
        WARN(capture.skip);
        return;
    }
    REQUIRE(capture.dropped == 0); // in three captures, dumpcap lost packets every time
    const auto sniff = sniff_report(capture.file, capture.framing());
    const auto frames = tshark_frames(capture.file, capture.port, "amqp", "amqp.type");
    const DirectionCounts tshark = count_occurrences(frames);
    DirectionCounts content_frames; // content header and body frames
    long body_frames = 0;
    for (const auto& frame : frames)
        for (const auto& type : frame.values)
            if (type == "2" || type == "3") {
                ++(frame.from_server ? content_frames.s2c : content_frames.c2s);
                body_frames += type == "3" ? 1 : 0;
            }
    const auto headers = marked_messages(capture, "", "protocol-header");
    INFO(capture.name << ": sniff complete " << sniff.complete << ", other " << sniff.other
                      << "; tshark amqp.type " << tshark << ", protocol headers " << headers
                      << "; SNIFF_KEEP=1 keeps " << capture.file);
    // Two connections, each opened with the 8-byte protocol header tshark shows without fields.
    CHECK(sniff.flows == 2);
    CHECK(headers == DirectionCounts{2, 0});
    CHECK(sniff.complete == DirectionCounts{tshark.c2s + 2, tshark.s2c});
    CHECK(sniff.other.total() == 0);
    // 23 messages published and delivered; the 1 MB one in body frames of at most 128 KiB.
    CHECK(body_frames >= 2 * (22 + 8));
    // amqp:content: a content's method, header and body frames are one message.
    const auto grouped = sniff_report(capture.file, std::to_string(capture.port) + "=amqp:content");
    CHECK(grouped.complete ==
          DirectionCounts{tshark.c2s + 2 - content_frames.c2s, tshark.s2c - content_frames.s2c});
    CHECK(grouped.other.total() == 0);
    CHECK(marked_messages(capture, std::to_string(capture.port) + "=amqp:content", "\"frames\"") ==
          DirectionCounts{23, 23});
}

TEST_CASE("stomp counts one message per frame of rabbitmq's STOMP plugin and python3-stomp",
          "[protocols][stomp][rabbitmq]") {
    Scratch dir("rabbitmq-stomp");
    const auto captures = capture_rabbitmq(dir.path());
    const auto& capture = captures.stomp;
    if (!capture.skip.empty()) {
        WARN(capture.skip);
        return;
    }
    REQUIRE(capture.dropped == 0); // in three captures, dumpcap lost packets every time
    const auto sniff = sniff_report(capture.file, capture.framing());
    const auto streams = streams_of(capture);
    DirectionCounts frames, heart_beats;
    for (std::size_t i = 0; i < streams.c2s.size(); ++i) {
        const auto client = count_stomp(streams.c2s[i]);
        const auto server = count_stomp(streams.s2c[i]);
        frames.c2s += client.frames;
        frames.s2c += server.frames;
        heart_beats.c2s += client.heart_beats;
        heart_beats.s2c += server.heart_beats;
    }
    INFO(capture.name << ": sniff complete " << sniff.complete << ", other " << sniff.other
                      << "; independent count: frames " << frames << ", heart-beats " << heart_beats
                      << "; SNIFF_KEEP=1 keeps " << capture.file);
    // CONNECT, SUBSCRIBE, 12 SEND, DISCONNECT; CONNECTED, 12 MESSAGE (and maybe a RECEIPT).
    CHECK(frames.c2s == 15);
    CHECK(frames.s2c >= 13);
    // A second of heart-beats negotiated at 200 ms: python3-stomp sends fewer than the broker.
    CHECK(heart_beats.c2s >= 1);
    CHECK(heart_beats.s2c >= 2);
    CHECK(sniff.complete ==
          DirectionCounts{frames.c2s + heart_beats.c2s, frames.s2c + heart_beats.s2c});
    CHECK(marked_messages(capture, "", "heart-beat") == heart_beats);
    CHECK(sniff.other.total() == 0);
}

TEST_CASE("smtp counts commands, replies, mail contents and TLS records as tshark does",
          "[protocols][smtp]") {
    Scratch dir("smtp");
    const auto capture = capture_smtp(dir.path());
    if (!capture.skip.empty()) {
        WARN(capture.skip);
        return;
    }
    const auto sniff = sniff_report(capture.file, capture.framing());
    const auto commands =
        count_occurrences(tshark_frames(capture.file, capture.port, "smtp", "smtp.req.command"));
    const auto contents =
        count_occurrences(tshark_frames(capture.file, capture.port, "smtp", "imf"));
    // tshark dissects the TLS handshake after STARTTLS but not the records after it: those are
    // counted here, walking the record headers of the streams from where TLS begins.
    DirectionCounts records;
    const auto streams = streams_of(capture);
    for (std::size_t i = 0; i < streams.c2s.size(); ++i) {
        const std::string& client = streams.c2s[i];
        const std::string& server = streams.s2c[i];
        const auto starttls = client.find("STARTTLS\r\n");
        if (starttls == std::string::npos)
            continue;
        // The server's 220 after its EHLO reply ("250 ..." ends it) answers STARTTLS.
        const auto ready = server.find("\r\n220 ", server.find("\r\n250 "));
        records.c2s += count_tls_records(client, starttls + 10);
        records.s2c += count_tls_records(server, server.find("\r\n", ready + 2) + 2);
    }
    // tshark shows each line of a multi-line reply ("250-...") on its own; the reply ends with
    // the line whose code is followed by a space.
    DirectionCounts replies;
    for (const auto& frame : tshark_frames(capture.file, capture.port, "smtp", "smtp.response"))
        for (const auto& line : frame.values)
            if (line.size() > 3 && line[3] == ' ')
                ++(frame.from_server ? replies.s2c : replies.c2s);
    INFO(capture.name << ": sniff complete " << sniff.complete << ", other " << sniff.other
                      << "; tshark commands " << commands << ", contents " << contents
                      << ", replies " << replies << ", TLS records " << records
                      << "; SNIFF_KEEP=1 keeps " << capture.file);
    CHECK(sniff.flows == 4);
    CHECK(contents.c2s == 2); // swaks' two plain mails; the other two are inside TLS
    CHECK(records.c2s > 2);   // past the handshake: the mail inside TLS
    CHECK(records.s2c > 2);
    CHECK(sniff.complete ==
          DirectionCounts{commands.c2s + contents.c2s + records.c2s, replies.s2c + records.s2c});
    CHECK(sniff.other.total() == 0);
    CHECK(marked_messages(capture, "", "\"data\"") == DirectionCounts{2, 0});
}
