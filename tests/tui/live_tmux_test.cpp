// End-to-end on live sources: sniff --proxy, sniff -i with --proxy and sniff demo inside tmux,
// driven by a real client.
// The inspector must show the traffic while the proxy runs, quit with q through the proxy's clean
// shutdown, and print its summary on the restored terminal.

#include "support/ports.hpp"
#include "support/process.hpp"
#include "tui/tmux_session.hpp"

#include <arpa/inet.h>
#include <catch2/catch.hpp>
#include <fstream>
#include <netinet/in.h>
#include <sstream>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

using namespace sniff;
using test::free_port;
using test::session_name;
using test::TmuxSession;

namespace {

// The command leaves the pane open after sniff exits, with its exit status, so the test can read
// what was printed on the restored terminal.
std::string keep_open(const std::string& command) {
    return "TERM=xterm-256color " + command + "; echo EXITED=$?; sleep 60";
}

} // namespace

TEST_CASE("tmux: a live proxy shows a client's flow as it happens, q stops it cleanly",
          "[tui][tmux][live]") {
    REQUIRE(test::have_program("tmux")); // CI installs it
    const std::uint16_t front = free_port();
    const std::uint16_t target = free_port();
    REQUIRE(front != 0);
    REQUIRE(target != 0);
    REQUIRE(front != target);
    TmuxSession tmux(session_name("live-proxy"),
                     keep_open(std::string(SNIFF_BIN) + " --proxy " + std::to_string(front) +
                               ":127.0.0.1:" + std::to_string(target) +
                               " --serve --framing struct"));
    REQUIRE(tmux.started());
    std::string screen;
    REQUIRE(tmux.wait_for("0 flows", &screen)); // the inspector is up before any traffic
    CHECK(screen.find("FOLLOW") != std::string::npos);

    const auto client = test::run_command("timeout 10 " + std::string(SNIFF_BIN) +
                                          " client 127.0.0.1:" + std::to_string(front) +
                                          " --framing struct -e 'bytes 3000' -e 'echo hi'");
    REQUIRE(client.exit_code == 0);
    // struct frames carry a 4-byte length: c2s 4+10 ("bytes 3000") + 4+7 ("echo hi") = 25 B;
    // s2c 4+3000 + 4+3 ("hi\n") = 3011 B; two messages each way.
    REQUIRE(tmux.wait_for("25       3011       4", &screen));
    CHECK(screen.find("1 flow (") != std::string::npos);
    CHECK(screen.find("127.0.0.1:" + std::to_string(target)) != std::string::npos);

    tmux.keys("Enter");
    REQUIRE(tmux.wait_for("Esc back", &screen));
    INFO(screen);
    CHECK(screen.find("\\n\\0\\0\\0bytes 3000") != std::string::npos); // the c2s text lane
    CHECK(screen.find("│#0 whole") != std::string::npos);              // its message lane
    CHECK(screen.find("messages c2s (2)") != std::string::npos);
    CHECK(screen.find("2 msgs: 2 whole") != std::string::npos);
    // Follow mode keeps the end of s2c in view: its last message, "hi\n", is on screen.
    CHECK(screen.find("\\x03\\0\\0\\0 hi\\n") != std::string::npos);

    tmux.keys("q");
    REQUIRE(tmux.wait_for("EXITED=0", &screen));
    // The terminal was restored (the inspector's screen is gone) before the summary was printed.
    CHECK(screen.find("Esc back") == std::string::npos);
    CHECK(screen.find("sniff: inspector: 1 flow, c2s 25 B, s2c 3011 B, 4 messages") !=
          std::string::npos);
    CHECK(screen.find("sniff: proxy: 1 connection, 0 upstream failures") != std::string::npos);
}

TEST_CASE("tmux: sniff demo opens the inspector with a caption per step, q quits with 0",
          "[tui][tmux][live]") {
    REQUIRE(test::have_program("tmux"));
    TmuxSession tmux(session_name("demo"), keep_open(std::string(SNIFF_BIN) + " demo"));
    REQUIRE(tmux.started());
    std::string screen;
    // Steps run while the inspector shows their flows; the last one is UDP.
    REQUIRE(tmux.wait_for("all steps done", &screen));
    INFO(screen);
    CHECK(screen.find("step 1: three sends, one read") != std::string::npos);
    CHECK(screen.find("step 3c: struct") != std::string::npos);
    CHECK(screen.find("step 4: UDP") != std::string::npos);
    CHECK(screen.find("7 flows") != std::string::npos); // 2 read steps, 4 framings, UDP
    // The selected (first) flow's caption is under the list.
    CHECK(screen.find("Step 1 · three send()s, one recv()") != std::string::npos);

    tmux.keys("Enter");
    REQUIRE(tmux.wait_for("Esc back", &screen));
    CHECK(screen.find("Step 1 · three send()s") != std::string::npos);
    CHECK(screen.find("hello") != std::string::npos);

    tmux.keys("q");
    REQUIRE(tmux.wait_for("EXITED=0", &screen));
    CHECK(screen.find("sniff: demo: 7 flows") != std::string::npos);
    CHECK(screen.find("Done: every framed answer arrived intact") != std::string::npos);
}

TEST_CASE("tmux: -i and --proxy together show the captured and the proxied flow live, q stops "
          "both",
          "[tui][tmux][live]") {
    REQUIRE(test::have_program("tmux"));
    if (::geteuid() != 0) {
        WARN("not root: live capture test skipped (CI runs it as root)");
        return;
    }
    const std::uint16_t front = free_port();
    const std::uint16_t target = free_port();
    REQUIRE(front != 0);
    REQUIRE(target != 0);
    REQUIRE(front != target);
    // The capture watches the proxy's upstream leg: the same conversation, seen twice.
    TmuxSession tmux(session_name("live-capture-proxy"),
                     keep_open(std::string(SNIFF_BIN) + " -i lo -f 'tcp port " +
                               std::to_string(target) + "' --proxy " + std::to_string(front) +
                               ":127.0.0.1:" + std::to_string(target) +
                               " --serve --framing struct"));
    REQUIRE(tmux.started());
    std::string screen;
    REQUIRE(tmux.wait_for("0 flows", &screen));
    CHECK(screen.find("live lo + proxy " + std::to_string(front)) != std::string::npos);

    const auto client = test::run_command("timeout 10 " + std::string(SNIFF_BIN) +
                                          " client 127.0.0.1:" + std::to_string(front) +
                                          " --framing struct -e 'bytes 3000' -e 'echo hi'");
    REQUIRE(client.exit_code == 0);
    // Both rows reach 25 B c2s, 3011 B s2c, 4 messages (see the proxy-only test above); only
    // the proxied one is marked.
    const std::string counts = "25       3011       4";
    auto both_done = [&] {
        screen = tmux.pane();
        const auto first = screen.find(counts);
        return first != std::string::npos && screen.find(counts, first + 1) != std::string::npos;
    };
    for (int i = 0; i < 200 && !both_done(); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    INFO(screen);
    REQUIRE(both_done());
    CHECK(screen.find("2 flows") != std::string::npos);
    std::size_t proxied_rows = 0;
    std::istringstream lines(screen);
    for (std::string line; std::getline(lines, line);) {
        if (line.find(counts) == std::string::npos)
            continue;
        while (!line.empty() && line.back() == ' ')
            line.pop_back();
        proxied_rows += line.ends_with("  proxy") ? 1 : 0;
    }
    CHECK(proxied_rows == 1);

    tmux.keys("q");
    REQUIRE(tmux.wait_for("EXITED=0", &screen));
    CHECK(screen.find("sniff: inspector: 2 flows, c2s 50 B, s2c 6022 B, 8 messages") !=
          std::string::npos);
    CHECK(screen.find("sniff: proxy: 1 connection, 0 upstream failures") != std::string::npos);
    CHECK(screen.find("packets dropped by the kernel") != std::string::npos);
}

// A server that reads once and answers once (the article's naive reader) behind the proxy: the
// client's three requests reach it glued in one recv(). The inspector names the proxy's two legs
// and flags the short answer count on the flow's row, and next to the requests in the details.
TEST_CASE("tmux: a proxied flow shows both legs, and a glued read's short answer count next to "
          "the requests",
          "[tui][tmux][live]") {
    REQUIRE(test::have_program("tmux"));
    const std::uint16_t front = free_port();
    const std::uint16_t target = free_port();
    REQUIRE(front != target);
    const auto dir = test::scratch_dir("tmux-glued");
    std::ofstream(dir / "server.py") << R"(import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(1)
c, _ = s.accept()
time.sleep(0.5)
c.recv(65536)
c.sendall(b"\x02\x00\x00\x00ok")
time.sleep(0.3); c.close()
)";
    std::ofstream(dir / "client.py") << R"(import socket, sys, time
c = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
for word in (b"one", b"two", b"six"):
    c.sendall(b"\x03\x00\x00\x00" + word)
    time.sleep(0.05)
c.settimeout(3)
got = c.recv(100)
port = c.getsockname()[1]
c.close()
print(port)
sys.exit(0 if got == b"\x02\x00\x00\x00ok" else 1)
)";
    // It ends by itself after its one connection; killed by PID at the end in case it did not.
    const std::string server_pid =
        test::run_command("python3 '" + (dir / "server.py").string() + "' " +
                          std::to_string(target) + " >/dev/null 2>&1 & echo $!")
            .out;
    REQUIRE(!server_pid.empty());
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    TmuxSession tmux(session_name("live-glued"),
                     keep_open(std::string(SNIFF_BIN) + " --proxy " + std::to_string(front) +
                               ":127.0.0.1:" + std::to_string(target) + " --framing struct"));
    REQUIRE(tmux.started());
    std::string screen;
    REQUIRE(tmux.wait_for("0 flows", &screen));
    const auto client = test::run_command("timeout 10 python3 '" + (dir / "client.py").string() +
                                          "' " + std::to_string(front));
    REQUIRE(client.exit_code == 0);
    std::string client_port = client.out;
    while (!client_port.empty() && client_port.back() == '\n')
        client_port.pop_back();
    // The row: client -> listener -> upstream, and the short answer count once the flow ended.
    REQUIRE(tmux.wait_for("3 requests, 1 answer!", &screen));
    INFO(screen);
    CHECK(screen.find("127.0.0.1:" + client_port + " → 127.0.0.1:" + std::to_string(front) +
                      " → 127.0.0.1:" + std::to_string(target)) != std::string::npos);

    tmux.keys("Enter");
    REQUIRE(tmux.wait_for("Esc back", &screen));
    INFO(screen);
    CHECK(screen.find("127.0.0.1:" + client_port + " ⇄ 127.0.0.1:" + std::to_string(front) +
                      " ⇄ 127.0.0.1:" + std::to_string(target) +
                      " · via proxy, upstream leg from 127.0.0.1:") != std::string::npos);
    CHECK(screen.find("3 requests, 1 answer") != std::string::npos);
    // Wrapped to the details pane.
    CHECK(screen.find("glued? requests #0-#2 (3) came before one") != std::string::npos);
    CHECK(screen.find("answer (s2c #0): read together by the server?") != std::string::npos);
    CHECK(screen.find("client leg: 127.0.0.1:" + client_port +
                      " → 127.0.0.1:" + std::to_string(front)) != std::string::npos);
    CHECK(screen.find("upstream leg: 127.0.0.1:") != std::string::npos);
    tmux.keys("q");
    tmux.keys("q");
    CHECK(tmux.wait_for("EXITED=0", &screen));
    test::run_command("kill " + server_pid + " 2>/dev/null");
    std::filesystem::remove_all(dir);
}
