// sniff --proxy as a user runs it: a real client/server pair from Debian's packages through it,
// the command server behind an adversarial re-chunking proxy, and -w read back by sniff -r.

#include "support/ports.hpp"
#include "support/process.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace sniff::test;

namespace {

std::vector<nlohmann::json> json_lines(const std::string& text) {
    std::vector<nlohmann::json> objects;
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line))
        if (!line.empty())
            objects.push_back(nlohmann::json::parse(line));
    return objects;
}

// Runs a bash script (written to a file, so no quoting layer expands its $ signs).
CommandResult run_script(const std::filesystem::path& dir, const std::string& script) {
    const auto path = dir / "script.sh";
    std::ofstream(path) << "set -u\n" << script << "\n";
    return run_command("timeout 120 bash '" + path.string() + "'");
}

std::size_t count_messages(const std::vector<nlohmann::json>& events, const std::string& dir,
                           const std::string& preview) {
    std::size_t count = 0;
    for (const auto& event : events)
        if (event["type"] == "message" && event["dir"] == dir && event["preview"] == preview)
            ++count;
    return count;
}

} // namespace

TEST_CASE("redis-benchmark through sniff --proxy completes and every line is counted",
          "[integration][proxy]") {
    if (!have_program("redis-server") || !have_program("redis-benchmark")) {
        WARN("redis is not installed (./run test installs it)");
        return;
    }
    const auto dir = scratch_dir("proxy-redis");
    const int redis = free_port();
    const int listen = free_port();
    const std::string script =
        "redis-server --port " + std::to_string(redis) +
        " --save '' --appendonly no --daemonize no >/dev/null & r=$!; " + SNIFF_BIN + " --proxy " +
        std::to_string(listen) + ":127.0.0.1:" + std::to_string(redis) +
        " --framing crlf --json > '" + (dir / "events.json").string() +
        "' & s=$!; sleep 0.5; redis-benchmark -p " + std::to_string(listen) +
        " -n 1000 -c 4 -P 8 -t ping -q; status=$?; kill -INT $s; wait $s; kill $r; wait $r; "
        "exit $status";
    const auto result = run_script(dir, script);
    INFO(result.out << result.err);
    REQUIRE(result.exit_code == 0);
    const auto events = json_lines(read_file(dir / "events.json"));
    // -t ping runs PING_INLINE ("PING\r\n") and PING_MBULK ("*1\r\n$4\r\nPING\r\n"), 1000 each:
    // 2000 "PING" lines and 1000 "*1" lines from the client ("$4" also heads the "save" of the
    // CONFIG GET redis-benchmark sends first, so it is not counted here).
    CHECK(count_messages(events, "c2s", "PING\\r\\n") == 2000);
    CHECK(count_messages(events, "c2s", "*1\\r\\n") == 1000);
    CHECK(count_messages(events, "s2c", "+PONG\\r\\n") == 2000);
    std::filesystem::remove_all(dir);
}

TEST_CASE("the command server behind an adversarial proxy still answers intact, and -w replays "
          "the same messages",
          "[integration][proxy]") {
    const auto dir = scratch_dir("proxy-adversarial");
    const int target = free_port();
    const int listen = free_port();
    const auto pcap = (dir / "proxy.pcap").string();
    const std::string proxy = std::string(SNIFF_BIN) + " --proxy " + std::to_string(listen) +
                              ":127.0.0.1:" + std::to_string(target) +
                              " --serve --framing struct --rechunk adversarial --json -w '" + pcap +
                              "' > '" + (dir / "live.json").string() + "'";
    const std::string client = std::string(SNIFF_BIN) +
                               " client 127.0.0.1:" + std::to_string(listen) +
                               " --framing struct -e 'bytes 5000' -e 'echo hi' -e 'repeat 3 abc' "
                               "-e 'bytes 70000'";
    const auto result = run_script(dir, proxy + " & s=$!; sleep 0.5; " + client +
                                            "; status=$?; kill -INT $s; wait $s; exit $status");
    INFO(result.out << result.err);
    REQUIRE(result.exit_code == 0); // the client verified every answer intact

    auto lengths = [](const std::vector<nlohmann::json>& events) {
        std::vector<std::pair<std::string, std::uint64_t>> found;
        for (const auto& event : events)
            if (event["type"] == "message")
                found.emplace_back(event["dir"], event["length"]);
        return found;
    };
    const auto live = lengths(json_lines(read_file(dir / "live.json")));
    const auto replay =
        run_command(std::string(SNIFF_BIN) + " -q -r '" + pcap + "' --framing struct --json");
    REQUIRE(replay.exit_code == 0);
    CHECK(live.size() == 8); // four requests, four answers
    CHECK(lengths(json_lines(replay.out)) == live);
    std::filesystem::remove_all(dir);
}

TEST_CASE("the proxy's read size: --proxy-buffer caps every read, bad sizes are usage errors",
          "[integration][proxy]") {
    const auto dir = scratch_dir("proxy-buffer");
    const int server = free_port();
    const int listen = free_port();
    // The server sends 100,000 bytes at once; the proxy may read at most 4096 at a time.
    const std::string script =
        "python3 -c 'import socket; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, "
        "socket.SO_REUSEADDR, 1); s.bind((\"127.0.0.1\", " +
        std::to_string(server) +
        ")); s.listen(1); c, _ = s.accept(); c.sendall(b\"x\" * 100000); c.close()' & p=$!; " +
        SNIFF_BIN + " --proxy " + std::to_string(listen) + ":127.0.0.1:" + std::to_string(server) +
        " --proxy-buffer 4K --json > '" + (dir / "events.json").string() +
        "' & s=$!; sleep 0.5; python3 -c 'import socket; "
        "c=socket.create_connection((\"127.0.0.1\", " +
        std::to_string(listen) +
        "))\nn=0\nwhile True:\n  b=c.recv(65536)\n  if not b: break\n  n+=len(b)\nprint(n)'; "
        "status=$?; sleep 0.3; kill -INT $s; wait $s; wait $p; exit $status";
    const auto result = run_script(dir, script);
    INFO(result.out << result.err);
    REQUIRE(result.exit_code == 0);
    CHECK(result.out.find("100000") != std::string::npos);
    std::uint64_t bytes = 0;
    std::size_t chunks = 0;
    for (const auto& event : json_lines(read_file(dir / "events.json")))
        if (event["type"] == "segment" && event["dir"] == "s2c") {
            CHECK(event["length"].get<std::uint64_t>() <= 4096);
            bytes += event["length"].get<std::uint64_t>();
            ++chunks;
        }
    CHECK(bytes == 100000);
    CHECK(chunks >= 25); // 100000 / 4096 rounded up

    for (const std::string bad : {"0", "512", "65M", "lots"}) {
        const auto refused =
            run_command(std::string(SNIFF_BIN) + " --proxy " + std::to_string(listen) +
                        ":127.0.0.1:" + std::to_string(server) + " --proxy-buffer " + bad);
        INFO(bad << ": " << refused.err);
        CHECK(refused.exit_code == 2);
        CHECK(refused.err.find("--proxy-buffer") != std::string::npos);
    }
    const auto without_proxy = run_command(std::string(SNIFF_BIN) + " -r x.pcap --proxy-buffer 4K");
    CHECK(without_proxy.exit_code == 2);
    std::filesystem::remove_all(dir);
}

namespace {

// Round trips through the proxy at PROXY_PID's port, 0.3 ms apart, then an idle second. Prints
// JSON: the proxy's voluntary context switches (times it slept) during the round trips, and the
// CPU ticks it used while idle. The pause makes the proxy run out of events between round trips
// however slow it is (a sanitized build under load), so a loop that sleeps when it has nothing to
// do sleeps every time.
constexpr const char* k_busy_poll_probe = R"py(
import json, socket, sys, threading, time
listen, target, pid, trips = (int(a) for a in sys.argv[1:5])
server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", target))
server.listen(1)
def echo():
    conn, _ = server.accept()
    while True:
        data = conn.recv(65536)
        if not data:
            break
        conn.sendall(data)
threading.Thread(target=echo, daemon=True).start()
def status(field):
    with open(f"/proc/{pid}/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith(field + ":"))
def cpu_ticks():
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])
deadline = time.monotonic() + 5
while True:
    try:
        client = socket.create_connection(("127.0.0.1", listen))
        break
    except OSError:
        if time.monotonic() > deadline:
            raise
        time.sleep(0.05)
client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
def trip():
    client.sendall(b"p" * 64)
    got = 0
    while got < 64:
        got += len(client.recv(64 - got))
for _ in range(200):
    trip()
before = status("voluntary_ctxt_switches")
for _ in range(trips):
    trip()
    time.sleep(0.0003)
switches = status("voluntary_ctxt_switches") - before
time.sleep(0.3)
idle_before = cpu_ticks()
time.sleep(1.0)
print(json.dumps({"switches": switches, "idle_ticks": cpu_ticks() - idle_before}))
client.close()
)py";

nlohmann::json busy_poll_probe(const std::filesystem::path& dir, const std::string& flags,
                               int trips) {
    std::ofstream(dir / "probe.py") << k_busy_poll_probe;
    const int target = free_port();
    const int listen = free_port();
    const std::string script = std::string(SNIFF_BIN) + " --proxy " + std::to_string(listen) +
                               ":127.0.0.1:" + std::to_string(target) + " --no-tui -q " + flags +
                               " > /dev/null & s=$!; python3 '" + (dir / "probe.py").string() +
                               "' " + std::to_string(listen) + " " + std::to_string(target) +
                               " $s " + std::to_string(trips) +
                               "; status=$?; kill -INT $s; wait $s; exit $status";
    const auto result = run_script(dir, script);
    INFO(result.out << result.err);
    REQUIRE(result.exit_code == 0);
    return nlohmann::json::parse(result.out);
}

} // namespace

TEST_CASE("busy polling keeps the proxy's loop awake while traffic flows and lets it sleep after",
          "[integration][proxy]") {
    const auto dir = scratch_dir("proxy-busy-poll");
    constexpr int k_trips = 1000;
    // Without it the loop sleeps between round trips: the measure sees that.
    const auto sleeping =
        busy_poll_probe(dir, "--framing crlf -w /dev/null --busy-poll 0", k_trips);
    INFO("with --busy-poll 0: " << sleeping.dump());
    CHECK(sleeping["switches"].get<int>() >= k_trips);
    // With it (10 ms, far above the pause) the loop never sleeps between them, and
    // once the traffic stops it sleeps: an idle second costs a few ticks, not the 100 of a spin.
    const auto polling =
        busy_poll_probe(dir, "--framing crlf -w /dev/null --busy-poll 10000", k_trips);
    INFO("with --busy-poll 10000: " << polling.dump());
    CHECK(polling["switches"].get<int>() < k_trips / 20);
    CHECK(polling["idle_ticks"].get<int>() <= 5);
    // The proxy's default (50 µs) sleeps once idle too.
    const auto by_default = busy_poll_probe(dir, "--framing crlf -w /dev/null", k_trips);
    INFO("by default: " << by_default.dump());
    CHECK(by_default["idle_ticks"].get<int>() <= 5);

    for (const std::string bad : {"-1", "10001", "soon"}) {
        const auto refused =
            run_command(std::string(SNIFF_BIN) + " --proxy " + std::to_string(free_port()) +
                        ":127.0.0.1:9 --busy-poll " + bad);
        INFO(bad << ": " << refused.err);
        CHECK(refused.exit_code == 2);
        CHECK(refused.err.find("--busy-poll") != std::string::npos);
    }
    const auto without_loop = run_command(std::string(SNIFF_BIN) + " -r x.pcap --busy-poll 50");
    CHECK(without_loop.exit_code == 2);
    CHECK(without_loop.err.find("--busy-poll") != std::string::npos);
    std::filesystem::remove_all(dir);
}
