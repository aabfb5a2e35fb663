// sniff --proxy as a user runs it, for what re-chunking delivers and what -w leaves behind: a
// naive reader broken by --rechunk alone, coalescing, the written chunks in the views, a
// recording killed with SIGKILL read back by sniff and tshark (and a live capture's), memory
// returned after a burst.
// The peers are Python scripts (tests/proxy/naive_peer.py, tests/integration/proxy_peers.py).

#include "support/ports.hpp"
#include "support/process.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <set>
#include <unistd.h>

using namespace sniff::test;

namespace {

const std::string k_naive_peer = std::string(SNIFF_SOURCE_DIR) + "/tests/proxy/naive_peer.py";
const std::string k_peers = std::string(SNIFF_SOURCE_DIR) + "/tests/integration/proxy_peers.py";

CommandResult run_script(const std::filesystem::path& dir, const std::string& script) {
    const auto path = dir / "script.sh";
    // wl PORT: waits until something listens on 127.0.0.1:PORT (Python starts slowly under load).
    std::ofstream(path) << "set -u\nwl() { for i in $(seq 300); do ss -Hltn \"sport = :$1\" | "
                           "grep -q . && return 0; sleep 0.1; done; return 1; }\n"
                        << script << "\n";
    return run_command("timeout 180 bash '" + path.string() + "'");
}

std::vector<nlohmann::json> json_lines(const std::string& text) {
    std::vector<nlohmann::json> objects;
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line))
        if (!line.empty() && line[0] == '{')
            objects.push_back(nlohmann::json::parse(line, nullptr, false));
    return objects;
}

// "whole W broken B" lines of naive_peer.py's server.
std::vector<std::pair<int, int>> verdicts(const std::string& out) {
    std::vector<std::pair<int, int>> found;
    std::istringstream lines(out);
    std::string word;
    int whole = 0;
    int broken = 0;
    std::string line;
    while (std::getline(lines, line)) {
        std::istringstream fields(line);
        std::string broken_word;
        if (fields >> word >> whole >> broken_word >> broken && word == "whole")
            found.emplace_back(whole, broken);
    }
    return found;
}

// naive_peer.py's server behind `sniff --proxy ... OPTIONS`, its client through the proxy;
// the script prints the server's verdict lines.
CommandResult naive_through_sniff(const std::filesystem::path& dir, const std::string& options,
                                  int connections, int messages, bool pipelined) {
    const int listen = free_port();
    const std::string script =
        "python3 '" + k_naive_peer + "' server naive " + std::to_string(connections) + " > '" +
        (dir / "server.out").string() + "' & p=$!; for i in $(seq 300); do grep -q port '" +
        (dir / "server.out").string() +
        "' && break; sleep 0.1; done; port=$(sed -n 's/port //p' '" +
        (dir / "server.out").string() + "'); " + SNIFF_BIN + " -q --proxy " +
        std::to_string(listen) + ":127.0.0.1:$port " + options + " > /dev/null & s=$!; wl " +
        std::to_string(listen) + "; python3 '" + k_naive_peer + "' client " +
        std::to_string(listen) + " " + std::to_string(connections) + " " +
        std::to_string(messages) + (pipelined ? " pipelined" : "") +
        "; status=$?; wait $p; kill -INT $s; wait $s; cat '" + (dir / "server.out").string() +
        "'; exit $status";
    return run_script(dir, script);
}

std::uint64_t vm_rss_kib(const std::string& status_text) {
    const auto at = status_text.find("VmRSS:");
    return at == std::string::npos ? 0 : std::stoull(status_text.substr(at + 6));
}

} // namespace

// Needs the one-line wiring of --delay in src/app/proxy_source.cpp (unset stays unset, see the
// report of issue 14): hidden until the lead adds it, then run with the rest.
TEST_CASE("sniff --proxy --rechunk alone breaks a naive reader on 20 of 20 connections",
          "[integration][proxy]") {
    const auto dir = scratch_dir("proxy-naive");
    for (const std::string mode : {"adversarial", "1", "fixed:3"}) {
        INFO("--rechunk " << mode);
        const auto result = naive_through_sniff(dir, "--rechunk " + mode, 20, 2, false);
        INFO(result.out << result.err);
        REQUIRE(result.exit_code == 0); // the client got every answer whole
        const auto found = verdicts(result.out);
        REQUIRE(found.size() == 20);
        for (const auto& [whole, broken] : found)
            CHECK(broken > 0);
    }
    std::filesystem::remove_all(dir);
}

TEST_CASE("sniff --proxy --rechunk coalesce hands a reader waiting for one message several",
          "[integration][proxy]") {
    const auto dir = scratch_dir("proxy-coalesce");
    const auto result = naive_through_sniff(dir, "--rechunk c2s=coalesce:300", 3, 5, true);
    INFO(result.out << result.err);
    REQUIRE(result.exit_code == 0);
    const auto found = verdicts(result.out);
    REQUIRE(found.size() == 3);
    for (const auto& [whole, broken] : found)
        CHECK(broken > 0);
    std::filesystem::remove_all(dir);
}

TEST_CASE("with --rechunk the views and -w show the chunks as written, the FIN at its real time",
          "[integration][proxy]") {
    const auto dir = scratch_dir("proxy-written");
    const int echo = free_port();
    const int listen = free_port();
    const auto pcap = (dir / "proxy.pcap").string();
    // One 40-byte message, the echo back, then 1.5 s of silence before the close.
    const std::string client = "python3 -c 'import socket, time\n"
                               "c = socket.create_connection((\"127.0.0.1\", " +
                               std::to_string(listen) +
                               "))\nc.sendall(b\"m\" * 40)\ngot = b\"\"\n"
                               "while len(got) < 40: got += c.recv(100)\n"
                               "time.sleep(1.5)\nc.close()'";
    const std::string script =
        "python3 '" + k_peers + "' echo " + std::to_string(echo) + " & e=$!; wl " +
        std::to_string(echo) + "; " + SNIFF_BIN + " --proxy " + std::to_string(listen) +
        ":127.0.0.1:" + std::to_string(echo) + " --rechunk c2s=fixed:3 --json -w '" + pcap +
        "' > '" + (dir / "events.json").string() + "' & s=$!; wl " + std::to_string(listen) + "; " +
        client + "; status=$?; sleep 0.3; kill -INT $s; wait $s; kill $e; exit $status";
    const auto result = run_script(dir, script);
    INFO(result.out << result.err);
    REQUIRE(result.exit_code == 0);
    std::array<std::vector<std::uint64_t>, 2> lengths;
    for (const auto& event : json_lines(read_file(dir / "events.json")))
        if (event.is_object() && event["type"] == "segment")
            lengths[event["dir"] == "c2s" ? 0 : 1].push_back(event["length"]);
    CHECK(lengths[0] == std::vector<std::uint64_t>{3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 1});
    CHECK(std::accumulate(lengths[1].begin(), lengths[1].end(), std::uint64_t{0}) == 40);

    // The file has the same segments, and the FIN comes 1.5 s after the data, not with it.
    if (!have_program("tshark")) {
        WARN("tshark is not installed (./run test installs it)");
        return;
    }
    const auto fields = run_command("tshark -r '" + pcap +
                                    "' -T fields -e frame.time_epoch -e tcp.len -e "
                                    "tcp.flags.fin -e tcp.dstport");
    REQUIRE(fields.exit_code == 0);
    std::istringstream rows(fields.out);
    double last_data = 0;
    double first_fin = 0;
    std::vector<int> c2s_lengths;
    double time = 0;
    int length = 0;
    std::string fin;
    int port = 0;
    while (rows >> time >> length >> fin >> port) {
        if (length > 0) {
            last_data = std::max(last_data, time);
            if (port == echo)
                c2s_lengths.push_back(length);
        }
        if ((fin == "1" || fin == "True") && first_fin == 0)
            first_fin = time;
    }
    CHECK(c2s_lengths == std::vector<int>{3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 1});
    CHECK(first_fin - last_data > 1.2);
    std::filesystem::remove_all(dir);
}

namespace {

// A recording killed with SIGKILL while stream lines flowed (their send times in `log`, the kill's
// in dir/killed): tshark reads every record of it without complaint, and every line sent more than
// a second before the kill is in it.
void check_killed_recording(const std::filesystem::path& dir, const std::string& pcap,
                            const std::string& log) {
    const double killed = std::stod(read_file(dir / "killed"));
    // tshark reads every record without complaint (no packet cut short).
    const auto tshark = run_command("tshark -r '" + pcap + "' -q -z follow,tcp,ascii,0");
    INFO(tshark.err);
    CHECK(tshark.exit_code == 0);
    CHECK(tshark.err.find("cut short") == std::string::npos);
    const auto replay =
        run_command(std::string(SNIFF_BIN) + " -q -r '" + pcap + "' --framing lines --json");
    CHECK(replay.exit_code == 0);
    std::set<std::string> recorded;
    for (const auto& event : json_lines(replay.out))
        if (event.is_object() && event["type"] == "message" && event["dir"] == "c2s")
            recorded.insert(event["preview"].get<std::string>().substr(5, 6));
    std::istringstream sent(read_file(log));
    std::string index;
    double at = 0;
    std::size_t due = 0;
    std::size_t missing = 0;
    while (sent >> index >> at)
        if (at < killed - 1.0) {
            ++due;
            missing += recorded.count(index) == 0 ? 1 : 0;
        }
    INFO(due << " lines sent a second before the kill, " << recorded.size() << " recorded");
    CHECK(due > 100);
    CHECK(missing == 0);
}

// Shell lines that wait until 300 stream lines were logged, note the time, and kill -9 $s.
std::string kill_after_300_lines(const std::filesystem::path& dir, const std::string& log) {
    return "for i in $(seq 600); do [ \"$(cat '" + log +
           "' 2>/dev/null | wc -l)\" -ge 300 ] && break; sleep 0.1; done; date +%s.%N > '" +
           (dir / "killed").string() + "'; kill -KILL $s; wait $s; ";
}

} // namespace

TEST_CASE("sniff --proxy -w killed with SIGKILL leaves a file read whole up to a second before",
          "[integration][proxy]") {
    if (!have_program("tshark")) {
        WARN("tshark is not installed (./run test installs it)");
        return;
    }
    const auto dir = scratch_dir("proxy-kill");
    const int echo = free_port();
    const int listen = free_port();
    const auto pcap = (dir / "proxy.pcap").string();
    const auto log = (dir / "sent.log").string();
    // Lines every 10 ms; the proxy is killed while they flow, once 300 have been sent.
    const std::string script =
        "python3 '" + k_peers + "' echo " + std::to_string(echo) + " & e=$!; wl " +
        std::to_string(echo) + "; " + SNIFF_BIN + " -q --proxy " + std::to_string(listen) +
        ":127.0.0.1:" + std::to_string(echo) + " -w '" + pcap + "' > /dev/null & s=$!; wl " +
        std::to_string(listen) + "; python3 '" + k_peers + "' stream " + std::to_string(listen) +
        " 60 '" + log + "' & c=$!; " + kill_after_300_lines(dir, log) +
        "kill $c $e; wait $c; exit 0";
    const auto result = run_script(dir, script);
    INFO(result.out << result.err);
    REQUIRE(result.exit_code == 0);
    check_killed_recording(dir, pcap, log);
    std::filesystem::remove_all(dir);
}

TEST_CASE("sniff -i lo -w killed with SIGKILL leaves a file read whole up to a second before",
          "[integration][live]") {
    if (::geteuid() != 0 || !have_program("tshark")) {
        WARN("live capture needs root, and the check tshark (CI has both)");
        return;
    }
    const auto dir = scratch_dir("live-kill");
    const int echo = free_port();
    const auto pcap = (dir / "live.pcap").string();
    const auto log = (dir / "sent.log").string();
    const auto err = (dir / "sniff.err").string();
    // The capture is up once sniff says it listens; lines every 10 ms go straight to the server.
    const std::string script = "python3 '" + k_peers + "' echo " + std::to_string(echo) +
                               " & e=$!; wl " + std::to_string(echo) + "; " + SNIFF_BIN +
                               " -q -i lo -f 'tcp port " + std::to_string(echo) + "' -w '" + pcap +
                               "' > /dev/null 2> '" + err +
                               "' & s=$!; for i in $(seq 300); do grep -q 'listening on lo' '" +
                               err + "' && break; sleep 0.1; done; python3 '" + k_peers +
                               "' stream " + std::to_string(echo) + " 60 '" + log + "' & c=$!; " +
                               kill_after_300_lines(dir, log) + "kill $c $e; wait $c; exit 0";
    const auto result = run_script(dir, script);
    INFO(result.out << result.err << read_file(err));
    REQUIRE(result.exit_code == 0);
    check_killed_recording(dir, pcap, log);
    std::filesystem::remove_all(dir);
}

TEST_CASE("the proxy's resident memory falls back after a burst of 1,000 connections",
          "[integration][proxy]") {
#if defined(__SANITIZE_ADDRESS__)
    // AddressSanitizer's allocator keeps freed memory in quarantine and ignores malloc_trim: what
    // this measures is glibc's heap, in the normal build.
    WARN("not measured under AddressSanitizer");
    return;
#endif
    const auto dir = scratch_dir("proxy-burst");
    const int echo = free_port();
    const int listen = free_port();
    const auto rss = (dir / "rss").string();
    const std::string burst =
        "python3 '" + k_peers + "' burst " + std::to_string(listen) + " 1000 65536";
    const std::string sample = "grep VmRSS /proc/$s/status";
    // RSS once started, every 100 ms during a burst, 2 s after it, and 2 s after a second one.
    const std::string script =
        "ulimit -n 8192; python3 '" + k_peers + "' echo " + std::to_string(echo) + " & e=$!; wl " +
        std::to_string(echo) + "; " + SNIFF_BIN + " -q --proxy " + std::to_string(listen) +
        ":127.0.0.1:" + std::to_string(echo) + " > /dev/null & s=$!; wl " + std::to_string(listen) +
        "; sleep 0.5; " + sample + " > '" + rss + ".before'; " + burst +
        " & c=$!; while kill -0 $c 2>/dev/null; do " + sample + " >> '" + rss +
        ".during'; sleep 0.1; done; wait $c; status=$?; sleep 2; " + sample + " > '" + rss +
        ".after'; " + burst + " || status=1; sleep 2; " + sample + " > '" + rss +
        ".again'; kill -INT $s; wait $s; kill $e; exit $status";
    const auto result = run_script(dir, script);
    INFO(result.out << result.err);
    REQUIRE(result.exit_code == 0);
    const auto before = vm_rss_kib(read_file(rss + ".before"));
    const auto after = vm_rss_kib(read_file(rss + ".after"));
    const auto again = vm_rss_kib(read_file(rss + ".again"));
    std::uint64_t peak = 0;
    std::istringstream during(read_file(rss + ".during"));
    std::string line;
    while (std::getline(during, line))
        peak = std::max(peak, vm_rss_kib(line));
    INFO("VmRSS before " << before << " KiB, peak " << peak << " KiB, after " << after
                         << " KiB, after a second burst " << again << " KiB");
    REQUIRE(before > 0);
    CHECK(peak > before + 8192); // the burst did cost memory (~17 MB)...
    // ...and most of it went back (without the trim it all stayed: after == peak), and a second
    // burst leaves no more behind than the first.
    CHECK(after - before < (peak - before) / 2);
    CHECK(again < after + 1024);
    std::filesystem::remove_all(dir);
}
