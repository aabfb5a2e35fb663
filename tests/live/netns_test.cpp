// Real Ethernet: two network namespaces made by the test, joined by a veth pair with MTU 1500.
// A 20 KB message sent across must arrive as MSS-sized segments (≤ 1448 bytes with timestamps)
// and sniff, capturing on the receiving end, must reassemble it and class it `split`.
// Addresses are TEST-NET-2 (198.51.100.0/24), inside namespaces of our own: nothing leaves them.

#include "live/live_support.hpp"

using namespace sniff::test;
using namespace sniff::test::live;
using namespace std::chrono_literals;

namespace {

// Creates the namespaces and the link; deletes them (and so the veth pair) when done, whatever
// happened in between.
class NamespacePair {
public:
    NamespacePair()
        : m_server("sniffA" + std::to_string(::getpid())),
          m_client("sniffB" + std::to_string(::getpid())) {
        remove();
        m_ready =
            sh("ip netns add " + m_server) && sh("ip netns add " + m_client) &&
            sh("ip -n " + m_server + " link add sva type veth peer name svb netns " + m_client) &&
            configure(m_server, "sva", "198.51.100.1") &&
            configure(m_client, "svb", "198.51.100.2");
    }
    ~NamespacePair() { remove(); }
    NamespacePair(const NamespacePair&) = delete;
    NamespacePair& operator=(const NamespacePair&) = delete;

    bool ready() const { return m_ready; }
    const std::string& error() const { return m_error; }
    std::string in_server(const std::string& command) const {
        return "ip netns exec " + m_server + " " + command;
    }
    std::string in_client(const std::string& command) const {
        return "ip netns exec " + m_client + " " + command;
    }

private:
    bool sh(const std::string& command) {
        const auto result = run_command(command);
        if (result.exit_code != 0 && m_error.empty())
            m_error = command + ": " + result.err;
        return result.exit_code == 0;
    }
    // veth hands the peer whole TSO/GSO super-packets; one segment per GSO packet gives the
    // frames a real Ethernet link would carry (ethtool is not needed for this).
    bool configure(const std::string& ns, const std::string& link, const std::string& address) {
        return sh("ip -n " + ns + " link set lo up") &&
               sh("ip -n " + ns + " link set " + link + " mtu 1500 gso_max_segs 1 up") &&
               sh("ip -n " + ns + " addr add " + address + "/24 dev " + link);
    }
    void remove() const {
        (void)run_command("ip netns del " + m_server + " 2>/dev/null");
        (void)run_command("ip netns del " + m_client + " 2>/dev/null");
    }

    std::string m_server;
    std::string m_client;
    bool m_ready = false;
    std::string m_error;
};

// A one-connection server that reads until EOF and prints the byte count.
const char* const k_server_py =
    "import socket,sys\n"
    "s=socket.socket(); s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\n"
    "s.bind(('198.51.100.1',47311)); s.listen(1); print('ready',flush=True)\n"
    "c,_=s.accept(); n=0\n"
    "while True:\n"
    "  d=c.recv(65536)\n"
    "  if not d: break\n"
    "  n+=len(d)\n"
    "print(n,flush=True)\n";

// Sends a 4-byte little-endian length and a 20000-byte body, then closes.
const char* const k_client_py =
    "import socket,struct\n"
    "c=socket.create_connection(('198.51.100.1',47311))\n"
    "c.sendall(struct.pack('<i',20000)+bytes(i%251 for i in range(20000))); c.close()\n";

} // namespace

TEST_CASE("a 20 KB message over a veth pair with MTU 1500 arrives split at the MSS and is "
          "reassembled",
          "[live][netns]") {
    LIVE_REQUIRE_ROOT();
    if (!have_program("ip") || !have_program("python3")) {
        WARN("ip or python3 missing: namespace test skipped");
        return;
    }
    NamespacePair pair;
    if (!pair.ready()) {
        WARN("network namespaces cannot be created here, test skipped: " << pair.error());
        return;
    }
    const auto dir = scratch_dir("live-netns");
    std::ofstream(dir / "server.py") << k_server_py;
    std::ofstream(dir / "client.py") << k_client_py;

    Background sniff(
        pair.in_server(sniff_bin() + " -i sva -f 'tcp port 47311' --framing struct --json"), dir,
        "sniff");
    REQUIRE(sniff.wait_for_err("listening on sva", 10s));
    Background server(pair.in_server("python3 '" + (dir / "server.py").string() + "'"), dir,
                      "server");
    for (int i = 0; i < 250 && server.out().find("ready") == std::string::npos; ++i)
        std::this_thread::sleep_for(20ms);
    REQUIRE(server.out().find("ready") != std::string::npos);
    const auto client =
        run_command(pair.in_client("python3 '" + (dir / "client.py").string() + "'"));
    INFO(client.err);
    REQUIRE(client.exit_code == 0);
    REQUIRE(server.wait(10s) == 0);
    CHECK(server.out().find("\n20004\n") != std::string::npos);
    std::this_thread::sleep_for(300ms);
    sniff.signal(SIGINT);
    REQUIRE(sniff.wait(10s) == 0);

    const auto objects = json_lines(sniff.out());
    INFO(sniff.err());
    const auto messages = of_type(objects, "message");
    REQUIRE(messages.size() == 1);
    CHECK(messages[0]["dir"] == "c2s");
    CHECK(messages[0]["length"] == 20004);
    CHECK(messages[0]["class"] == "split");
    // 20004 bytes in segments of at most 1448: at least 14 of them.
    CHECK(messages[0]["segments"].size() >= 14);
    std::size_t data_segments = 0;
    for (const auto& segment : of_type(objects, "segment")) {
        if (segment.value("length", 0) == 0)
            continue;
        ++data_segments;
        CHECK(segment.value("length", 0) <= 1448);
    }
    CHECK(data_segments >= 14);
    const auto end = of_type(objects, "end");
    REQUIRE(end.size() == 1);
    CHECK(end[0]["gaps"] == 0);
    CHECK(end[0]["stream_bytes"] == 20004);
}
