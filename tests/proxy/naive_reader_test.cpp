// Re-chunking breaks a reader that takes one recv() for one message, with no option but
// --rechunk: the proxy paces its writes so each reaches the reader as its own read. The reader
// under test is written here in C++ and in Python (tests/proxy/naive_peer.py, which also holds
// the protocol: a 4-byte big-endian length, the body, an "ok" answer per message).
#include "proxy/peer_probe.hpp"
#include "proxy/support.hpp"

#include <arpa/inet.h>
#include <catch2/catch.hpp>
#include <cstdio>
#include <cstring>
#include <string>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

using namespace sniff;
using namespace sniff::proxy;
using namespace sniff::proxy::test;

namespace {

constexpr int k_runs = 20; // connections per mode: each one must break the naive reader

struct Verdict {
    int whole = 0;  // recv() results (naive) or messages (correct) that were one whole message
    int broken = 0; // recv() results that were not, or damaged messages
};

std::string frame(const std::string& payload) {
    const std::uint32_t length = htonl(static_cast<std::uint32_t>(payload.size()));
    std::string framed(reinterpret_cast<const char*>(&length), 4);
    return framed + payload;
}

std::uint32_t declared_length(const std::string& data) {
    std::uint32_t length = 0;
    std::memcpy(&length, data.data(), 4);
    return ntohl(length);
}

bool read_exactly(int fd, std::string& out, std::size_t size) {
    out.assign(size, '\0');
    for (std::size_t got = 0; got < size;) {
        const ssize_t n = recv(fd, out.data() + got, size - got, 0);
        if (n <= 0)
            return false;
        got += static_cast<std::size_t>(n);
    }
    return true;
}

// The C++ naive reader: each recv() is taken as one message. Answers every message that is
// complete so far (not part of what is judged) so the conversation goes on.
Verdict serve_naive(int fd) {
    Verdict verdict;
    std::string pending;
    std::array<char, 65536> buffer{};
    for (;;) {
        const ssize_t n = recv(fd, buffer.data(), buffer.size(), 0);
        if (n <= 0)
            return verdict;
        const std::string data(buffer.data(), static_cast<std::size_t>(n));
        const bool one = data.size() >= 4 && declared_length(data) == data.size() - 4;
        ++(one && pending.empty() ? verdict.whole : verdict.broken);
        pending += data;
        while (pending.size() >= 4 && pending.size() >= 4 + declared_length(pending)) {
            pending.erase(0, 4 + declared_length(pending));
            const auto answer = frame("ok");
            send_all(fd, answer.data(), answer.size());
        }
    }
}

// The correct reader: the header, then the body, however the bytes were cut.
Verdict serve_correct(int fd) {
    Verdict verdict;
    std::string header;
    std::string body;
    while (read_exactly(fd, header, 4)) {
        if (!read_exactly(fd, body, declared_length(header)) || body.rfind("message ", 0) != 0) {
            ++verdict.broken;
            return verdict;
        }
        ++verdict.whole;
        const auto answer = frame("ok");
        send_all(fd, answer.data(), answer.size());
    }
    return verdict;
}

// Sends messages one by one (each after its answer), or all 5 ms apart (pipelined); false if an
// answer is wrong.
bool run_client(std::uint16_t port, int connection, int messages, bool pipelined) {
    const int fd = connect_tcp(port);
    if (fd < 0)
        return false;
    bool ok = true;
    std::string answer;
    for (int i = 0; i < messages && ok; ++i) {
        std::string text =
            "message " + std::to_string(i) + " of connection " + std::to_string(connection) + " ";
        const auto message = frame(text + text);
        ok = send_all(fd, message.data(), message.size());
        if (pipelined)
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        else
            ok = ok && read_exactly(fd, answer, 6) && answer == frame("ok");
    }
    if (pipelined)
        for (int i = 0; i < messages && ok; ++i)
            ok = read_exactly(fd, answer, 6) && answer == frame("ok");
    close(fd);
    return ok;
}

enum class Reader { naive, correct };
enum class Language { cpp, python };

// One server (C++ thread or Python process) serving `connections` clients in turn, each through
// the proxy when via is set, else directly.
class Server {
public:
    Server(Language language, Reader reader, int connections)
        : m_language(language), m_reader(reader), m_connections(connections) {
        if (language == Language::cpp) {
            m_listener = listen_tcp(m_port);
            m_thread = std::thread([this] { serve(); });
            return;
        }
        const std::string command =
            std::string("python3 '") + SNIFF_SOURCE_DIR + "/tests/proxy/naive_peer.py' server " +
            (reader == Reader::naive ? "naive " : "correct ") + std::to_string(connections);
        m_python = popen(command.c_str(), "r");
        unsigned port = 0;
        if (m_python != nullptr && std::fscanf(m_python, "port %u", &port) == 1)
            m_port = static_cast<std::uint16_t>(port);
    }
    ~Server() { verdicts(); }
    std::uint16_t port() const { return m_port; }

    // Waits for the server to finish; one verdict per connection.
    std::vector<Verdict> verdicts() {
        if (m_thread.joinable())
            m_thread.join();
        if (m_listener >= 0)
            close(std::exchange(m_listener, -1));
        if (m_python != nullptr) {
            Verdict verdict;
            while (std::fscanf(m_python, " whole %d broken %d", &verdict.whole, &verdict.broken) ==
                   2)
                m_verdicts.push_back(verdict);
            pclose(std::exchange(m_python, nullptr));
        }
        return m_verdicts;
    }

private:
    void serve() {
        for (int i = 0; i < m_connections; ++i) {
            const int fd = accept_tcp(m_listener);
            if (fd < 0)
                return;
            m_verdicts.push_back(m_reader == Reader::naive ? serve_naive(fd) : serve_correct(fd));
            close(fd);
        }
    }

    Language m_language;
    Reader m_reader;
    int m_connections;
    std::uint16_t m_port = 0;
    int m_listener = -1;
    std::thread m_thread;
    FILE* m_python = nullptr;
    std::vector<Verdict> m_verdicts;
};

struct Outcome {
    std::vector<Verdict> verdicts;
    bool answers_ok = true;
    ProxyStats stats;
    std::map<std::uint64_t, RecordedFlow> flows; // as the proxy reported them
};

// runs connections, each with `messages` messages; rechunk empty = direct, no proxy.
Outcome converse(Language language, Reader reader, const std::string& rechunk, int connections,
                 int messages = 2, bool pipelined = false) {
    Server server(language, reader, connections);
    REQUIRE(server.port() != 0);
    Outcome outcome;
    std::optional<Harness> harness;
    std::uint16_t port = server.port();
    if (!rechunk.empty()) {
        ProxyOptions options; // delay_ms unset: the default pacing
        std::string error;
        REQUIRE(parse_rechunk(rechunk, options.rechunk, error));
        harness.emplace(std::vector<ProxySpec>{tcp_spec(server.port())}, options);
        port = harness->port();
    }
    for (int i = 0; i < connections; ++i)
        outcome.answers_ok = run_client(port, i, messages, pipelined) && outcome.answers_ok;
    outcome.verdicts = server.verdicts();
    if (harness) {
        REQUIRE(harness->sink.wait_closed(static_cast<std::size_t>(connections)));
        outcome.stats = harness->stats();
        outcome.flows = harness->sink.flows();
    }
    return outcome;
}

int count_broken(const Outcome& outcome) {
    return static_cast<int>(std::count_if(outcome.verdicts.begin(), outcome.verdicts.end(),
                                          [](const Verdict& v) { return v.broken > 0; }));
}

} // namespace

TEST_CASE("a naive reader passes direct and breaks through --rechunk adversarial, 1 and fixed:3 "
          "alone, on every connection",
          "[proxy][rechunk]") {
    const auto language = GENERATE(Language::cpp, Language::python);
    INFO((language == Language::cpp ? "C++" : "Python") << " reader");
    const auto direct = converse(language, Reader::naive, "", k_runs);
    REQUIRE(direct.verdicts.size() == k_runs);
    CHECK(count_broken(direct) == 0);
    CHECK(direct.answers_ok);
    for (const std::string mode : {"adversarial", "1", "fixed:3"}) {
        INFO("--rechunk " << mode);
        const auto through = converse(language, Reader::naive, mode, k_runs);
        REQUIRE(through.verdicts.size() == k_runs);
        CHECK(count_broken(through) == k_runs);
        CHECK(through.answers_ok);
        // Both ends are on this host: how every write was received is known.
        CHECK(through.stats.writes_unseen[0] + through.stats.writes_unseen[1] == 0);
        INFO("writes merged in the reader's queue: " << through.stats.writes_merged[0]);
        CHECK(through.stats.chunks_out[0] > through.stats.chunks_in[0]);
    }
}

TEST_CASE("a correct reader passes through every re-chunk mode", "[proxy][rechunk]") {
    const auto language = GENERATE(Language::cpp, Language::python);
    const auto mode = GENERATE(as<std::string>{}, "none", "adversarial", "1", "fixed:3",
                               "random:1-7", "coalesce:20");
    INFO((language == Language::cpp ? "C++" : "Python") << " reader, --rechunk " << mode);
    const auto outcome = converse(language, Reader::correct, mode, 5, 3);
    REQUIRE(outcome.verdicts.size() == 5);
    CHECK(count_broken(outcome) == 0);
    for (const auto& verdict : outcome.verdicts)
        CHECK(verdict.whole == 3);
    CHECK(outcome.answers_ok);
}

TEST_CASE("coalesce makes a reader waiting for one message get several in one recv()",
          "[proxy][rechunk]") {
    const auto language = GENERATE(Language::cpp, Language::python);
    INFO((language == Language::cpp ? "C++" : "Python") << " reader");
    // Five messages 5 ms apart all fall in one 300 ms window: one write, one recv().
    const auto outcome = converse(language, Reader::naive, "c2s=coalesce:300", 3, 5, true);
    REQUIRE(outcome.verdicts.size() == 3);
    CHECK(count_broken(outcome) == 3);
    CHECK(outcome.answers_ok);
    CHECK(outcome.stats.chunks_out[0] < outcome.stats.chunks_in[0]);
}

TEST_CASE("the views of a re-chunked direction get the writes, not the reads", "[proxy][rechunk]") {
    const auto outcome = converse(Language::cpp, Reader::correct, "c2s=fixed:3", 2, 2);
    REQUIRE(outcome.verdicts.size() == 2);
    const auto& stats = outcome.stats;
    std::array<std::uint64_t, 2> segments{};
    for (const auto& [id, flow] : outcome.flows) {
        for (const auto size : flow.chunk_sizes[0])
            CHECK(size <= 3); // what the upstream's recv() could get
        CHECK(flow.offsets_ok);
        segments[0] += flow.chunk_sizes[0].size();
        segments[1] += flow.chunk_sizes[1].size();
    }
    CHECK(segments[0] == stats.chunks_out[0]);
    CHECK(stats.chunks_out[0] > stats.chunks_in[0]);
    CHECK(segments[1] == stats.chunks_in[1]); // s2c is not re-chunked: its reads, as before
    CHECK(stats.chunks_out[1] == stats.chunks_in[1]);
}

TEST_CASE("the peer probe sees what a local reader has received and read", "[proxy][rechunk]") {
    std::uint16_t port = 0;
    const int listener = listen_tcp(port);
    const int writer = connect_tcp(port);
    const int reader = accept_tcp(listener);
    REQUIRE((listener >= 0 && writer >= 0 && reader >= 0));
    PeerProbe probe;
    auto seen = probe.query(writer);
    REQUIRE(seen);
    CHECK(seen->received == 0);
    REQUIRE(send_all(writer, "0123456789", 10));
    // Delivery on loopback happens during send(); a few tries cover a slow softirq.
    for (int i = 0; i < 100 && seen && seen->received < 10; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        seen = probe.query(writer);
    }
    REQUIRE(seen);
    CHECK(seen->received == 10);
    CHECK(seen->unread == 10);
    char buffer[4];
    REQUIRE(recv(reader, buffer, sizeof buffer, 0) == 4);
    seen = probe.query(writer);
    REQUIRE(seen);
    CHECK(seen->unread == 6);
    CHECK(seen->consumed() == 4);
    // The other way round, and nothing for a socket that is not connected.
    CHECK(probe.query(reader).has_value());
    const int unconnected = socket(AF_INET, SOCK_STREAM, 0);
    CHECK_FALSE(probe.query(unconnected).has_value());
    for (const int fd : {writer, reader, listener, unconnected})
        close(fd);
}

TEST_CASE("a delay of 0 writes back to back, and the writes the reader's queue merged are counted",
          "[proxy][rechunk]") {
    std::uint16_t upstream = 0;
    const int listener = listen_tcp(upstream);
    ProxyOptions options;
    options.delay_ms = 0;
    std::string error;
    REQUIRE(parse_rechunk("c2s=1", options.rechunk, error));
    Harness harness({tcp_spec(upstream)}, options);
    const int client = connect_tcp(harness.port());
    const int server = accept_tcp(listener);
    REQUIRE((client >= 0 && server >= 0));
    // The server reads nothing until all 40 one-byte writes have left: each write after the
    // first finds the earlier ones unread, which is what back-to-back writes risk anyway.
    const std::string message = frame(std::string(36, 'x'));
    REQUIRE(send_all(client, message.data(), message.size()));
    for (int i = 0; i < 500 && harness.stats().chunks_out[0] < 40; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    const auto stats = harness.stats();
    CHECK(stats.chunks_out[0] == 40);
    CHECK(stats.writes_merged[0] == 39);
    CHECK(stats.writes_unseen[0] == 0);
    std::array<char, 100> buffer{};
    CHECK(recv(server, buffer.data(), buffer.size(), 0) > 1); // one recv() gets several
    for (const int fd : {client, server, listener})
        close(fd);
}
