// -i and --proxy in one run: sniff's own command server behind sniff's proxy, sniff's own client
// sending known framed messages through it, and the capture watching the proxy's upstream leg
// on lo. The same messages must show up twice, in two distinct flows: once as the captured
// segments, once as the proxy's recv() chunks.

#include "live/live_support.hpp"
#include "support/ports.hpp"

using namespace sniff::test;
using namespace sniff::test::live;
using namespace std::chrono_literals;

namespace {

// What `sniff client --framing struct` sends and gets back: a 4-byte length, then the body.
// bytes 3000 -> 3000 bytes; echo hi -> "hi\n"; bytes 100000 is larger than lo's MTU.
const std::vector<std::size_t> k_requests{4 + 10, 4 + 7, 4 + 12};
const std::vector<std::size_t> k_replies{4 + 3000, 4 + 3, 4 + 100000};
const char* k_client_commands = "-e 'bytes 3000' -e 'echo hi' -e 'bytes 100000'";

struct CombinedRun {
    std::uint16_t proxy_port = 0;
    std::uint16_t server_port = 0;
    int client_exit = -1;
    int exit_code = -1;
    std::string out;
    std::string err;
};

// sniff serve on P3; sniff -i lo -f 'tcp port P3' --proxy P2:127.0.0.1:P3 ...; sniff client to
// P2; then SIGINT, as Ctrl-C.
CombinedRun run_combined(const std::filesystem::path& dir, const std::string& extra) {
    CombinedRun run;
    run.server_port = free_port();
    run.proxy_port = free_port();
    REQUIRE(run.server_port != 0);
    REQUIRE(run.proxy_port != 0);
    REQUIRE(run.server_port != run.proxy_port);
    const std::string server = "127.0.0.1:" + std::to_string(run.server_port);
    Background serve(sniff_bin() + " serve --listen " + server + " --framing struct", dir, "serve");
    REQUIRE(serve.wait_for_out("sniff serve: tcp on", 10s));
    Background sniff(sniff_bin() + " -i lo -f 'tcp port " + std::to_string(run.server_port) +
                         "' --proxy " + std::to_string(run.proxy_port) + ":" + server +
                         " --no-tui " + extra,
                     dir);
    REQUIRE(sniff.wait_for_err("listening on lo", 10s)); // the proxy listens before that line
    run.client_exit = run_command("timeout 20 " + sniff_bin() +
                                  " client 127.0.0.1:" + std::to_string(run.proxy_port) +
                                  " --framing struct " + k_client_commands + " >/dev/null")
                          .exit_code;
    std::this_thread::sleep_for(300ms); // the last packets reach the ring
    sniff.signal(SIGINT);
    run.exit_code = sniff.wait(20s);
    run.out = sniff.out();
    run.err = sniff.err();
    serve.signal(SIGINT);
    (void)serve.wait(5s);
    return run;
}

std::vector<std::size_t> flow_message_lengths(const std::vector<nlohmann::json>& objects,
                                              std::uint64_t flow, const std::string& direction) {
    std::vector<std::size_t> lengths;
    for (const auto& message : of_type(objects, "message"))
        if (message.value("flow", std::uint64_t{0}) == flow &&
            message.value("dir", "") == direction)
            lengths.push_back(message.value("length", std::size_t{0}));
    return lengths;
}

} // namespace

TEST_CASE("a live capture with --proxy: the captured and the proxied flow both carry every message",
          "[live][proxy]") {
    LIVE_REQUIRE_ROOT();
    const auto dir = scratch_dir("live-proxy");
    const auto run = run_combined(dir, "--framing struct --json");
    INFO(run.err);
    REQUIRE(run.client_exit == 0); // the client checked every answer intact
    REQUIRE(run.exit_code == 0);

    const auto objects = json_lines(run.out);
    std::vector<nlohmann::json> captured;
    std::vector<nlohmann::json> proxied;
    for (const auto& flow : of_type(objects, "flow"))
        if (flow.value("event", "") == "open")
            (flow.value("origin", "capture") == "proxy" ? proxied : captured).push_back(flow);
    REQUIRE(captured.size() == 1);
    REQUIRE(proxied.size() == 1);
    const std::uint64_t captured_id = captured[0]["flow"];
    const std::uint64_t proxied_id = proxied[0]["flow"];
    CHECK(captured_id != proxied_id);
    // Both talk to the server's port; the captured one from the proxy's upstream socket, the
    // proxied one from the client.
    const std::string server = "127.0.0.1:" + std::to_string(run.server_port);
    CHECK(captured[0]["dst"] == server);
    CHECK(proxied[0]["dst"] == server);
    CHECK(captured[0]["src"] != proxied[0]["src"]);
    // The proxied flow names both legs: the client connected to the proxy's port, and sniff's
    // upstream socket is the captured flow's client, so the two flows can be matched.
    CHECK(proxied[0]["listener"] == "127.0.0.1:" + std::to_string(run.proxy_port));
    CHECK(proxied[0]["upstream_local"] == captured[0]["src"]);
    CHECK_FALSE(captured[0].contains("listener"));

    for (const auto id : {captured_id, proxied_id}) {
        INFO("flow #" << id);
        CHECK(flow_message_lengths(objects, id, "c2s") == k_requests);
        CHECK(flow_message_lengths(objects, id, "s2c") == k_replies);
    }
    for (const auto& message : of_type(objects, "message")) {
        CHECK(message.value("status", "") == "complete");
        // Every message line says where it came from, as its flow does.
        CHECK(message.contains("origin") == (message["flow"] == proxied_id));
    }

    const auto end = of_type(objects, "end");
    REQUIRE(end.size() == 1);
    CHECK(end[0]["interface"] == "lo");
    CHECK(end[0]["flows"] == 2);
    CHECK(end[0]["dropped_kernel"] == 0);
    CHECK(end[0]["gaps"] == 0);
    CHECK(end[0]["proxy"]["connections"] == 1);
    std::size_t bytes = 0;
    for (const auto length : k_requests)
        bytes += length;
    for (const auto length : k_replies)
        bytes += length;
    CHECK(end[0]["proxy"]["c2s_bytes"].get<std::size_t>() +
              end[0]["proxy"]["s2c_bytes"].get<std::size_t>() ==
          bytes);
    CHECK(end[0]["stream_bytes"] == 2 * bytes); // once captured, once proxied
    // The summary has both sources' closing lines.
    CHECK(run.err.find("packets dropped by the kernel") != std::string::npos);
    CHECK(run.err.find("sniff: proxy: 1 connection, 0 upstream failures") != std::string::npos);
}

TEST_CASE("a live capture with --proxy: text marks the proxied flow, -w and --proxy-pcap replay "
          "each source",
          "[live][proxy]") {
    LIVE_REQUIRE_ROOT();
    const auto dir = scratch_dir("live-proxy-files");
    const auto capture_file = dir / "capture.pcap";
    const auto proxy_file = dir / "proxy.pcap";
    const auto run = run_combined(dir, "-w '" + capture_file.string() + "' --proxy-pcap '" +
                                           proxy_file.string() + "'");
    INFO(run.out << run.err);
    REQUIRE(run.client_exit == 0);
    REQUIRE(run.exit_code == 0);
    CHECK(run.out.find("interface lo and proxy: 2 flows") != std::string::npos);
    // The proxied flow's line ends by naming sniff's end of the upstream leg.
    std::size_t marked = 0;
    for (std::size_t at = run.out.find(" via proxy (upstream leg from 127.0.0.1:");
         at != std::string::npos;
         at = run.out.find(" via proxy (upstream leg from 127.0.0.1:", at + 1))
        ++marked;
    CHECK(marked == 1);

    // Each file holds one source: the real segments, or the proxy's chunks as synthesized
    // frames. Both read back as one flow with every message.
    for (const auto& file : {capture_file, proxy_file}) {
        INFO(file);
        const auto replay =
            run_command(sniff_bin() + " -q -r '" + file.string() + "' --framing struct --json");
        REQUIRE(replay.exit_code == 0);
        const auto objects = json_lines(replay.out);
        CHECK(message_lengths(objects, "c2s") == k_requests);
        CHECK(message_lengths(objects, "s2c") == k_replies);
        const auto end = of_type(objects, "end");
        REQUIRE(end.size() == 1);
        CHECK(end[0]["flows"] == 1);
    }
}

TEST_CASE("a live capture with --proxy: the message report marks the proxied flow's header",
          "[live][proxy]") {
    LIVE_REQUIRE_ROOT();
    const auto dir = scratch_dir("live-proxy-report");
    const auto run = run_combined(dir, "--framing struct");
    INFO(run.out << run.err);
    REQUIRE(run.client_exit == 0);
    REQUIRE(run.exit_code == 0);
    std::size_t headers = 0;
    std::size_t marked = 0;
    std::istringstream lines(run.out);
    for (std::string line; std::getline(lines, line);) {
        if (!line.starts_with("flow #"))
            continue;
        ++headers;
        marked += line.find(") via proxy, upstream leg from 127.0.0.1:") != std::string::npos;
    }
    CHECK(headers == 2);
    CHECK(marked == 1);
    // Three messages each way in both flows.
    std::size_t directions = 0;
    for (auto at = run.out.find("    3 messages: "); at != std::string::npos;
         at = run.out.find("    3 messages: ", at + 1))
        ++directions;
    CHECK(directions == 4);
}

TEST_CASE("a live capture with --proxy: -c ends the proxy too", "[live][proxy]") {
    LIVE_REQUIRE_ROOT();
    const auto dir = scratch_dir("live-proxy-count");
    const auto server_port = free_port();
    const auto proxy_port = free_port();
    const std::string server = "127.0.0.1:" + std::to_string(server_port);
    Background serve(sniff_bin() + " serve --listen " + server + " --framing struct", dir, "serve");
    REQUIRE(serve.wait_for_out("sniff serve: tcp on", 10s));
    Background sniff(sniff_bin() + " -i lo -f 'tcp port " + std::to_string(server_port) +
                         "' --proxy " + std::to_string(proxy_port) + ":" + server +
                         " --no-tui --json -c 3",
                     dir);
    REQUIRE(sniff.wait_for_err("listening on lo", 10s));
    (void)run_command("timeout 20 " + sniff_bin() + " client 127.0.0.1:" +
                      std::to_string(proxy_port) + " --framing struct -e 'echo hi' >/dev/null");
    const int exit_code = sniff.wait(10s); // no signal: -c alone ends the run
    INFO(sniff.err());
    CHECK(exit_code == 0);
    CHECK(sniff.err().find("3 packets captured") != std::string::npos);
    CHECK(sniff.err().find("sniff: proxy: 1 connection, 0 upstream failures") != std::string::npos);
    serve.signal(SIGINT);
    (void)serve.wait(5s);
}

TEST_CASE("options one source cannot take are usage errors, not silently ignored", "[live]") {
    struct Case {
        std::string arguments;
        std::string error;
    };
    const std::vector<Case> cases{
        {"-r x.pcap --proxy 9000:127.0.0.1:8080", "-r reads a file"},
        {"-r x.pcap -i lo", "-r reads a file"},
        {"--proxy 9000:127.0.0.1:8080 -w a.pcap --proxy-pcap b.pcap", "give one"},
        {"-i lo --proxy 9000:127.0.0.1:8080 -w a.pcap --proxy-pcap a.pcap", "different files"},
        {"-i lo --proxy-pcap b.pcap", "--proxy-pcap records the proxy"},
        {"--proxy 9000:127.0.0.1:8080 -w a.pcap --pcapng", "--pcapng writes the capture"},
        {"--proxy 9000:127.0.0.1:8080 -c 5", "-c counts captured packets"},
        {"--proxy 9000:127.0.0.1:8080 tcp port 80", "BPF filter"},
        {"--proxy 9000:127.0.0.1:8080 -Z nobody", "-Z drops privileges"},
    };
    for (const auto& c : cases) {
        INFO(c.arguments);
        const auto result = run_command(sniff_bin() + " " + c.arguments);
        CHECK(result.exit_code == 2);
        CHECK(result.err.find(c.error) != std::string::npos);
    }
}
