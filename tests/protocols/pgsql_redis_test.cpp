// PostgreSQL from psql and Redis from redis-benchmark: sniff's message counts per direction equal
// tshark's pgsql messages, and sniff's crlf lines equal an independent count of CRLFs in the
// streams tshark reassembles.

#include "protocols/captures.hpp"
#include "protocols/harness.hpp"
#include "protocols/scratch.hpp"
#include "support/tshark.hpp"

#include <catch2/catch.hpp>
#include <map>
#include <set>

using namespace sniff::protocols;

namespace {

// PostgreSQL's SSLRequest: length 8, code 80877103.
constexpr const char* k_ssl_request_hex = "0000000804d2162f";

// tshark 4.0 dissects the SSLRequest ("SSL request") and the untyped startup message ("Startup
// message"), both with a pgsql.length, but not the server's one-byte answer 'N' (or 'S'): that
// frame's protocols stop at tcp. Count it here, from the payload, where tshark left it out.
long unnamed_ssl_answers(const ProtocolCapture& capture, const std::set<long>& dissected) {
    const auto payloads = tshark_frames(capture.file, capture.port, "pgsql", "tcp.payload");
    std::map<int, const TsharkFrame*> first_c2s, first_s2c;
    for (const auto& frame : payloads) {
        auto& first = frame.from_server ? first_s2c : first_c2s;
        if (!first.contains(frame.stream))
            first[frame.stream] = &frame;
    }
    long answers = 0;
    for (const auto& [stream, request] : first_c2s) {
        if (request->values.empty() || !request->values[0].starts_with(k_ssl_request_hex) ||
            !first_s2c.contains(stream))
            continue;
        const auto* answer = first_s2c[stream];
        if (!dissected.contains(answer->frame) && !answer->values.empty() &&
            (answer->values[0] == "4e" || answer->values[0] == "53"))
            ++answers;
    }
    return answers;
}

long count_crlf(const std::string& bytes) {
    long count = 0;
    for (auto at = bytes.find("\r\n"); at != std::string::npos; at = bytes.find("\r\n", at + 2))
        ++count;
    return count;
}

} // namespace

TEST_CASE("pgsql counts the PostgreSQL messages tshark finds between psql and postgres",
          "[protocols][pgsql]") {
    Scratch dir("pgsql");
    const auto capture = capture_pgsql(dir.path());
    if (!capture.skip.empty()) {
        WARN(capture.skip);
        return;
    }
    const auto sniff = sniff_report(capture.file, capture.framing());
    const auto messages = tshark_frames(capture.file, capture.port, "pgsql", "pgsql.length");
    auto tshark = count_occurrences(messages);
    std::set<long> dissected;
    for (const auto& frame : messages)
        dissected.insert(frame.frame);
    const long answers = unnamed_ssl_answers(capture, dissected);
    tshark.s2c += answers;
    INFO(capture.name << ": sniff --framing " << capture.framing() << " complete c2s/s2c "
                      << sniff.complete.c2s << "/" << sniff.complete.s2c << ", other "
                      << sniff.other.total() << "; tshark " << tshark.c2s << "/" << tshark.s2c
                      << " including " << answers << " SSL answer(s); SNIFF_KEEP=1 keeps "
                      << capture.file);
    CHECK(sniff.flows == 2);
    CHECK(answers == 1); // the sslmode=prefer connection
    // Startup, 3 queries and Terminate; then SSLRequest, startup, 1 query and Terminate.
    CHECK(tshark.c2s == 9);
    CHECK(sniff.complete == tshark);
    CHECK(sniff.other.total() == 0);
    CHECK(sniff.skipped_bytes == 0);
}

TEST_CASE("crlf counts as many lines as there are CRLFs in redis-benchmark's pipelined streams",
          "[protocols][redis]") {
    Scratch dir("redis");
    const auto capture = capture_redis(dir.path());
    if (!capture.skip.empty()) {
        WARN(capture.skip);
        return;
    }
    const auto sniff = sniff_report(capture.file, std::to_string(capture.port) + "=crlf");
    // tshark 4.0's RESP dissector counts frames, not messages; the independent count is the CRLFs
    // in the bytes tshark reassembles (a CRLF cannot overlap another, so each ends one line).
    const auto streams = sniff::test::tshark_follow_all(
        capture.file.string(), sniff::test::tshark_tcp_stream_count(capture.file.string()));
    const std::string server = ":" + std::to_string(capture.port);
    DirectionCounts crlfs;
    for (const auto& stream : streams) {
        const bool node0_is_server = stream.node0.ends_with(server);
        crlfs.c2s += count_crlf(node0_is_server ? stream.from_node1 : stream.from_node0);
        crlfs.s2c += count_crlf(node0_is_server ? stream.from_node0 : stream.from_node1);
    }
    INFO(capture.name << ": sniff --framing crlf complete c2s/s2c " << sniff.complete.c2s << "/"
                      << sniff.complete.s2c << ", other " << sniff.other.total()
                      << "; CRLFs in tshark's streams " << crlfs.c2s << "/" << crlfs.s2c << " in "
                      << streams.size() << " streams; SNIFF_KEEP=1 keeps " << capture.file);
    CHECK(static_cast<int>(streams.size()) == sniff.flows);
    // 2000 requests of each: SET is 7 lines, GET 5, PING_INLINE 1, PING_MBULK 2.
    CHECK(crlfs.c2s >= 2000 * 15);
    CHECK(sniff.complete == crlfs);
    CHECK(sniff.other.total() == 0);
}
