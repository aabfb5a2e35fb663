// tshark as an independent oracle: for every TCP stream of the generated captures and of a capture
// of real loopback traffic, sniff's reassembled bytes equal `tshark -z follow,tcp,raw` — except
// where tshark 4.0 is known to be wrong, which the generator names per stream (the right bytes are
// asserted by generated_captures_test instead).

#include "gencap/cases.hpp"
#include "support/process.hpp"
#include "support/tshark.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <catch2/catch.hpp>
#include <csignal>
#include <fcntl.h>
#include <map>
#include <netinet/in.h>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <spawn.h>
#include <sstream>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

using namespace sniff::test;

namespace {

struct SniffStream {
    std::string src, dst, bytes;
    std::uint64_t flow = 0;
};

std::vector<SniffStream> sniff_tcp_streams(const std::string& file,
                                           const std::filesystem::path& out) {
    const auto result = run_command(std::string(SNIFF_BIN) + " -q -r '" + file +
                                    "' --write-streams '" + out.string() + "'");
    REQUIRE(result.exit_code == 0);
    std::vector<SniffStream> streams;
    for (const auto& entry : nlohmann::json::parse(read_file(out / "index.json")))
        if (entry["proto"] == "tcp")
            streams.push_back({entry["src"], entry["dst"],
                               read_file(out / entry["file"].get<std::string>()), entry["flow"]});
    return streams;
}

// The sniff stream of the k-th flow (in flow order) from src to dst.
const SniffStream* find_stream(const std::vector<SniffStream>& streams, const std::string& src,
                               const std::string& dst, int occurrence) {
    std::vector<const SniffStream*> matches;
    for (const auto& stream : streams)
        if (stream.src == src && stream.dst == dst)
            matches.push_back(&stream);
    std::sort(matches.begin(), matches.end(), [](auto* a, auto* b) { return a->flow < b->flow; });
    return occurrence < static_cast<int>(matches.size()) ? matches[occurrence] : nullptr;
}

// Compares every direction tshark reports; returns how many were compared.
int compare_with_tshark(const std::string& file, const std::filesystem::path& out,
                        const std::set<std::string>& known_tshark_errors = {}) {
    const auto ours = sniff_tcp_streams(file, out);
    const auto theirs = tshark_follow_all(file, tshark_tcp_stream_count(file));
    std::map<std::string, int> seen;
    int compared = 0;
    for (const auto& stream : theirs) {
        for (const auto& [src, dst, bytes] :
             {std::tuple{stream.node0, stream.node1, stream.from_node0},
              std::tuple{stream.node1, stream.node0, stream.from_node1}}) {
            const int occurrence = seen[src + ">" + dst]++;
            if (bytes.empty() || known_tshark_errors.contains(src + ">" + dst))
                continue;
            INFO("direction " << src << " -> " << dst << " #" << occurrence);
            const auto* mine = find_stream(ours, src, dst, occurrence);
            REQUIRE(mine != nullptr);
            CHECK(mine->bytes == bytes);
            ++compared;
        }
    }
    return compared;
}

} // namespace

TEST_CASE("sniff and tshark give the same streams on the generated captures",
          "[integration][tshark]") {
    if (!have_program("tshark")) {
        WARN("tshark is not installed (./run test installs it)");
        return;
    }
    const auto names = sniff::gencap::case_names();
    const auto name = GENERATE_COPY(from_range(names));
    const auto dir = scratch_dir("tshark-" + name);
    const auto generated = sniff::gencap::generate_case(name, dir.string());
    std::set<std::string> known;
    for (const auto& stream : generated.streams) {
        if (!stream.tshark_differs.empty()) {
            known.insert(stream.source.to_string() + ">" + stream.destination.to_string());
            WARN(name << ": not compared with tshark: " << stream.tshark_differs);
        }
    }
    INFO("case " << name);
    compare_with_tshark(generated.file, dir / "streams", known);
    std::filesystem::remove_all(dir);
}

namespace {

// dumpcap on lo for one port, until stopped.
class LoopbackCapture {
public:
    LoopbackCapture(const std::string& file, int port) {
        const std::string filter = "tcp port " + std::to_string(port);
        // -B 64: a 64 MiB kernel buffer. The test sends ~5 MB in 64 KB loopback packets within
        // milliseconds; with the default 2 MiB a busy machine drops packets, and sniff and tshark
        // then (rightly) disagree about the bytes behind the gap.
        // No -q: its log then ends with the counts received and dropped, shown when the test fails.
        const char* argv[] = {"dumpcap", "-P",           "-B", "64",         "-i",   "lo",
                              "-f",      filter.c_str(), "-w", file.c_str(), nullptr};
        // stderr goes to a file: dumpcap keeps writing to it and a closed pipe would kill it.
        const std::string log = file + ".log";
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, 2, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                         0644);
        REQUIRE(posix_spawnp(&m_pid, "dumpcap", &actions, nullptr, const_cast<char**>(argv),
                             environ) == 0);
        posix_spawn_file_actions_destroy(&actions);
        std::string said;
        for (int tries = 0; tries < 100 && said.find("Capturing on") == std::string::npos;
             ++tries) {
            usleep(100'000);
            said = read_file(log);
        }
        m_started = said.find("Capturing on") != std::string::npos;
        // dumpcap says so a little before its socket sees packets.
        usleep(1'000'000);
    }
    bool started() const { return m_started; }
    void stop() {
        usleep(300'000); // let the last packets reach the file
        kill(m_pid, SIGINT);
        int status = 0;
        waitpid(m_pid, &status, 0);
    }

private:
    pid_t m_pid = -1;
    bool m_started = false;
};

int listen_loopback(int& port) {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
    listen(fd, 16);
    socklen_t length = sizeof address;
    getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    port = ntohs(address.sin_port);
    return fd;
}

// Client writes random-sized chunks; the server echoes each read back upper-cased.
void exchange(int port, std::mt19937& random) {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    // Drain the echo while sending, or both sides could block on full buffers.
    std::thread drain([fd] {
        char buffer[65536];
        while (recv(fd, buffer, sizeof buffer, 0) > 0) {
        }
    });
    std::uniform_int_distribution<int> size(1, 70000), letter('a', 'z');
    for (int i = 0; i < 20; ++i) {
        std::string chunk(static_cast<std::size_t>(size(random)), 'x');
        for (auto& c : chunk)
            c = static_cast<char>(letter(random));
        REQUIRE(send(fd, chunk.data(), chunk.size(), 0) == static_cast<ssize_t>(chunk.size()));
    }
    shutdown(fd, SHUT_WR);
    drain.join();
    close(fd);
}

void serve(int listener, int connections) {
    for (int i = 0; i < connections; ++i) {
        const int fd = accept(listener, nullptr, nullptr);
        char buffer[65536];
        ssize_t got = 0;
        while ((got = recv(fd, buffer, sizeof buffer, 0)) > 0) {
            for (ssize_t j = 0; j < got; ++j)
                buffer[j] = static_cast<char>(toupper(buffer[j]));
            send(fd, buffer, static_cast<std::size_t>(got), MSG_NOSIGNAL);
        }
        close(fd);
    }
}

} // namespace

namespace {

// Frames per tshark tcp.stream and sender ("3 127.0.0.1:4000" → 14), all of them: the handshake,
// the ACKs and the final ACK after both FINs, as `tshark -z conv,tcp` counts them.
std::map<std::string, std::uint64_t> tshark_frames(const std::string& file) {
    const auto fields = run_command("tshark -r '" + file +
                                    "' -T fields -E separator=/s -e tcp.stream -e ip.src "
                                    "-e tcp.srcport 2>/dev/null");
    REQUIRE(fields.exit_code == 0);
    std::map<std::string, std::uint64_t> frames;
    std::istringstream lines(fields.out);
    std::string stream, ip, port;
    while (lines >> stream >> ip >> port)
        ++frames[stream + " " + ip + ":" + port];
    return frames;
}

// sniff's packets per direction of each TCP flow, found by the tshark tcp.stream index its JSON
// flow events carry, equal tshark's frame counts.
void compare_packet_counts(const std::string& file, int connections) {
    const auto frames = tshark_frames(file);
    const auto json = run_command(std::string(SNIFF_BIN) + " -q -r '" + file + "' --json");
    REQUIRE(json.exit_code == 0);
    std::istringstream lines(json.out);
    int flows = 0;
    for (std::string line; std::getline(lines, line);) {
        const auto event = nlohmann::json::parse(line);
        if (event["type"] != "flow" || event["event"] != "close")
            continue;
        ++flows;
        REQUIRE(event.contains("tcp_stream"));
        const std::string stream = std::to_string(event["tcp_stream"].get<std::uint64_t>());
        // The flow numbers of one capture's TCP flows are tshark's stream indexes plus one.
        CHECK(event["flow"].get<std::uint64_t>() == event["tcp_stream"].get<std::uint64_t>() + 1);
        const auto count = [&](const std::string& sender) {
            const auto found = frames.find(stream + " " + sender);
            return found == frames.end() ? std::uint64_t{0} : found->second;
        };
        INFO("flow " << event.dump());
        // A late duplicate ACK after both FINs comes within the flow's linger: counted too.
        CHECK(event["c2s"]["packets"].get<std::uint64_t>() == count(event["src"]));
        CHECK(event["s2c"]["packets"].get<std::uint64_t>() == count(event["dst"]));
        CHECK(event["c2s"]["packets"].get<std::uint64_t>() > 3); // handshake, data, FIN, ACKs
    }
    CHECK(flows == connections);
}

} // namespace

TEST_CASE("sniff and tshark give the same streams on real loopback traffic",
          "[integration][tshark]") {
    if (const auto missing = loopback_capture_missing(); !missing.empty()) {
        WARN(missing);
        return;
    }
    const auto dir = scratch_dir("loopback");
    const auto file = (dir / "loopback.pcap").string();
    int port = 0;
    const int listener = listen_loopback(port);
    LoopbackCapture capture(file, port);
    REQUIRE(capture.started());
    constexpr int k_connections = 4;
    std::thread server(serve, listener, k_connections);
    std::mt19937 random(42);
    for (int i = 0; i < k_connections; ++i)
        exchange(port, random);
    server.join();
    close(listener);
    capture.stop();
    INFO("dumpcap: " << read_file(file + ".log"));
    INFO("capture " << file << ": " << run_command("tshark -r " + file + " -q -z conv,tcp").out);
    const int compared = compare_with_tshark(file, dir / "streams");
    CHECK(compared == 2 * k_connections);
    compare_packet_counts(file, k_connections);
    std::filesystem::remove_all(dir);
}

namespace {

// The server closes at once; the client, not yet told, sends a burst into the closed socket:
// its first segment draws an RST, and the segments already on their way (and the RSTs they
// draw) come after it.
void send_into_closed_socket(int listener, int port) {
    std::thread server([listener] { close(accept(listener, nullptr, nullptr)); });
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    server.join();
    std::this_thread::sleep_for(std::chrono::milliseconds(50)); // the server's FIN is in
    const std::string burst(256 * 1024, 'b');
    (void)send(fd, burst.data(), burst.size(), MSG_NOSIGNAL);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    close(fd);
}

} // namespace

TEST_CASE("packets that follow an RST count with the flow, as tshark's conversation counts them",
          "[integration][tshark]") {
    if (const auto missing = loopback_capture_missing(); !missing.empty()) {
        WARN(missing);
        return;
    }
    const auto dir = scratch_dir("loopback-rst");
    const auto file = (dir / "rst.pcap").string();
    int port = 0;
    const int listener = listen_loopback(port);
    LoopbackCapture capture(file, port);
    REQUIRE(capture.started());
    send_into_closed_socket(listener, port);
    close(listener);
    capture.stop();
    const auto resets = run_command("tshark -r '" + file + "' -Y tcp.flags.reset==1 | grep -c .");
    INFO("capture " << file << ": " << run_command("tshark -r " + file).out);
    REQUIRE(std::stoi(resets.out) >= 1);
    compare_packet_counts(file, 1);
    std::filesystem::remove_all(dir);
}
