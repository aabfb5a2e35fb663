// The report ring (exec/ring_format.hpp): sniff's reader (ReportRing) on slots written here the
// way the preload writes them, including the slots a misbehaving program could leave (bad
// lengths, a slot reserved by a process that died); and a real program whose report passes the
// ring's size several times, so producers wrap round and wait for room.

#include "exec/record_format.hpp"
#include "exec/report_ring.hpp"
#include "exec/ring_format.hpp"
#include "exec/support.hpp"
#include "support/process.hpp"

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace {

namespace ring = sniff::exec::ring;
namespace wire = sniff::exec::wire;

constexpr std::size_t k_size = ring::k_min_size;

// The program's side, as the preload maps it: writable, the data area twice.
class Producer {
public:
    explicit Producer(const sniff::exec::ReportRing& reader)
        : m_control(ring::map_ring(reader.fd(), k_size, PROT_READ | PROT_WRITE)) {}
    ~Producer() { ring::unmap_ring(m_control, k_size); }
    Producer(const Producer&) = delete;
    Producer& operator=(const Producer&) = delete;

    bool mapped() const { return m_control != nullptr; }

    // Reserves a slot for `record` and fills it; `commit` false leaves it reserved.
    std::uint64_t write(const std::vector<std::byte>& record, bool commit = true,
                        std::uint32_t pid = static_cast<std::uint32_t>(::getpid()),
                        std::uint32_t length_override = 0) {
        const std::uint64_t slot = ring::slot_length(record.size());
        const std::uint64_t position = head().fetch_add(slot);
        std::uint8_t* at = data() + (position & (k_size - 1));
        const std::uint32_t length =
            length_override != 0 ? length_override : static_cast<std::uint32_t>(slot);
        std::memcpy(at + ring::slot::length, &length, 4);
        std::memcpy(at + ring::slot::pid, &pid, 4);
        std::memcpy(at + ring::k_prefix_size, record.data(), record.size());
        stamp(at).store(commit ? ring::committed(position) : ring::reserved(position));
        return position;
    }
    std::uint64_t tail() {
        return std::atomic_ref<std::uint64_t>(
                   *reinterpret_cast<std::uint64_t*>(m_control + ring::control::tail))
            .load();
    }

private:
    std::uint8_t* data() { return m_control + ring::k_control_size; }
    std::atomic_ref<std::uint64_t> head() {
        return std::atomic_ref<std::uint64_t>(
            *reinterpret_cast<std::uint64_t*>(m_control + ring::control::head));
    }
    static std::atomic_ref<std::uint64_t> stamp(std::uint8_t* at) {
        return std::atomic_ref<std::uint64_t>(*reinterpret_cast<std::uint64_t*>(at));
    }
    std::uint8_t* m_control;
};

// A record of the right shape for the ring (the reader cuts it at its fragment length).
std::vector<std::byte> record(std::size_t bytes, std::uint8_t fill) {
    std::vector<std::byte> out(wire::k_header_size + bytes, std::byte{fill});
    const auto length = static_cast<std::uint32_t>(bytes);
    for (int i = 0; i < 4; ++i)
        out[wire::offset::fragment_length + static_cast<std::size_t>(i)] =
            static_cast<std::byte>(length >> (8 * i));
    return out;
}

bool same(sniff::util::Bytes taken, const std::vector<std::byte>& written) {
    return taken.size() == written.size() &&
           std::memcmp(taken.data(), written.data(), written.size()) == 0;
}

} // namespace

TEST_CASE("report ring hands over committed slots in order and frees their room", "[exec][ring]") {
    sniff::exec::ReportRing reader;
    REQUIRE(reader.create(k_size).empty());
    Producer producer(reader);
    REQUIRE(producer.mapped());
    const auto first = record(3, 0xaa), second = record(0, 0xbb), third = record(1000, 0xcc);
    producer.write(first);
    producer.write(second);
    producer.write(third);
    REQUIRE(reader.ready());
    const auto& taken = reader.take(100, 1u << 20);
    REQUIRE(taken.size() == 3);
    CHECK(same(taken[0], first)); // the slot's padding is not part of the record
    CHECK(same(taken[1], second));
    CHECK(same(taken[2], third));
    CHECK(producer.tail() == ring::slot_length(first.size()) + ring::slot_length(second.size()) +
                                 ring::slot_length(third.size()));
    CHECK_FALSE(reader.ready());
    CHECK(reader.take(100, 1u << 20).empty());
}

TEST_CASE("report ring carries slots across its end, contiguous", "[exec][ring]") {
    sniff::exec::ReportRing reader;
    REQUIRE(reader.create(k_size).empty());
    Producer producer(reader);
    REQUIRE(producer.mapped());
    // Records of 100 KiB: the tenth passes the end of the 1 MiB ring.
    for (int i = 0; i < 30; ++i) {
        const auto written = record(100 * 1024, static_cast<std::uint8_t>(i));
        producer.write(written);
        const auto& taken = reader.take(100, 1u << 20);
        REQUIRE(taken.size() == 1);
        CHECK(same(taken[0], written));
    }
}

TEST_CASE("report ring waits at a slot still being written", "[exec][ring]") {
    sniff::exec::ReportRing reader;
    REQUIRE(reader.create(k_size).empty());
    Producer producer(reader);
    producer.write(record(10, 1));
    producer.write(record(10, 2), false); // reserved by this (live) process
    producer.write(record(10, 3));
    CHECK(reader.take(100, 1u << 20).size() == 1);
    CHECK_FALSE(reader.ready());
    CHECK(reader.take(100, 1u << 20).empty());
    CHECK(reader.counters().abandoned == 0);
}

TEST_CASE("report ring skips a slot left reserved by a process that died", "[exec][ring]") {
    sniff::exec::ReportRing reader;
    REQUIRE(reader.create(k_size).empty());
    Producer producer(reader);
    const pid_t child = ::fork();
    if (child == 0)
        ::_exit(0);
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    producer.write(record(10, 1), false, static_cast<std::uint32_t>(child));
    const auto after = record(20, 2);
    producer.write(after);
    CHECK(reader.take(100, 1u << 20).empty()); // the first look only notes the stuck slot
    // The reader gives a stuck slot half a second before it asks whether its writer lives.
    std::this_thread::sleep_for(std::chrono::milliseconds(600));
    const auto& taken = reader.take(100, 1u << 20);
    REQUIRE(taken.size() == 1);
    CHECK(same(taken[0], after));
    CHECK(reader.counters().abandoned == 1);
}

TEST_CASE("report ring drops what follows a slot of impossible length, counted", "[exec][ring]") {
    sniff::exec::ReportRing reader;
    REQUIRE(reader.create(k_size).empty());
    Producer producer(reader);
    const std::uint32_t bad = GENERATE(1u, 8u, 9u, 1u << 30, 0xffffffffu);
    producer.write(record(10, 1), true, static_cast<std::uint32_t>(::getpid()), bad);
    producer.write(record(10, 2));
    CHECK(reader.take(100, 1u << 20).empty());
    CHECK(reader.counters().corrupt == 1);
    // Skipped up to the head: the next record is read.
    const auto next = record(5, 3);
    producer.write(next);
    const auto& taken = reader.take(100, 1u << 20);
    REQUIRE(taken.size() == 1);
    CHECK(same(taken[0], next));
}

TEST_CASE("exec carries a report many times the ring's size, every byte in order",
          "[exec][ring][python]") {
    // 40 MiB from a server thread to a client in one process, through the 16 MiB ring: the
    // producers wrap round and wait for room; every byte arrives in each direction's stream.
    const char* program = R"(
import socket, threading
total = 40 << 20
block = bytes(range(256)) * 4096
listener = socket.socket()
listener.bind(("127.0.0.1", 0))
listener.listen(1)
def serve():
    connection, _ = listener.accept()
    for _ in range(total // len(block)):
        connection.sendall(block)
    connection.close()
thread = threading.Thread(target=serve)
thread.start()
client = socket.create_connection(listener.getsockname())
got = 0
while True:
    data = client.recv(65536)
    if not data:
        break
    got += len(data)
thread.join()
assert got == total, got
)";
    sniff::test::RecordingSink sink;
    const auto run = sniff::test::run_exec({"/usr/bin/python3", "-c", program}, sink);
    REQUIRE(run.error.empty());
    REQUIRE(run.status == 0);
    const std::uint64_t total = 40u << 20;
    CHECK(run.counters.bytes_read == total);
    CHECK(run.counters.bytes_written == total);
    CHECK(run.counters.malformed == 0);
    std::string block;
    for (int i = 0; i < 4096; ++i)
        for (int byte = 0; byte < 256; ++byte)
            block += static_cast<char>(byte);
    std::size_t checked = 0;
    for (const auto& [id, flow] : sink.flows) {
        for (const auto direction : {sniff::model::Direction::c2s, sniff::model::Direction::s2c}) {
            const std::string stream = flow.stream(direction);
            if (stream.size() != total)
                continue;
            bool equal = true;
            for (std::size_t at = 0; at < stream.size() && equal; at += block.size())
                equal = stream.compare(at, block.size(), block) == 0;
            CHECK(equal);
            ++checked;
        }
    }
    CHECK(checked == 2); // the server's writes and the client's reads
}

namespace {

// Touches a file when it sees `text` in a call's bytes: the program waits for that file.
class TouchOnData final : public sniff::reassembly::StreamSink {
public:
    TouchOnData(std::string text, std::filesystem::path flag)
        : m_text(std::move(text)), m_flag(std::move(flag)) {}
    void on_data(const sniff::model::Flow&, sniff::model::Direction,
                 const sniff::model::SegmentInfo&, sniff::util::Bytes bytes) override {
        const std::string seen(reinterpret_cast<const char*>(bytes.data()), bytes.size());
        if (seen.find(m_text) != std::string::npos)
            std::ofstream(m_flag) << "seen\n";
    }

private:
    std::string m_text;
    std::filesystem::path m_flag;
};

} // namespace

TEST_CASE("exec delivers a call while the program still runs, with no call after it",
          "[exec][ring][python]") {
    // The program writes and reads 2000 times (sniff is then reading on its timer), writes once
    // more, and then makes no socket call: it waits (up to 20 s) for the file that sniff's sink
    // touches when the last write arrives, and fails if it never comes. A record must not wait
    // in the ring for a later call or for the program's exit.
    const auto dir = sniff::test::scratch_dir("exec-ring-live");
    const auto flag = dir / "seen";
    std::filesystem::remove(flag);
    const char* program = R"(
import os, socket, sys, time
a, b = socket.socketpair()
for _ in range(2000):
    a.sendall(b"0123456789")
    b.recv(100)
a.sendall(b"ping-live")
for _ in range(2000):
    if os.path.exists(sys.argv[1]):
        sys.exit(0)
    time.sleep(0.01)
sys.exit(3)
)";
    TouchOnData sink("ping-live", flag);
    const auto run =
        sniff::test::run_exec({"/usr/bin/python3", "-c", program, flag.string()}, sink);
    REQUIRE(run.error.empty());
    CHECK(run.status == 0);
    std::filesystem::remove_all(dir);
}

TEST_CASE("exec reports over the socket a process that cannot map the ring",
          "[exec][ring][python]") {
    // The parent drops SNIFF_EXEC_RING from its child's environment: the child's preload finds
    // no ring and sends its records over the report socket, beside the parent's ring records.
    const char* program = R"(
import os, socket, subprocess, sys
child = """
import socket
a, b = socket.socketpair()
a.sendall(b"over-the-socket")
assert b.recv(100) == b"over-the-socket"
"""
environment = dict(os.environ)
environment.pop("SNIFF_EXEC_RING")
subprocess.run([sys.executable, "-c", child], env=environment, check=True)
a, b = socket.socketpair()
a.sendall(b"through-the-ring")
assert b.recv(100) == b"through-the-ring"
)";
    sniff::test::RecordingSink sink;
    const auto run = sniff::test::run_exec({"/usr/bin/python3", "-c", program}, sink);
    REQUIRE(run.error.empty());
    REQUIRE(run.status == 0);
    CHECK(run.counters.malformed == 0);
    bool socket_seen = false, ring_seen = false;
    for (const auto& [id, flow] : sink.flows)
        for (const auto direction : {sniff::model::Direction::c2s, sniff::model::Direction::s2c}) {
            socket_seen = socket_seen || flow.stream(direction) == "over-the-socket";
            ring_seen = ring_seen || flow.stream(direction) == "through-the-ring";
        }
    CHECK(socket_seen);
    CHECK(ring_seen);
}
