// sniff exec on curl against `openssl s_server -www` (both from Debian, on a loopback port): the
// plaintext of SSL_write/SSL_read is a flow of its own, beside the socket's encrypted bytes.

#include "exec/support.hpp"
#include "support/ports.hpp"
#include "support/process.hpp"

#include <catch2/catch.hpp>
#include <csignal>
#include <fcntl.h>
#include <sys/wait.h>
#include <thread>

namespace {

using sniff::model::Direction;

bool listening(int port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    ::close(fd);
    return ok;
}

// Stops the server however the test ends.
struct ServerGuard {
    pid_t pid;
    ~ServerGuard() {
        ::kill(pid, SIGTERM);
        int status = 0;
        ::waitpid(pid, &status, 0);
    }
};

} // namespace

TEST_CASE("exec reports curl's TLS plaintext beside the encrypted socket calls", "[exec][tls]") {
    if (!sniff::test::have_program("curl") || !sniff::test::have_program("openssl")) {
        WARN("curl or openssl missing");
        return;
    }
    const auto dir = sniff::test::scratch_dir("exec-tls");
    const std::string key = (dir / "key.pem").string(), cert = (dir / "cert.pem").string();
    REQUIRE(sniff::test::run_command("openssl req -x509 -newkey rsa:2048 -nodes -keyout '" + key +
                                     "' -out '" + cert + "' -subj /CN=localhost -days 1")
                .exit_code == 0);
    const int port = sniff::test::free_port();
    const pid_t server = ::fork();
    if (server == 0) {
        const int null = ::open("/dev/null", O_RDWR);
        ::dup2(null, 0);
        ::dup2(null, 1);
        ::dup2(null, 2);
        ::execlp("openssl", "openssl", "s_server", "-accept", std::to_string(port).c_str(), "-cert",
                 cert.c_str(), "-key", key.c_str(), "-www", static_cast<char*>(nullptr));
        ::_exit(127);
    }
    const ServerGuard guard{server};
    // Readiness, not a timing assertion: up to 10 s for the server to listen.
    for (int attempt = 0; attempt < 200 && !listening(port); ++attempt)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    const std::string url = "https://127.0.0.1:" + std::to_string(port) + "/";
    // curl reads through a BIO of its own (SSL_read, SSL_write); Python's ssl module through a
    // socket BIO (SSL_read_ex, SSL_write_ex), its libssl loaded by a module dlopen'ed later.
    const std::string python = "import socket, ssl, sys\n"
                               "c = ssl.create_default_context()\n"
                               "c.check_hostname = False\n"
                               "c.verify_mode = ssl.CERT_NONE\n"
                               "s = c.wrap_socket(socket.create_connection(('127.0.0.1', " +
                               std::to_string(port) +
                               ")))\n"
                               "s.sendall(b'GET / HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n')\n"
                               "data = b''\n"
                               "while True:\n"
                               "    chunk = s.recv(4096)\n"
                               "    if not chunk: break\n"
                               "    data += chunk\n"
                               "sys.exit(0 if data.startswith(b'HTTP/1.0 200') else 1)\n";
    const std::vector<std::vector<std::string>> clients{{"curl", "-sk", "-o", "/dev/null", url},
                                                        {"/usr/bin/python3", "-c", python}};
    for (const auto& client : clients) {
        INFO(client.front());
        sniff::test::RecordingSink sink;
        const auto run = sniff::test::run_exec(client, sink);
        REQUIRE(run.error.empty());
        REQUIRE(run.status == 0);
        const sniff::test::SeenFlow* plaintext = nullptr;
        const sniff::test::SeenFlow* encrypted = nullptr;
        for (const auto& [id, flow] : sink.flows) {
            if (flow.stream(Direction::c2s).rfind("GET / HTTP/1.1\r\n", 0) == 0)
                plaintext = &flow;
            else if (flow.stream(Direction::c2s).rfind("\x16\x03", 0) == 0)
                encrypted = &flow;
        }
        REQUIRE(plaintext != nullptr);
        REQUIRE(encrypted != nullptr);
        CHECK(plaintext->flow.client == encrypted->flow.client);
        CHECK(plaintext->flow.server == encrypted->flow.server);
        CHECK(plaintext->stream(Direction::s2c).rfind("HTTP/1.0 200 ok", 0) == 0);
        for (const auto& segment : plaintext->segments)
            CHECK(segment.call.rfind("SSL_", 0) == 0);
        CHECK(encrypted->stream(Direction::s2c).find("HTTP/1.0") == std::string::npos);
    }
    std::filesystem::remove_all(dir);
}
