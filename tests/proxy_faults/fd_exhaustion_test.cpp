// `sniff --proxy` under a descriptor limit of 48: connections are opened until it cannot accept
// any more. It says so once, the connections it holds keep delivering every byte, and once some
// close, the waiting connection and new ones are served.
#include "proxy_faults/faults.hpp"

#include <catch2/catch.hpp>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <spawn.h>
#include <sstream>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace sniff;
using namespace sniff::proxy;
using namespace sniff::proxy::faults;

namespace {

constexpr std::size_t k_round_trip = 64 * 1024;

std::size_t count_of(const std::string& text, const std::string& word) {
    std::size_t count = 0;
    for (auto at = text.find(word); at != std::string::npos; at = text.find(word, at + 1))
        ++count;
    return count;
}

std::string read_text(const std::string& path) {
    std::ifstream in(path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// A free port right now (the proxy binds it a moment later; nothing else here takes ports).
std::uint16_t free_port() {
    std::uint16_t port = 0;
    const int fd = test::listen_tcp(port);
    close(fd);
    return port;
}

// The upstream echoes each connection after its first byte, which names the connection.
struct EchoServer {
    std::mutex mutex;
    std::map<int, bool> arrived; // by the client's index

    void handle(int fd) {
        // Idle held connections wait longer than the helpers' usual 5 s receive timeout.
        const timeval timeout{30, 0};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
        unsigned char index = 0;
        if (!recv_exact(fd, &index, 1))
            return;
        {
            std::lock_guard lock(mutex);
            arrived[index] = true;
        }
        std::vector<char> buffer(16 * 1024);
        for (;;) {
            const ssize_t got = recv(fd, buffer.data(), buffer.size(), 0);
            if (got <= 0 || !test::send_all(fd, buffer.data(), static_cast<std::size_t>(got)))
                return;
        }
    }
    bool has(int index) {
        std::lock_guard lock(mutex);
        return arrived.count(index) > 0;
    }
};

// Runs its action when the test leaves, failed REQUIREs included.
struct OnExit {
    std::function<void()> action;
    ~OnExit() { action(); }
};

// Sends pattern bytes through an echo connection and checks they come back unchanged.
bool round_trip(int fd, std::uint64_t seed) {
    std::vector<unsigned char> out(k_round_trip), in(k_round_trip);
    pattern_fill(seed, 0, out.data(), out.size());
    return test::send_all(fd, out.data(), out.size()) && recv_exact(fd, in.data(), in.size()) &&
           in == out;
}

} // namespace

TEST_CASE("sniff --proxy out of descriptors keeps its connections and serves again after",
          "[proxy_faults]") {
    // Both parities: the last descriptor goes to an accept() (the session then waits for one for
    // its upstream socket) or accept() itself fails.
    const int limit = GENERATE(48, 49);
    INFO("descriptor limit " << limit);
    EchoServer server;
    Upstream upstream([&](int fd) { server.handle(fd); });
    const std::uint16_t port = free_port();
    const auto err_path = std::filesystem::temp_directory_path() /
                          ("sniff-faults-emfile-" + std::to_string(getpid()) + ".err");
    const std::string proxy =
        std::to_string(port) + ":127.0.0.1:" + std::to_string(upstream.port());
    const std::string command = "exec prlimit --nofile=" + std::to_string(limit) + ":" +
                                std::to_string(limit) + " " + std::string(SNIFF_BIN) + " --proxy " +
                                proxy + " >/dev/null 2>'" + err_path.string() + "'";
    const char* argv[] = {"sh", "-c", command.c_str(), nullptr};
    pid_t pid = 0;
    // Only stdio is inherited: our sockets would otherwise live on in the proxy and change its
    // descriptor count.
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addclosefrom_np(&actions, 3);
    const int spawned =
        posix_spawn(&pid, "/bin/sh", &actions, nullptr, const_cast<char**>(argv), environ);
    posix_spawn_file_actions_destroy(&actions);
    REQUIRE(spawned == 0);
    OnExit reap{[&] {
        if (pid > 0 && kill(pid, SIGKILL) == 0)
            waitpid(pid, nullptr, 0);
    }};
    const auto stderr_text = [&] { return read_text(err_path.string()); };
    REQUIRE(wait_until([&] { return stderr_text().find("proxy on") != std::string::npos; }, 10000));

    // Open connections until accepting pauses (each holds two of the proxy's descriptors).
    const auto paused = [&] { return count_of(stderr_text(), "accept-paused") > 0; };
    std::map<int, int> held;    // index -> client fd, forwarded to the upstream
    std::map<int, int> waiting; // index -> client fd, in the backlog or waiting for a descriptor
    int fresh = -1;
    OnExit close_all{[&] { // before the upstream's handlers are waited for
        for (const auto& group : {held, waiting})
            for (const auto& [index, fd] : group)
                close(fd);
        if (fresh >= 0)
            close(fresh);
    }};
    for (int index = 0; index < 60 && !paused(); ++index) {
        const int fd = test::connect_tcp(port);
        REQUIRE(fd >= 0); // the kernel completes the handshake whether or not accept() can
        const unsigned char tag = static_cast<unsigned char>(index);
        REQUIRE(test::send_all(fd, &tag, 1));
        if (wait_until([&] { return server.has(index) || paused(); }, 1500) && server.has(index))
            held[index] = fd;
        else
            waiting[index] = fd;
    }
    INFO("stderr: " << stderr_text());
    REQUIRE(paused());
    // accept() fails as soon as no descriptor is free, even before a client waits: one more
    // client now waits in the backlog, and is not served while the proxy is full.
    const int extra = test::connect_tcp(port);
    REQUIRE(extra >= 0);
    const unsigned char extra_tag = 100;
    REQUIRE(test::send_all(extra, &extra_tag, 1));
    waiting[extra_tag] = extra;
    CHECK_FALSE(wait_until([&] { return server.has(extra_tag); }, 1000));
    CHECK(waiting.size() <= 2);
    CHECK(held.size() >= 10);

    // Every held connection still carries data both ways, bytes intact.
    for (const auto& [index, fd] : held)
        CHECK(round_trip(fd, static_cast<std::uint64_t>(index)));
    CHECK(count_of(stderr_text(), "accept-paused") == 1); // said once, not once per retry
    CHECK(count_of(stderr_text(), "upstream-refused") == 0);
    CHECK(count_of(stderr_text(), "upstream-timeout") == 0);

    // Closing a few gives the proxy its descriptors back: the waiting client is served.
    for (int i = 0; i < 4; ++i) {
        close(held.begin()->second);
        held.erase(held.begin());
    }
    for (const auto& [index, fd] : waiting) {
        CHECK(wait_until([&] { return server.has(index); }, 10000));
        CHECK(round_trip(fd, 1000 + static_cast<std::uint64_t>(index)));
    }
    fresh = test::connect_tcp(port);
    REQUIRE(fresh >= 0);
    const unsigned char fresh_tag = 200;
    REQUIRE(test::send_all(fresh, &fresh_tag, 1));
    CHECK(wait_until([&] { return server.has(fresh_tag); }, 5000));
    CHECK(round_trip(fresh, 2000));
    CHECK(count_of(stderr_text(), "accept-resumed") == 1);
    for (const auto& [index, fd] : held)
        CHECK(round_trip(fd, 3000 + static_cast<std::uint64_t>(index)));

    kill(pid, SIGTERM);
    int status = 0;
    REQUIRE(wait_until([&] { return waitpid(pid, &status, WNOHANG) == pid; }, 10000));
    pid = 0;
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    std::filesystem::remove(err_path);
}
