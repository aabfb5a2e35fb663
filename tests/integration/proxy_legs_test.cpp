// A proxied flow is two connections (issue 21): the client's to sniff's listener, and sniff's own
// to the upstream from a port of its own. Every view names both legs; the test checks them
// against what the two peers saw: the client its own port, the upstream server the port sniff
// connected from.

#include "support/ports.hpp"
#include "support/process.hpp"

#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>

using namespace sniff::test;

namespace {

std::vector<nlohmann::json> json_lines(const std::string& text) {
    std::vector<nlohmann::json> objects;
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);)
        if (!line.empty())
            objects.push_back(nlohmann::json::parse(line));
    return objects;
}

// An echo server that writes the port its one client connected from, and a client that sends
// one struct message (4-byte little-endian length, body), reads the echo and writes its port.
constexpr const char* k_server = R"(import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(1)
open(sys.argv[2] + ".tmp", "w").write("ready"); import os; os.rename(sys.argv[2] + ".tmp", sys.argv[2])
c, peer = s.accept()
data = b""
while len(data) < 9:
    more = c.recv(9 - len(data))
    if not more: break
    data += more
c.sendall(data); c.close()
open(sys.argv[3], "w").write(str(peer[1]))
)";
constexpr const char* k_client = R"(import socket, sys
c = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
c.sendall(b"\x05\x00\x00\x00hello")
got = b""
while len(got) < 9:
    more = c.recv(9 - len(got))
    if not more: break
    got += more
port = c.getsockname()[1]
c.close()
open(sys.argv[2], "w").write(str(port))
sys.exit(0 if got == b"\x05\x00\x00\x00hello" else 1)
)";

struct LegsRun {
    int exit_code = -1;
    std::string out;
    std::string err;
    std::uint16_t listen = 0;
    std::uint16_t server = 0;
    std::string client_port;   // as the client saw its own end
    std::string upstream_port; // as the server saw sniff's end
};

// One proxied connection through `sniff --proxy L:127.0.0.1:S <options>`, ended by SIGINT.
LegsRun run_through_proxy(const std::filesystem::path& dir, const std::string& options) {
    LegsRun run;
    run.server = free_port();
    run.listen = free_port();
    std::ofstream(dir / "server.py") << k_server;
    std::ofstream(dir / "client.py") << k_client;
    const std::string d = "'" + dir.string() + "/";
    const std::string script =
        "set -u\npython3 " + d + "server.py' " + std::to_string(run.server) + " " + d + "ready' " +
        d +
        "upstream_port' & p=$!\n"
        "for i in $(seq 100); do [ -e " +
        d + "ready' ] && break; sleep 0.05; done\n" + SNIFF_BIN + " --proxy " +
        std::to_string(run.listen) + ":127.0.0.1:" + std::to_string(run.server) + " " + options +
        " > " + d + "out' 2> " + d + "err' & s=$!\nsleep 0.5\npython3 " + d + "client.py' " +
        std::to_string(run.listen) + " " + d +
        "client_port'\nstatus=$?\nwait $p\nsleep 0.2\nkill -INT $s\nwait $s\nsniff=$?\n"
        "[ $status -eq 0 ] || exit 100\nexit $sniff\n";
    std::ofstream(dir / "run.sh") << script;
    const auto result = run_command("timeout 60 bash '" + (dir / "run.sh").string() + "'");
    run.exit_code = result.exit_code;
    run.out = read_file(dir / "out");
    run.err = read_file(dir / "err") + result.err;
    run.client_port = read_file(dir / "client_port");
    run.upstream_port = read_file(dir / "upstream_port");
    return run;
}

} // namespace

TEST_CASE("proxy legs: JSON flow events carry the listener and sniff's upstream end, -w stays one "
          "conversation",
          "[integration][proxy]") {
    const auto dir = scratch_dir("proxy-legs-json");
    const auto pcap = dir / "proxy.pcap";
    const auto html = dir / "report.html";
    const auto run = run_through_proxy(dir, "--framing struct --json -w '" + pcap.string() +
                                                "' --report '" + html.string() + "'");
    INFO(run.out << run.err);
    REQUIRE(run.exit_code == 0);
    REQUIRE(!run.client_port.empty());
    REQUIRE(!run.upstream_port.empty());
    CHECK(run.client_port != run.upstream_port);
    const std::string client = "127.0.0.1:" + run.client_port;
    const std::string listener = "127.0.0.1:" + std::to_string(run.listen);
    const std::string upstream_local = "127.0.0.1:" + run.upstream_port;
    const std::string upstream = "127.0.0.1:" + std::to_string(run.server);
    std::size_t flows = 0;
    for (const auto& event : json_lines(run.out)) {
        if (event["type"] != "flow")
            continue;
        ++flows;
        INFO(event.dump());
        CHECK(event["origin"] == "proxy");
        CHECK(event["src"] == client);
        CHECK(event["dst"] == upstream);
        CHECK(event["listener"] == listener);
        CHECK(event["upstream_local"] == upstream_local);
    }
    CHECK(flows == 2); // open and close

    // The recording: one conversation between the outer ends, with both messages.
    const auto replay = run_command(std::string(SNIFF_BIN) + " -q -r '" + pcap.string() +
                                    "' --framing struct --json");
    REQUIRE(replay.exit_code == 0);
    std::size_t messages = 0;
    for (const auto& event : json_lines(replay.out)) {
        if (event["type"] == "flow" && event["event"] == "open") {
            CHECK(event["src"] == client);
            CHECK(event["dst"] == upstream);
        }
        messages += event["type"] == "message" ? 1 : 0;
    }
    CHECK(messages == 2);

    // The HTML report's data names both inner ends too.
    const std::string page = read_file(html);
    CHECK(page.find("\"listener\":\"" + listener + "\"") != std::string::npos);
    CHECK(page.find("\"upstream_local\":\"" + upstream_local + "\"") != std::string::npos);
    // And the page, as a browser renders it, heads the flow with its route.
    if (sniff::test::have_program("chromium")) {
        const auto dom = run_command("timeout 60 chromium --headless --no-sandbox --disable-gpu "
                                     "--dump-dom 'file://" +
                                     html.string() + "' 2>/dev/null");
        CHECK(dom.out.find(client + " → " + listener + " → " + upstream +
                           " (fin, via proxy, upstream leg from " + upstream_local + ")") !=
              std::string::npos);
        CHECK(dom.out.find("c2s  " + client + " → " + listener + " → " + upstream) !=
              std::string::npos);
    }
    std::filesystem::remove_all(dir);
}

TEST_CASE("proxy legs: the summary line and the message report name client -> listener -> "
          "upstream",
          "[integration][proxy]") {
    for (const std::string style : {"--summary", ""}) {
        DYNAMIC_SECTION("sniff --proxy ... --framing struct " << style) {
            const auto dir = scratch_dir("proxy-legs-text");
            const auto run = run_through_proxy(dir, "--framing struct --no-tui " + style);
            INFO(run.out << run.err);
            REQUIRE(run.exit_code == 0);
            const std::string route = "127.0.0.1:" + run.client_port +
                                      " -> 127.0.0.1:" + std::to_string(run.listen) +
                                      " -> 127.0.0.1:" + std::to_string(run.server);
            const std::string leg = "upstream leg from 127.0.0.1:" + run.upstream_port;
            std::size_t named = 0;
            std::istringstream lines(run.out);
            // The flow's own line (the summary's, or the report's header); the direction lines
            // below a header name the route too.
            for (std::string line; std::getline(lines, line);)
                if (line.find(route) != std::string::npos &&
                    line.starts_with(style.empty() ? "flow #" : "#")) {
                    ++named;
                    CHECK(line.find(leg) != std::string::npos);
                    CHECK(line.find("via proxy") != std::string::npos);
                }
            CHECK(named == 1);
            if (style.empty()) { // each direction's line names sniff's listener in between
                CHECK(run.out.find("  c2s " + route) != std::string::npos);
                CHECK(run.out.find("  s2c 127.0.0.1:" + std::to_string(run.server) +
                                   " -> 127.0.0.1:" + std::to_string(run.listen) +
                                   " -> 127.0.0.1:" + run.client_port) != std::string::npos);
            }
            // The old name that mixed the legs is gone.
            CHECK(run.out.find("127.0.0.1:" + run.client_port +
                               " -> 127.0.0.1:" + std::to_string(run.server)) == std::string::npos);
            std::filesystem::remove_all(dir);
        }
    }
}
