// EMFILE on accept: the proxy says so once, keeps running and accepts again when it can.
#include "proxy/support.hpp"

#include <arpa/inet.h>
#include <catch2/catch.hpp>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace sniff;
using namespace sniff::proxy;
using namespace sniff::proxy::test;

namespace {

bool wait_for_event(Harness& harness, ProxyEventKind kind, int timeout_ms) {
    for (int waited = 0; waited < timeout_ms; waited += 10) {
        for (const auto& event : harness.events())
            if (event.kind == kind)
                return true;
        usleep(10000);
    }
    return false;
}

} // namespace

TEST_CASE("running out of descriptors pauses accepting, then it resumes", "[proxy]") {
    std::uint16_t upstream_port = 0;
    const int listener = listen_tcp(upstream_port);
    Harness harness({tcp_spec(upstream_port)}, ProxyOptions{}); // start() raised the soft limit
    const int client = socket(AF_INET, SOCK_STREAM, 0);         // made before the limit drops

    rlimit saved{};
    REQUIRE(getrlimit(RLIMIT_NOFILE, &saved) == 0);
    const int lowest_free = dup(0);
    REQUIRE(lowest_free >= 0);
    close(lowest_free);
    rlimit tight = saved;
    tight.rlim_cur = static_cast<rlim_t>(lowest_free); // every descriptor below is in use
    REQUIRE(setrlimit(RLIMIT_NOFILE, &tight) == 0);

    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(harness.port());
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    // The kernel completes the handshake from the backlog; only accept() needs a descriptor.
    const int connected = connect(client, reinterpret_cast<sockaddr*>(&to), sizeof to);
    const bool paused = wait_for_event(harness, ProxyEventKind::accept_paused, 3000);
    REQUIRE(setrlimit(RLIMIT_NOFILE, &saved) == 0);
    REQUIRE(connected == 0);
    CHECK(paused);
    CHECK(wait_for_event(harness, ProxyEventKind::accept_resumed, 3000));
    CHECK(harness.stats().accept_errors >= 1);
    const auto events = harness.events();
    CHECK(std::count_if(events.begin(), events.end(), [](const ProxyEvent& event) {
              return event.kind == ProxyEventKind::accept_paused;
          }) == 1); // said once, not once per retry

    // The waiting connection is served once descriptors are back.
    const int server = accept_tcp(listener);
    REQUIRE(server >= 0);
    REQUIRE(send_all(client, "hi", 2));
    char buffer[4];
    CHECK(recv(server, buffer, sizeof buffer, 0) == 2);
    close(client);
    close(server);
    close(listener);
}
