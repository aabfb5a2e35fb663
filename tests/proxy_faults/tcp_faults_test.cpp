// One connection dies mid-stream (its upstream closes or resets, or its client resets) while
// others are busy: the dead one's peer is told, and every other connection delivers every byte.
#include "proxy_faults/faults.hpp"

#include <catch2/catch.hpp>
#include <cerrno>
#include <map>
#include <mutex>
#include <sys/socket.h>
#include <unistd.h>

using namespace sniff;
using namespace sniff::proxy;
using namespace sniff::proxy::faults;
using sniff::proxy::test::Harness;

namespace {

constexpr std::uint64_t k_normal_size = 1536 * 1024;
constexpr std::uint64_t k_victim_s2c = 300 * 1000; // what a dying upstream sends first
constexpr std::uint64_t k_flood = 64ULL << 20;     // more than any buffer holds: still sending
constexpr int k_normals = 6;

std::uint64_t client_seed(int index) {
    return 100 + static_cast<std::uint64_t>(index);
}
std::uint64_t server_seed(int index) {
    return 200 + static_cast<std::uint64_t>(index);
}

// Makes the coming close() send RST.
void reset_on_close(int fd) {
    const linger option{1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &option, sizeof option);
}

// The upstream's side of every connection, chosen by the client's first two bytes.
struct Server {
    std::mutex mutex;
    std::map<int, PeerResult> normal; // by index
    PeerResult victim;
    bool victim_done = false;

    void handle(int fd) {
        unsigned char tag[2];
        if (!recv_exact(fd, tag, sizeof tag))
            return;
        if (tag[0] == 'N') {
            const auto result = run_peer(fd, server_seed(tag[1]), k_normal_size);
            std::lock_guard lock(mutex);
            normal[tag[1]] = result;
        } else if (tag[0] == 'F') { // sends some, then closes cleanly
            std::atomic<std::uint64_t> sent{0};
            send_pattern(fd, 7, k_victim_s2c, sent, 10000, false);
        } else if (tag[0] == 'R') { // reads a little, sends some, then resets
            std::vector<unsigned char> some(64 * 1024);
            recv_exact(fd, some.data(), some.size());
            std::atomic<std::uint64_t> sent{0};
            send_pattern(fd, 7, k_victim_s2c, sent, 10000, false);
            reset_on_close(fd);
        } else if (tag[0] == 'C') { // streams until the client's reset reaches it
            const auto result = run_peer(fd, 9, k_flood);
            std::lock_guard lock(mutex);
            victim = result;
            victim_done = true;
        }
    }
};

int connect_tagged(std::uint16_t port, char kind, int index) {
    const int fd = test::connect_tcp(port);
    const unsigned char tag[2] = {static_cast<unsigned char>(kind),
                                  static_cast<unsigned char>(index)};
    if (fd >= 0 && !test::send_all(fd, tag, sizeof tag)) {
        close(fd);
        return -1;
    }
    return fd;
}

// k_normals connections streaming both ways at once, on their own threads.
class NormalTraffic {
public:
    explicit NormalTraffic(std::uint16_t port) {
        for (int i = 0; i < k_normals; ++i)
            m_threads.emplace_back([this, port, i] {
                const int fd = connect_tagged(port, 'N', i);
                if (fd < 0)
                    return;
                m_results[static_cast<std::size_t>(i)] =
                    run_peer(fd, client_seed(i), k_normal_size);
                close(fd);
            });
    }
    ~NormalTraffic() { join(); }
    NormalTraffic(const NormalTraffic&) = delete;
    NormalTraffic& operator=(const NormalTraffic&) = delete;

    // Joins the threads and checks both ends of every connection saw every byte.
    void check(Server& server) {
        join();
        // The upstream's handler stores its result a moment after the client saw EOF.
        REQUIRE(wait_until(
            [&] {
                std::lock_guard lock(server.mutex);
                return server.normal.size() == static_cast<std::size_t>(k_normals);
            },
            10000));
        std::lock_guard lock(server.mutex);
        for (int i = 0; i < k_normals; ++i) {
            INFO("normal connection " << i);
            const auto& client = m_results[static_cast<std::size_t>(i)];
            const auto& upstream = server.normal[i];
            CHECK(client.send_error == 0);
            CHECK(upstream.send_error == 0);
            CHECK(client.error == 0);
            CHECK(upstream.error == 0);
            CHECK(client.received == pattern_hash(server_seed(i), k_normal_size));
            CHECK(upstream.received == pattern_hash(client_seed(i), k_normal_size));
        }
    }

private:
    void join() {
        for (auto& thread : m_threads)
            if (thread.joinable())
                thread.join();
    }

    std::array<PeerResult, k_normals> m_results{};
    std::vector<std::thread> m_threads;
};

} // namespace

TEST_CASE("an upstream that dies mid-stream ends its client only", "[proxy_faults]") {
    Server server;
    Upstream upstream([&](int fd) { server.handle(fd); });
    Harness harness({test::tcp_spec(upstream.port())}, ProxyOptions{});
    NormalTraffic normals(harness.port());
    REQUIRE(wait_until([&] { return upstream.accepted() >= k_normals; }, 10000));

    SECTION("a clean close after some bytes: the client gets exactly those, then EOF") {
        const int fd = connect_tagged(harness.port(), 'F', 0);
        REQUIRE(fd >= 0);
        const auto port = test::local_port(fd);
        int error = -1;
        const auto received = test::read_to_eof(fd, error);
        CHECK(error == 0);
        CHECK(received == pattern_hash(7, k_victim_s2c));
        close(fd);
        normals.check(server);
        REQUIRE(harness.sink.wait_closed(k_normals + 1, 10000));
        const auto flow = harness.sink.by_client_port(port);
        REQUIRE(flow.closed.has_value());
        CHECK(*flow.closed == reassembly::CloseReason::fin);
        CHECK(flow.hash[1] == received);
    }
    SECTION("a reset while the client is sending: the client is reset, bytes before are a prefix") {
        const int fd = connect_tagged(harness.port(), 'R', 0);
        REQUIRE(fd >= 0);
        const auto port = test::local_port(fd);
        const auto result = run_peer(fd, 8, k_flood);
        close(fd);
        CHECK(result.send_error != 0); // the send failed instead of hanging
        CHECK(result.send_error != ETIMEDOUT);
        CHECK(result.saw_reset());
        CHECK(result.received.size <= k_victim_s2c);
        CHECK(result.received == pattern_hash(7, result.received.size));
        normals.check(server);
        REQUIRE(harness.sink.wait_closed(k_normals + 1, 10000));
        const auto flow = harness.sink.by_client_port(port);
        REQUIRE(flow.closed.has_value());
        CHECK(*flow.closed == reassembly::CloseReason::rst);
        CHECK(flow.flow.of(model::Direction::s2c).rst);
    }
    CHECK(wait_until([&] { return harness.stats().active == 0; }, 10000));
}

TEST_CASE("a client that resets mid-stream resets its upstream only", "[proxy_faults]") {
    Server server;
    Upstream upstream([&](int fd) { server.handle(fd); });
    Harness harness({test::tcp_spec(upstream.port())}, ProxyOptions{});
    NormalTraffic normals(harness.port());
    REQUIRE(wait_until([&] { return upstream.accepted() >= k_normals; }, 10000));

    const int fd = connect_tagged(harness.port(), 'C', 0);
    REQUIRE(fd >= 0);
    const auto port = test::local_port(fd);
    constexpr std::uint64_t k_before_reset = 512 * 1024;
    std::atomic<std::uint64_t> sent{0};
    REQUIRE(send_pattern(fd, 10, k_before_reset, sent, 10000, false) == 0);
    test::reset_close(fd); // with the upstream's bytes unread: RST either way

    REQUIRE(wait_until(
        [&] {
            std::lock_guard lock(server.mutex);
            return server.victim_done;
        },
        15000));
    {
        std::lock_guard lock(server.mutex);
        CHECK(server.victim.saw_reset());
        CHECK(server.victim.send_error != 0);
        CHECK(server.victim.send_error != ETIMEDOUT);
        CHECK(server.victim.received.size <= k_before_reset);
        CHECK(server.victim.received == pattern_hash(10, server.victim.received.size));
    }
    normals.check(server);
    REQUIRE(harness.sink.wait_closed(k_normals + 1, 10000));
    const auto flow = harness.sink.by_client_port(port);
    REQUIRE(flow.closed.has_value());
    CHECK(*flow.closed == reassembly::CloseReason::rst);
    CHECK(flow.flow.of(model::Direction::c2s).rst);
    CHECK(wait_until([&] { return harness.stats().active == 0; }, 10000));
}
