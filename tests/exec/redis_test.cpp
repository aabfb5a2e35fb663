// sniff exec on redis-cli and redis-benchmark against a redis-server started here (without the
// preload), the counts of reading and writing socket calls checked against strace run on the same
// programs in the same run (strace runs under sniff exec, the redis client under strace).

#include "exec/support.hpp"
#include "support/ports.hpp"
#include "support/process.hpp"

#include <catch2/catch.hpp>
#include <csignal>
#include <fcntl.h>
#include <regex>
#include <sys/wait.h>
#include <thread>

namespace {

using sniff::model::Direction;

class RedisServer {
public:
    RedisServer() : m_port(sniff::test::free_port()) {
        const std::string port = std::to_string(m_port);
        m_pid = ::fork();
        if (m_pid == 0) {
            const int null = ::open("/dev/null", O_WRONLY);
            ::dup2(null, 1);
            ::dup2(null, 2);
            ::execlp("redis-server", "redis-server", "--port", port.c_str(), "--bind", "127.0.0.1",
                     "--save", "", "--appendonly", "no", "--daemonize", "no", "--loglevel",
                     "warning", static_cast<char*>(nullptr));
            ::_exit(127);
        }
    }
    ~RedisServer() {
        if (m_pid > 0) {
            ::kill(m_pid, SIGTERM);
            int status = 0;
            ::waitpid(m_pid, &status, 0);
        }
    }
    // Waits (bounded) until the server answers PING; readiness, not a timing assertion.
    bool ready() const {
        for (int attempt = 0; attempt < 100; ++attempt) {
            const auto answer = sniff::test::run_command("redis-cli -p " + std::to_string(m_port) +
                                                         " ping 2>/dev/null");
            if (answer.out.find("PONG") != std::string::npos)
                return true;
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        return false;
    }
    int port() const { return m_port; }

private:
    int m_port;
    pid_t m_pid = -1;
};

struct StraceCounts {
    std::size_t reads = 0;
    std::size_t writes = 0;
};

// Calls on TCP sockets in an `strace -f -yy` log, each counted once (a call cut by another
// process's line shows as "<unfinished ...>" then "<... resumed>": the second is not counted).
StraceCounts count_strace(const std::string& log) {
    static const std::regex call(
        R"(^(?:\d+ +)?(read|readv|recvfrom|recvmsg|write|writev|sendto|sendmsg)\(\d+<TCP:)");
    StraceCounts counts;
    std::istringstream lines(log);
    std::string line;
    std::smatch match;
    while (std::getline(lines, line))
        if (std::regex_search(line, match, call)) {
            const std::string name = match[1];
            ++(name.rfind("read", 0) == 0 || name.rfind("recv", 0) == 0 ? counts.reads
                                                                        : counts.writes);
        }
    return counts;
}

std::vector<std::string> under_strace(const std::string& log, std::vector<std::string> command) {
    std::vector<std::string> argv{
        "strace", "-f", "-qq", "-yy",
        "-o",     log,  "-e",  "trace=read,readv,recvfrom,recvmsg,write,writev,sendto,sendmsg"};
    argv.insert(argv.end(), command.begin(), command.end());
    return argv;
}

bool have_tools() {
    return sniff::test::have_program("redis-server") &&
           sniff::test::have_program("redis-benchmark") && sniff::test::have_program("strace");
}

} // namespace

TEST_CASE("exec counts redis-benchmark's socket calls as strace does", "[exec][redis]") {
    if (!have_tools()) {
        WARN("redis-server, redis-tools or strace missing (./run test installs them)");
        return;
    }
    RedisServer server;
    REQUIRE(server.ready());
    const auto dir = sniff::test::scratch_dir("exec-redis-benchmark");
    const std::string log = (dir / "strace.log").string();
    sniff::test::RecordingSink sink;
    const auto run = sniff::test::run_exec(
        under_strace(log, {"redis-benchmark", "-p", std::to_string(server.port()), "-n", "2000",
                           "-c", "4", "-t", "set,get", "-q"}),
        sink);
    REQUIRE(run.error.empty());
    REQUIRE(run.status == 0);
    const StraceCounts strace = count_strace(sniff::test::read_file(log));
    CHECK(strace.reads > 4000); // at least one read per request
    CHECK(run.counters.read_calls == strace.reads);
    CHECK(run.counters.write_calls == strace.writes);
    CHECK(run.counters.malformed == 0);
    // Every request's bytes arrived: 2000 SETs and 2000 GETs of the benchmark's key among the
    // client's writes (CONFIG GET, sent first, has no key).
    const std::string k_set = "SET\r\n$16\r\nkey:__rand_int__",
                      k_get = "GET\r\n$16\r\nkey:__rand_int__";
    std::size_t sets = 0, gets = 0;
    for (const auto& [id, flow] : sink.flows) {
        const std::string out = flow.stream(Direction::c2s);
        for (std::size_t at = out.find(k_set); at != std::string::npos;
             at = out.find(k_set, at + 1))
            ++sets;
        for (std::size_t at = out.find(k_get); at != std::string::npos;
             at = out.find(k_get, at + 1))
            ++gets;
    }
    CHECK(sets == 2000);
    CHECK(gets == 2000);
    std::filesystem::remove_all(dir);
}

TEST_CASE("exec shows redis-cli's command and the server's answer", "[exec][redis]") {
    if (!have_tools()) {
        WARN("redis-server, redis-tools or strace missing (./run test installs them)");
        return;
    }
    RedisServer server;
    REQUIRE(server.ready());
    const auto dir = sniff::test::scratch_dir("exec-redis-cli");
    const std::string log = (dir / "strace.log").string();
    sniff::test::RecordingSink sink;
    const auto run =
        sniff::test::run_exec(under_strace(log, {"redis-cli", "-p", std::to_string(server.port()),
                                                 "set", "sniff-key", "sticky"}),
                              sink);
    REQUIRE(run.status == 0);
    const auto flows = sink.carrying(Direction::c2s, "sniff-key");
    REQUIRE(flows.size() == 1);
    CHECK(flows[0]
              ->stream(Direction::c2s)
              .find("*3\r\n$3\r\nset\r\n$9\r\nsniff-key\r\n$6\r\nsticky\r\n") != std::string::npos);
    CHECK(flows[0]->stream(Direction::s2c).find("+OK\r\n") != std::string::npos);
    const StraceCounts strace = count_strace(sniff::test::read_file(log));
    CHECK(run.counters.read_calls == strace.reads);
    CHECK(run.counters.write_calls == strace.writes);
    std::filesystem::remove_all(dir);
}
