// Request/answer pairing on real programs (issue 21): for every framing whose protocol has one
// side ask and the other answer, sniff counts requests and answers per connection. On captures
// of real clients and servers that answered everything, the counts agree and equal an
// independent count; a server that glues requests in one read answers fewer, and sniff says so
// in JSON, the text report and --summary.

#include "protocols/captures.hpp"
#include "protocols/datastore_captures.hpp"
#include "protocols/harness.hpp"
#include "protocols/scratch.hpp"
#include "protocols/web_captures.hpp"
#include "support/ports.hpp"
#include "support/process.hpp"
#include "support/tshark.hpp"

#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

using namespace sniff::protocols;

namespace {

struct FlowPairing {
    std::uint64_t requests = 0;
    std::uint64_t answers = 0;
    bool agree = false;
    std::string text;
};

// The pairing lines of `sniff -r FILE --framing F --json`, in flow order.
std::vector<FlowPairing> pairings(const std::filesystem::path& file, const std::string& framing) {
    const auto result =
        sniff::test::run_command(std::string(SNIFF_BIN) + " -q -r " + shell_quote(file.string()) +
                                 " --framing " + shell_quote(framing) + " --json");
    if (result.exit_code != 0)
        throw std::runtime_error("sniff failed: " + result.err);
    std::vector<FlowPairing> found;
    std::istringstream lines(result.out);
    for (std::string line; std::getline(lines, line);) {
        const auto object = nlohmann::json::parse(line, nullptr, false);
        if (object.is_discarded() || object.value("type", "") != "pairing")
            continue;
        found.push_back(FlowPairing{object.at("requests"), object.at("answers"), object.at("agree"),
                                    object.at("text")});
    }
    return found;
}

std::string describe(const std::vector<FlowPairing>& found) {
    std::string text;
    for (const auto& pairing : found)
        text += pairing.text + "\n";
    return text;
}

std::uint64_t total_requests(const std::vector<FlowPairing>& found) {
    std::uint64_t total = 0;
    for (const auto& pairing : found)
        total += pairing.requests;
    return total;
}

long count_of(const std::string& bytes, const std::string& text) {
    long count = 0;
    for (auto at = bytes.find(text); at != std::string::npos; at = bytes.find(text, at + 1))
        ++count;
    return count;
}

} // namespace

TEST_CASE("pairing: psql and postgres, one ReadyForQuery per startup and query",
          "[protocols][pgsql][pairing]") {
    Scratch dir("pairing-pgsql");
    const auto capture = capture_pgsql(dir.path());
    if (!capture.skip.empty()) {
        WARN(capture.skip);
        return;
    }
    const auto found = pairings(capture.file, capture.framing());
    INFO(describe(found) << "SNIFF_KEEP=1 keeps " << capture.file);
    REQUIRE(found.size() == 2);
    // Startup and 3 queries; then SSLRequest (answered 'N'), startup and 1 query. Terminate
    // asks for nothing.
    CHECK(found[0].requests == 4);
    CHECK(found[1].requests == 3);
    for (const auto& pairing : found)
        CHECK(pairing.agree);
    // tshark's own count of ReadyForQuery, plus the one 'N' it does not dissect.
    const auto types = tshark_frames(capture.file, capture.port, "pgsql", "pgsql.type");
    long ready = 0;
    for (const auto& frame : types)
        for (const auto& value : frame.values)
            ready += frame.from_server && value.find("Ready") != std::string::npos ? 1 : 0;
    CHECK(ready + 1 == static_cast<long>(found[0].answers + found[1].answers));
}

TEST_CASE("pairing: redis-benchmark, redis-cli and a RESP3 subscriber get an answer per command",
          "[protocols][redis][pairing]") {
    Scratch dir("pairing-redis");
    const auto capture = capture_redis_sessions(dir.path());
    if (!capture.skip.empty()) {
        WARN(capture.skip);
        return;
    }
    const auto found = pairings(capture.file, capture.framing());
    INFO(describe(found) << "SNIFF_KEEP=1 keeps " << capture.file);
    REQUIRE(found.size() > 4);
    for (const auto& pairing : found)
        CHECK(pairing.agree);
    CHECK(total_requests(found) > 10000); // 2000 for each of redis-benchmark's 5 tests
}

TEST_CASE("pairing: memcached answers every command but noreply and quiet meta commands",
          "[protocols][memcached][pairing]") {
    Scratch dir("pairing-memcached");
    const auto capture = capture_memcached(dir.path());
    if (!capture.skip.empty()) {
        WARN(capture.skip);
        return;
    }
    const auto found = pairings(capture.file, capture.framing());
    INFO(describe(found) << "SNIFF_KEEP=1 keeps " << capture.file);
    REQUIRE(found.size() == 1);
    // 70 commands, of which 2 noreply and one md with q get no answer (datastore_test.cpp).
    CHECK(found[0].requests == 67);
    CHECK(found[0].answers == 67);
    CHECK(found[0].agree);
}

TEST_CASE("pairing: nats-server answers each client PING with a PONG",
          "[protocols][nats][pairing]") {
    Scratch dir("pairing-nats");
    const auto capture = capture_nats(dir.path());
    if (!capture.skip.empty()) {
        WARN(capture.skip);
        return;
    }
    const auto found = pairings(capture.file, capture.framing());
    INFO(describe(found) << "SNIFF_KEEP=1 keeps " << capture.file);
    REQUIRE(found.size() == 2);
    // The subscriber pings twice, the publisher once (datastore_test.cpp).
    CHECK(total_requests(found) == 3);
    for (const auto& pairing : found)
        CHECK(pairing.agree);
}

TEST_CASE("pairing: curl, nc and nginx, one final response per request",
          "[protocols][http][pairing]") {
    Scratch dir("pairing-http");
    const auto capture = capture_nginx(dir.path());
    if (!capture.skip.empty()) {
        WARN(capture.skip);
        return;
    }
    const auto found = pairings(capture.file, capture.framing());
    INFO(describe(found) << "SNIFF_KEEP=1 keeps " << capture.file);
    REQUIRE(!found.empty());
    // An independent count: request lines in the streams tshark reassembles.
    const auto streams = sniff::test::tshark_follow_all(
        capture.file.string(), sniff::test::tshark_tcp_stream_count(capture.file.string()));
    const std::string server = ":" + std::to_string(capture.port);
    long request_lines = 0;
    for (const auto& stream : streams)
        request_lines +=
            count_of(stream.node0.ends_with(server) ? stream.from_node1 : stream.from_node0,
                     " HTTP/1.1\r\n");
    CHECK(static_cast<long>(total_requests(found)) == request_lines);
    for (const auto& pairing : found)
        CHECK(pairing.agree);
}

TEST_CASE("pairing: the article's ascii-len handshake, one ready per length text",
          "[protocols][article][pairing]") {
    Scratch dir("pairing-ascii-len");
    const auto capture = capture_article(dir.path(), "ascii-len");
    if (!capture.skip.empty()) {
        WARN(capture.skip);
        return;
    }
    const auto found = pairings(capture.file, capture.framing());
    INFO(describe(found) << "SNIFF_KEEP=1 keeps " << capture.file);
    REQUIRE(found.size() == 1);
    // sniff serve answers each of the client's 5 commands with a length text, and sniff client
    // acks each with "ready".
    CHECK(found[0].requests == 5);
    CHECK(found[0].answers == 5);
    CHECK(found[0].agree);
}

// A server that reads once and answers once (the article's naive reader) behind sniff's proxy:
// the client's three commands reach it glued in one recv(), and it answers one of them.
TEST_CASE("pairing: a server that glues three RESP commands in one read answers once, and every "
          "view says so",
          "[protocols][redis][pairing]") {
    const auto dir = sniff::test::scratch_dir("pairing-glued");
    const int server = sniff::test::free_port();
    const int listen = sniff::test::free_port();
    std::ofstream(dir / "server.py") << R"(import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(1)
c, _ = s.accept()
time.sleep(0.5)
c.recv(65536)
c.sendall(b"+OK\r\n")
time.sleep(0.3); c.close()
)";
    std::ofstream(dir / "client.py") << R"(import socket, sys, time
c = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
for key in (b"a", b"b", b"c"):
    c.sendall(b"*2\r\n$3\r\nGET\r\n$1\r\n" + key + b"\r\n")
    time.sleep(0.05)
c.settimeout(3)
got = c.recv(100)
c.close()
sys.exit(0 if got == b"+OK\r\n" else 1)
)";
    const std::string d = "'" + dir.string() + "/";
    for (const std::string style : {"--json", "", "--summary"}) {
        INFO("sniff --proxy ... --framing resp " << style);
        std::ofstream(dir / "run.sh")
            << "python3 " << d << "server.py' " << server << " & p=$!\n"
            << "sleep 0.3\n"
            << SNIFF_BIN << " --proxy " << listen << ":127.0.0.1:" << server
            << " --framing resp --no-tui " << style << " > " << d << "out' & s=$!\n"
            << "sleep 0.5\npython3 " << d << "client.py' " << listen
            << "\nstatus=$?\nwait $p\nsleep 0.2\nkill -INT $s\nwait $s\nexit $status\n";
        const auto run = sniff::test::run_command("timeout 30 bash " + d + "run.sh'");
        const std::string out = sniff::test::read_file(dir / "out");
        INFO(out << run.err);
        REQUIRE(run.exit_code == 0);
        if (style == "--json") {
            std::size_t seen = 0;
            std::istringstream lines(out);
            for (std::string line; std::getline(lines, line);) {
                const auto object = nlohmann::json::parse(line, nullptr, false);
                if (object.is_discarded() || object.value("type", "") != "pairing")
                    continue;
                ++seen;
                CHECK(object["requests"] == 3);
                CHECK(object["answers"] == 1);
                CHECK(object["agree"] == false);
            }
            CHECK(seen == 1);
        } else {
            CHECK(out.find("3 requests, 1 answer (3 expected)") != std::string::npos);
        }
    }
    std::filesystem::remove_all(dir);
}
