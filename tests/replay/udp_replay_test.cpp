// sniff replay of UDP flows against a real DNS server (dnsmasq on a free loopback port): dig's
// queries captured on lo by dumpcap and replayed to a fresh dnsmasq, each datagram one message.
// Every answer is equal without --ignore-bytes: dig randomises the DNS id (and its cookie), but
// the replay sends the captured query bytes, id and cookie included, and dnsmasq copies the id
// into its answer and answers no cookie (it has no cookie support), so no answer byte depends on
// the run. Also: a replay to a port where nothing listens (missing, exit 1 at once), a flow of
// several turns from one socket in every --await and --timing, an answer the live server never
// sends (missing, the next request still answered and compared), --rechunk refused for UDP, and
// --side server answering dig with the captured answer, byte for byte on the wire.

#include "replay/support.hpp"

#include <arpa/inet.h>
#include <atomic>
#include <chrono>
#include <fstream>
#include <sstream>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

using namespace sniff;
using namespace sniff::replay_test;

namespace {

const std::string k_long_text(200, 't');

// dnsmasq answering from its own tables only: example.test (and below) is `address`, slow.test is
// `slow` (an address, or "#PORT": forwarded to 127.0.0.1#PORT, where the test keeps a socket
// that never answers), big.example.test has a 600-byte TXT record.
struct Dnsmasq {
    Dnsmasq(const std::filesystem::path& dir, const std::string& address,
            const std::string& slow = "10.0.0.9")
        : port(protocols::free_port()),
          process("dnsmasq -k --conf-file=/dev/null --no-resolv --no-hosts --user=root --port=" +
                      std::to_string(port) +
                      " --listen-address=127.0.0.1 --bind-interfaces --log-facility=- --pid-file=" +
                      shell_quote((dir / ("dnsmasq-" + std::to_string(port) + ".pid")).string()) +
                      " --address=/example.test/" + address +
                      (slow.starts_with("#") ? " --server=/slow.test/127.0.0.1" + slow
                                             : " --address=/slow.test/" + slow) +
                      " --txt-record=big.example.test," + k_long_text + "," + k_long_text + "," +
                      k_long_text,
                  dir / ("dnsmasq-" + std::to_string(port) + ".log")) {
        // dnsmasq serves TCP on the same port: connecting there says it is up.
        REQUIRE(protocols::wait_for_port(port, 10000));
    }
    ~Dnsmasq() { process.stop(SIGTERM); }
    int port;
    Background process;
};

std::string dig(int port, const std::string& options, const std::string& queries) {
    const auto result = test::run_command("timeout 30 dig +tries=1 +time=2 " + options + " -p " +
                                          std::to_string(port) + " @127.0.0.1 " + queries);
    REQUIRE(result.exit_code == 0);
    return result.out;
}

// A standard query for `name` (RD set), as a resolver sends it: header, QNAME labels, type, IN.
std::string dns_query(std::uint16_t id, const std::string& name, std::uint16_t type) {
    std::string out{
        static_cast<char>(id >> 8), static_cast<char>(id & 0xff), 1, 0, 0, 1, 0, 0, 0, 0, 0, 0};
    std::istringstream labels(name);
    std::string label;
    while (std::getline(labels, label, '.')) {
        out += static_cast<char>(label.size());
        out += label;
    }
    out += std::string{0, static_cast<char>(type >> 8), static_cast<char>(type & 0xff), 0, 1};
    return out;
}

// Several queries from one UDP socket, each sent when the previous answer came (or after 1 s):
// one flow of several turns. Returns how many were answered.
int ask_in_turn(int port, const std::vector<std::string>& queries, int pause_ms) {
    const int fd = socket(AF_INET, SOCK_DGRAM, 0);
    REQUIRE(fd >= 0);
    auto address = protocols::loopback(port);
    REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    timeval timeout{1, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    int answered = 0;
    for (const auto& query : queries) {
        REQUIRE(send(fd, query.data(), query.size(), 0) == static_cast<ssize_t>(query.size()));
        char answer[4096];
        if (recv(fd, answer, sizeof answer, 0) > 0)
            ++answered;
        usleep(static_cast<useconds_t>(pause_ms) * 1000);
    }
    close(fd);
    return answered;
}

// A UDP echo server on a loopback port, in a thread: one datagram at a time, so while it holds a
// datagram that contains "slow" for `slow_ms`, the ones after it wait too.
class UdpEcho {
public:
    UdpEcho() : m_fd(socket(AF_INET, SOCK_DGRAM, 0)) {
        auto address = protocols::loopback(0);
        socklen_t length = sizeof address;
        REQUIRE(bind(m_fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
        REQUIRE(getsockname(m_fd, reinterpret_cast<sockaddr*>(&address), &length) == 0);
        port = ntohs(address.sin_port);
        timeval poll_every{0, 50 * 1000};
        setsockopt(m_fd, SOL_SOCKET, SO_RCVTIMEO, &poll_every, sizeof poll_every);
        m_thread = std::thread([this] { serve(); });
    }
    ~UdpEcho() {
        m_stop = true;
        m_thread.join();
        close(m_fd);
    }
    UdpEcho(const UdpEcho&) = delete;
    UdpEcho& operator=(const UdpEcho&) = delete;

    int port = 0;
    std::atomic<int> slow_ms{0};

private:
    void serve() {
        char datagram[2048];
        while (!m_stop) {
            sockaddr_in from{};
            socklen_t length = sizeof from;
            const auto got = recvfrom(m_fd, datagram, sizeof datagram, 0,
                                      reinterpret_cast<sockaddr*>(&from), &length);
            if (got <= 0)
                continue;
            const std::string text(datagram, static_cast<std::size_t>(got));
            if (text.find("slow") != std::string::npos)
                std::this_thread::sleep_for(std::chrono::milliseconds(slow_ms.load()));
            sendto(m_fd, datagram, static_cast<std::size_t>(got), 0,
                   reinterpret_cast<sockaddr*>(&from), length);
        }
    }

    int m_fd;
    std::atomic<bool> m_stop{false};
    std::thread m_thread;
};

// True once something has bound 127.0.0.1:port for UDP (/proc/net/udp), without sending to it.
bool udp_bound(int port, int timeout_ms) {
    char wanted[32];
    std::snprintf(wanted, sizeof wanted, "0100007F:%04X", port);
    for (int waited = 0; waited < timeout_ms; waited += 50) {
        std::ifstream table("/proc/net/udp");
        std::string line;
        while (std::getline(table, line)) {
            std::istringstream fields(line);
            std::string slot, local;
            fields >> slot >> local;
            if (local == wanted)
                return true;
        }
        usleep(50 * 1000);
    }
    return false;
}

// The UDP payloads a port sent (or received), in capture order, as tshark reads them (hex).
std::vector<std::string> udp_payloads(const std::filesystem::path& file, const std::string& field,
                                      int port) {
    const auto listed = test::run_command("tshark -n -r " + shell_quote(file.string()) + " -Y " +
                                          shell_quote(field + "==" + std::to_string(port)) +
                                          " -T fields -e udp.payload");
    REQUIRE(listed.exit_code == 0);
    std::vector<std::string> payloads;
    std::istringstream in(listed.out);
    std::string line;
    while (std::getline(in, line))
        if (!line.empty())
            payloads.push_back(line);
    return payloads;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Two queries of one dig with a fixed id: two flows, served one after the other.
const std::string k_served = "a.example.test A big.example.test TXT";
const std::string k_dig_queries = "a.example.test A big.example.test TXT other.invalid A";

struct Captured {
    std::filesystem::path file;
    int port = 0; // the captured server's
};

// dig's three queries, each from its own socket: three flows of one query and one answer.
Captured capture_dig(const std::filesystem::path& dir) {
    Dnsmasq server(dir, "10.1.2.3");
    Captured out{dir / "dig.pcapng", server.port};
    protocols::LoopbackCapture capture(out.file, server.port, "udp");
    REQUIRE(capture.started());
    const auto output = dig(server.port, "", k_dig_queries);
    REQUIRE(output.find("10.1.2.3") != std::string::npos);
    capture.stop();
    return out;
}

} // namespace

TEST_CASE("dig's UDP queries replay against a fresh dnsmasq with every answer equal",
          "[replay][udp]") {
    if (skip_without({"dnsmasq", "dig", "dumpcap", "tshark"}))
        return;
    const auto dir = test::scratch_dir("replay-udp-dig");
    const auto captured = capture_dig(dir);
    const auto& file = captured.file;
    {
        Dnsmasq fresh(dir, "10.1.2.3");
        const auto written = dir / "replayed.pcap";
        const auto run = run_replay(shell_quote(file.string()) +
                                    " --flow all --to 127.0.0.1:" + std::to_string(fresh.port) +
                                    " -w " + shell_quote(written.string()));
        INFO(run.out << run.err);
        CHECK(run.exit_code == 0);
        CHECK(run.summary.value("flows", 0) == 3);
        CHECK(run.summary.value("requests", 0) == 3);
        CHECK(run.summary.value("answers_equal", 0) == 3);
        CHECK(run.summary.value("answers_different", -1) == 0);
        CHECK(run.summary.value("answers_missing", -1) == 0);
        CHECK(run.summary.value("flows_failed", -1) == 0);
        REQUIRE(run.flows.size() == 3);
        for (const auto& flow : run.flows) {
            CHECK(flow["chunking"] == "datagrams as captured");
            CHECK(flow["framing"] == "datagrams");
        }
        // The replayed datagrams went through the views: -w wrote them as UDP, one per message,
        // and each is the captured query byte for byte.
        const auto sent = udp_payloads(written, "udp.dstport", fresh.port);
        const auto answers = udp_payloads(written, "udp.srcport", fresh.port);
        CHECK(sent.size() == 3);
        CHECK(sent == udp_payloads(file, "udp.dstport", captured.port));
        CHECK(answers == udp_payloads(file, "udp.srcport", captured.port));
    }
    // The same replay against a server that answers another address: the A answer differs at
    // its last bytes, the other two are still equal, and the exit status says so.
    Dnsmasq other(dir, "10.9.9.9");
    const auto run =
        run_replay(shell_quote(file.string()) + " --to 127.0.0.1:" + std::to_string(other.port));
    INFO(run.out << run.err);
    CHECK(run.exit_code == 1);
    CHECK(run.summary.value("answers_equal", 0) == 2);
    CHECK(run.summary.value("answers_different", 0) == 1);
    bool found = false;
    for (const auto& event : run.events)
        if (event["result"] == "different") {
            found = true;
            CHECK(event["captured_flow"] == 1);
            CHECK(event["expected_length"] == event["got_length"]);
        }
    CHECK(found);
    // The text report says the same, the address bytes escaped in both versions.
    const auto text =
        test::run_command(std::string(SNIFF_BIN) + " replay " + shell_quote(file.string()) +
                          " --to 127.0.0.1:" + std::to_string(other.port) + " -q");
    INFO(text.out << text.err);
    CHECK(text.exit_code == 1);
    CHECK(
        text.out.find("replay of flow 1 as the client, to 127.0.0.1:" + std::to_string(other.port) +
                      " (datagrams, chunks datagrams as captured):") != std::string::npos);
    CHECK(text.out.find("answer 1 different at byte ") != std::string::npos);
    CHECK(text.out.find("\\n\\x01\\x02\\x03") != std::string::npos); // captured 10.1.2.3
    CHECK(text.out.find("\\n\\t\\t\\t") != std::string::npos);       // replayed 10.9.9.9
    CHECK(text.out.find("replay: 3 flows, 3 requests sent, 2 equal, 1 different, 0 missing, "
                        "0 extra") != std::string::npos);
}

TEST_CASE("a UDP replay to a port where nothing listens reports the answers missing at once",
          "[replay][udp]") {
    if (skip_without({"dnsmasq", "dig", "dumpcap", "tshark"}))
        return;
    const auto dir = test::scratch_dir("replay-udp-nobody");
    const auto captured = capture_dig(dir);
    const int nobody = protocols::free_port();
    for (const std::string mode : {"", "--await none", "--await idle:50"}) {
        INFO("mode: " << mode);
        const auto start = std::chrono::steady_clock::now();
        const auto run = run_replay(shell_quote(captured.file.string()) +
                                    " --to 127.0.0.1:" + std::to_string(nobody) + " " + mode);
        const double took = seconds_since(start);
        INFO(run.out << run.err);
        CHECK(run.exit_code == 1);
        CHECK(run.summary.value("answers_missing", 0) == 3);
        CHECK(run.summary.value("answers_equal", -1) == 0);
        CHECK(run.summary.value("flows_failed", 0) == 3);
        REQUIRE(run.flows.size() == 3);
        const std::string said = "nothing listens on 127.0.0.1:" + std::to_string(nobody);
        for (const auto& flow : run.flows)
            CHECK(flow.value("failure", "").find(said) != std::string::npos);
        // The ICMP port unreachable says so at once: no answer timeout is waited for.
        CHECK(took < 1.5);
    }
}

TEST_CASE("a UDP flow of several turns replays in every turn-taking and timing mode",
          "[replay][udp]") {
    if (skip_without({"dnsmasq", "dumpcap"}))
        return;
    const auto dir = test::scratch_dir("replay-udp-turns");
    const auto file = dir / "turns.pcapng";
    const std::vector<std::string> queries{
        dns_query(0x1001, "a.example.test", 1), dns_query(0x1002, "big.example.test", 16),
        dns_query(0x1003, "other.invalid", 1), dns_query(0x1004, "c.example.test", 1)};
    {
        Dnsmasq server(dir, "10.1.2.3");
        protocols::LoopbackCapture capture(file, server.port, "udp");
        REQUIRE(capture.started());
        REQUIRE(ask_in_turn(server.port, queries, 150) == 4);
        capture.stop();
    }
    Dnsmasq fresh(dir, "10.1.2.3");
    const std::string target = " --to 127.0.0.1:" + std::to_string(fresh.port);
    for (const std::string mode : {"", "--await idle:100", "--await none", "--timing original",
                                   "--timing scale:0.5 --max-gap 100", "--rechunk original"}) {
        INFO("mode: " << mode);
        const auto start = std::chrono::steady_clock::now();
        const auto run = run_replay(shell_quote(file.string()) + target + " " + mode);
        const double took = seconds_since(start);
        INFO(run.out << run.err);
        CHECK(run.exit_code == 0);
        CHECK(run.summary.value("flows", 0) == 1);
        CHECK(run.summary.value("requests", 0) == 4);
        CHECK(run.summary.value("answers_equal", 0) == 4);
        REQUIRE(run.events.size() == 4);
        for (std::size_t i = 0; i < run.events.size(); ++i)
            CHECK(run.events[i]["request"] == i + 1); // each answer after its own query
        if (mode == "--timing original")
            CHECK(took >= 0.45); // three captured pauses of 150 ms
        if (mode == "--await idle:100")
            CHECK(took >= 0.4); // 100 ms of silence after each of four answers
    }
    // Datagrams are messages: re-chunking them is a usage error when every flow is UDP.
    const auto rechunked = run_replay(shell_quote(file.string()) + target + " --rechunk 1");
    CHECK(rechunked.exit_code == 2);
    CHECK(rechunked.err.find("--rechunk does not apply to UDP") != std::string::npos);
}

TEST_CASE("an answer the live UDP server never sends is missing and the next one still compares",
          "[replay][udp]") {
    if (skip_without({"dnsmasq", "dumpcap"}))
        return;
    const auto dir = test::scratch_dir("replay-udp-lost");
    const auto file = dir / "lost.pcapng";
    const std::vector<std::string> queries{dns_query(0x2001, "a.example.test", 1),
                                           dns_query(0x2002, "slow.test", 1),
                                           dns_query(0x2003, "c.example.test", 1)};
    {
        Dnsmasq server(dir, "10.1.2.3");
        protocols::LoopbackCapture capture(file, server.port, "udp");
        REQUIRE(capture.started());
        REQUIRE(ask_in_turn(server.port, queries, 0) == 3);
        capture.stop();
    }
    // The live server forwards slow.test to a socket that never answers: no answer comes.
    const int silent_port = protocols::free_port();
    const int silent = socket(AF_INET, SOCK_DGRAM, 0);
    auto address = protocols::loopback(silent_port);
    REQUIRE(bind(silent, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    Dnsmasq fresh(dir, "10.1.2.3", "#" + std::to_string(silent_port));
    const auto start = std::chrono::steady_clock::now();
    const auto run =
        run_replay(shell_quote(file.string()) + " --to 127.0.0.1:" + std::to_string(fresh.port));
    const double took = seconds_since(start);
    // --answer-timeout shortens the one wait: the same run, 1.7 s sooner.
    const auto quick_start = std::chrono::steady_clock::now();
    const auto quick =
        run_replay(shell_quote(file.string()) + " --to 127.0.0.1:" + std::to_string(fresh.port) +
                   " --answer-timeout 300");
    const double quick_took = seconds_since(quick_start);
    close(silent);
    INFO("default " << took << " s, --answer-timeout 300: " << quick_took << " s");
    CHECK(quick.summary.value("answers_missing", 0) == 1);
    CHECK(quick.summary.value("answers_equal", 0) == 2);
    CHECK(took >= 2.0);
    CHECK(quick_took < took - 1.0);
    INFO(run.out << run.err);
    CHECK(run.exit_code == 1);
    CHECK(run.summary.value("requests", 0) == 3);
    CHECK(run.summary.value("answers_equal", 0) == 2);
    CHECK(run.summary.value("answers_missing", 0) == 1);
    CHECK(run.summary.value("answers_different", -1) == 0);
    CHECK(run.summary.value("flows_failed", -1) == 0);
    REQUIRE(run.events.size() == 3);
    CHECK(run.events[1]["result"] == "missing");
    CHECK(run.events[2]["result"] == "equal");
    CHECK(run.events[2]["request"] == 3);
    CHECK(took < 10); // one answer timeout, not a hang
}

TEST_CASE("a UDP answer that comes after its timeout is extra, not the next request's answer",
          "[replay][udp]") {
    if (skip_without({"dumpcap"}))
        return;
    const auto dir = test::scratch_dir("replay-udp-late");
    const auto file = dir / "echo.pcapng";
    UdpEcho echo;
    {
        protocols::LoopbackCapture capture(file, echo.port, "udp");
        REQUIRE(capture.started());
        REQUIRE(ask_in_turn(echo.port, {"first request", "slow second request", "third request"},
                            0) == 3);
        capture.stop();
    }
    // Answer 2 comes 1.5 s after its request: 0.5 s after the 1 s timeout sent request 3, 0.5 s
    // before request 3's own timeout; answer 3 right behind it.
    echo.slow_ms = 1500;
    const auto run =
        run_replay(shell_quote(file.string()) + " --to 127.0.0.1:" + std::to_string(echo.port) +
                   " --answer-timeout 1000");
    INFO(run.out << run.err);
    CHECK(run.exit_code == 1);
    CHECK(run.summary.value("requests", 0) == 3);
    CHECK(run.summary.value("answers_equal", 0) == 2);
    CHECK(run.summary.value("answers_missing", 0) == 1);
    CHECK(run.summary.value("answers_extra", 0) == 1);
    CHECK(run.summary.value("answers_different", -1) == 0);
    REQUIRE(run.events.size() == 4);
    CHECK(run.events[1]["result"] == "missing");
    CHECK(run.events[2]["result"] == "extra");
    CHECK(run.events[2]["request"] == 2); // the answer to request 2, late
    CHECK(run.events[3]["result"] == "equal");
    CHECK(run.events[3]["request"] == 3);
    REQUIRE(run.flows.size() == 1);
    CHECK(run.flows[0].dump().find("answer 2 came after the 1000 ms answer timeout") !=
          std::string::npos);
}

TEST_CASE("a replayed UDP server gives dig the captured answers byte for byte flow after flow",
          "[replay][udp]") {
    if (skip_without({"dnsmasq", "dig", "dumpcap", "tshark"}))
        return;
    const auto dir = test::scratch_dir("replay-udp-server");
    // A fixed id and no cookie: dig's query is the same in both runs, so the captured answer
    // (which carries the id) is the right answer to the live query.
    const std::string options = "+qid=4660 +nocookie +noall +answer";
    const auto file = dir / "served.pcapng";
    int captured_port = 0;
    std::string captured_output;
    {
        Dnsmasq server(dir, "10.1.2.3");
        captured_port = server.port;
        protocols::LoopbackCapture capture(file, server.port, "udp");
        REQUIRE(capture.started());
        captured_output = dig(server.port, options, k_served);
        capture.stop();
    }
    REQUIRE(captured_output.find(k_long_text) != std::string::npos);
    const int port = protocols::free_port();
    const auto replayed = dir / "replayed.pcapng";
    Background replayer(std::string(SNIFF_BIN) + " replay " + shell_quote(file.string()) +
                            " --side server --listen " + std::to_string(port) + " --json -q",
                        dir / "replayer.log");
    REQUIRE(udp_bound(port, 10000));
    protocols::LoopbackCapture capture(replayed, port, "udp");
    REQUIRE(capture.started());
    // dig sends its second query (from another port: the second flow's client) as soon as the
    // first answer came, while the first flow still lingers: it waits for its flow, unrefused.
    const auto output = dig(port, options, k_served);
    capture.stop();
    wait_for_end(replayer, 10000); // it ends by itself after its two flows
    replayer.stop(SIGTERM, 10000);
    INFO(replayer.log());
    CHECK(output == captured_output);
    const auto answers = udp_payloads(replayed, "udp.srcport", port);
    REQUIRE(answers.size() == 2);
    CHECK(answers == udp_payloads(file, "udp.srcport", captured_port));
    // The requests dig sent are the captured ones: compared equal.
    CHECK(replayer.log().find("\"answers_equal\":2") != std::string::npos);
    CHECK(replayer.log().find("\"answers_different\":0") != std::string::npos);
}

TEST_CASE("UDP and TCP flows of one capture replay together with --rechunk cutting the TCP ones",
          "[replay][udp]") {
    if (skip_without({"dnsmasq", "dig", "dumpcap"}))
        return;
    const auto dir = test::scratch_dir("replay-udp-mixed");
    const auto file = dir / "mixed.pcapng";
    {
        Dnsmasq server(dir, "10.1.2.3");
        protocols::LoopbackCapture capture(file, server.port, "");
        REQUIRE(capture.started());
        dig(server.port, "", "a.example.test A");
        dig(server.port, "+tcp", "big.example.test TXT");
        capture.stop();
    }
    Dnsmasq fresh(dir, "10.1.2.3");
    const auto run = run_replay(shell_quote(file.string()) + " --flow all --to 127.0.0.1:" +
                                std::to_string(fresh.port) + " --rechunk 1");
    INFO(run.out << run.err);
    CHECK(run.exit_code == 0);
    CHECK(run.summary.value("flows", 0) == 2);
    CHECK(run.summary.value("answers_different", -1) == 0);
    CHECK(run.summary.value("answers_missing", -1) == 0);
    CHECK(run.summary.value("answers_equal", 0) >= 2);
    REQUIRE(run.flows.size() == 2);
    CHECK(run.flows[0]["chunking"] == "datagrams as captured");
    CHECK(run.flows[0]["notes"].dump().find("--rechunk applies to TCP flows only") !=
          std::string::npos);
    CHECK(run.flows[1]["chunking"] == "fixed:1");
    // The replayed flows as the views saw them: the TCP query went out one byte per write, the
    // UDP one as one datagram.
    std::istringstream lines(run.out);
    std::string line;
    int seen = 0;
    while (std::getline(lines, line)) {
        const auto event = nlohmann::json::parse(line, nullptr, false);
        // A flow's counters come with its close.
        if (event.is_discarded() || event.value("type", "") != "flow" || !event.contains("c2s"))
            continue;
        ++seen;
        const auto& c2s = event["c2s"];
        if (event["proto"] == "tcp")
            CHECK(c2s["segments"] == c2s["bytes"]);
        else
            CHECK(c2s["segments"] == 1);
    }
    CHECK(seen == 2);
}
