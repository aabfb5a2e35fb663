#include "protocols/captures.hpp"

#include "protocols/capture_steps.hpp"
#include "protocols/harness.hpp"
#include "support/process.hpp"

#include <csignal>
#include <fstream>
#include <pwd.h>
#include <stdexcept>
#include <unistd.h>

namespace sniff::protocols {

namespace {

using test::have_program;
using test::run_command;

// The newest /usr/lib/postgresql/N/bin, or empty.
std::filesystem::path postgres_bin() {
    std::filesystem::path best;
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator("/usr/lib/postgresql", error))
        if (std::filesystem::exists(entry.path() / "bin/postgres") &&
            (best.empty() || std::stoi(entry.path().filename().string()) >
                                 std::stoi(best.parent_path().filename().string())))
            best = entry.path() / "bin";
    return best;
}

} // namespace

std::string capture_prerequisites() {
    if (!is_root())
        return "capturing on lo needs root";
    if (!have_program("dumpcap") || !have_program("tshark"))
        return "dumpcap/tshark are not installed (./run test installs tshark)";
    return {};
}

ProtocolCapture capture_dns(const std::filesystem::path& dir) {
    auto result =
        prepare_capture("DNS over TCP (dnsmasq, dig +tcp)", dir, "dns-tcp", {"dnsmasq", "dig"});
    if (!result.skip.empty())
        return result;
    const auto port = std::to_string(result.port);
    const std::string long_text(200, 't');
    Background server("dnsmasq -k --conf-file=/dev/null --port=" + port +
                          " --listen-address=127.0.0.1 --bind-interfaces --no-resolv --no-hosts"
                          " --user=root --pid-file=" +
                          shell_quote((dir / "dnsmasq.pid").string()) +
                          " --log-facility=- --address=/example.test/192.0.2.1"
                          " --txt-record=big.example.test," +
                          long_text + "," + long_text + "," + long_text,
                      dir / "dnsmasq.log");
    require_listening(result.port, server, 10000);
    LoopbackCapture capture(result.file, result.port);
    require_started(capture);
    const std::string dig = "dig +tcp +keepopen +tries=1 +time=5 -p " + port + " @127.0.0.1 ";
    const auto log = dir / "clients.log";
    // +keepopen: the queries of one dig share a connection, so each direction has several messages.
    run_logged(dig + "a.example.test A b.example.test AAAA big.example.test TXT c.example.test A",
               30, log);
    run_logged(dig + "d.example.test A other.invalid A big.example.test TXT", 30, log);
    capture.stop();
    server.stop(SIGTERM);
    return result;
}

ProtocolCapture capture_tls(const std::filesystem::path& dir) {
    auto result = prepare_capture("TLS (openssl s_server/s_client)", dir, "tls", {"openssl"});
    if (!result.skip.empty())
        return result;
    const auto port = std::to_string(result.port);
    const auto key = (dir / "key.pem").string(), cert = (dir / "cert.pem").string();
    const auto made = run_command("openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=localhost "
                                  "-days 1 -keyout " +
                                  shell_quote(key) + " -out " + shell_quote(cert));
    if (made.exit_code != 0)
        throw std::runtime_error("openssl req failed: " + made.err);
    // Lines of growing length (many small echoed records) and one 40 KB line: s_client writes it
    // as full-size records, which TCP splits across segments.
    const auto input = dir / "input.txt";
    {
        std::ofstream out(input);
        for (int i = 0; i < 3000; ++i)
            out << "line " << i << " " << std::string(static_cast<std::size_t>(i % 200), 'x')
                << "\n";
        out << std::string(40000, 'L') << "\n";
    }
    // -rev: the server echoes each line reversed, so both directions carry data.
    Background server("openssl s_server -accept 127.0.0.1:" + port + " -cert " + shell_quote(cert) +
                          " -key " + shell_quote(key) + " -rev -quiet",
                      dir / "s_server.log");
    require_listening(result.port, server, 10000);
    LoopbackCapture capture(result.file, result.port);
    require_started(capture);
    const auto log = dir / "clients.log";
    // The sleep keeps s_client's input open until the echo is back; then EOF closes the session.
    const std::string client =
        "openssl s_client -connect 127.0.0.1:" + port + " -servername localhost -no_ign_eof";
    run_logged("sh -c " + shell_quote("(cat " + shell_quote(input.string()) + "; sleep 2) | " +
                                      client + " >/dev/null"),
               30, log);
    run_logged("sh -c " + shell_quote("(head -c 20000 " + shell_quote(input.string()) +
                                      "; sleep 1) | " + client + " -tls1_2 >/dev/null"),
               30, log);
    capture.stop();
    server.stop(SIGTERM);
    return result;
}

ProtocolCapture capture_pgsql(const std::filesystem::path& dir) {
    auto result = prepare_capture("PostgreSQL (postgres, psql)", dir, "pgsql",
                                  {"psql", "setpriv", "runuser"});
    if (!result.skip.empty())
        return result;
    const auto bin = postgres_bin();
    const passwd* user = getpwnam("postgres");
    if (bin.empty() || user == nullptr) {
        result.skip = "PostgreSQL's server is not installed (apt-get install postgresql)";
        return result;
    }
    const auto home = dir / "pg";
    std::filesystem::create_directories(home);
    if (chown(home.c_str(), user->pw_uid, user->pw_gid) != 0)
        throw std::runtime_error("cannot chown " + home.string());
    const auto data = home / "data";
    const auto init = run_logged(
        "runuser -u postgres -- " + shell_quote((bin / "initdb").string()) + " -D " +
            shell_quote(data.string()) + " -A trust -U postgres --no-sync --no-locale -E UTF8",
        120, dir / "initdb.log");
    if (init.exit_code != 0)
        throw std::runtime_error("initdb failed: " + init.out + init.err);
    const auto port = std::to_string(result.port);
    // The postmaster itself is the process (setpriv execs), so SIGINT is its fast shutdown.
    Background server("setpriv --reuid=postgres --regid=postgres --init-groups -- " +
                          shell_quote((bin / "postgres").string()) + " -D " +
                          shell_quote(data.string()) + " -p " + port + " -k " +
                          shell_quote(home.string()) +
                          " -c listen_addresses=127.0.0.1 -c ssl=off -c fsync=off",
                      dir / "postgres.log");
    require_listening(result.port, server, 30000);
    LoopbackCapture capture(result.file, result.port);
    require_started(capture);
    const auto log = dir / "clients.log";
    const std::string psql = "psql -X -h 127.0.0.1 -p " + port + " -U postgres -d postgres";
    // A 100 kB data row spans segments; the error response is a message too.
    run_logged("env PGSSLMODE=disable PGGSSENCMODE=disable " + psql +
                   " -c 'select generate_series(1, 50)' -c \"select repeat('x', 100000)\""
                   " -c 'select no_such_column'",
               30, log);
    // sslmode=prefer: an SSLRequest first, answered by the single byte 'N' (ssl=off).
    run_logged("env PGSSLMODE=prefer PGGSSENCMODE=disable " + psql + " -c 'select 1'", 30, log);
    capture.stop();
    server.stop(SIGINT, 15000);
    return result;
}

ProtocolCapture capture_redis(const std::filesystem::path& dir) {
    auto result = prepare_capture("Redis (redis-server, redis-benchmark -P 16)", dir, "resp",
                                  {"redis-server", "redis-benchmark"});
    if (!result.skip.empty())
        return result;
    const auto port = std::to_string(result.port);
    Background server("redis-server --port " + port +
                          " --bind 127.0.0.1 --save '' --appendonly no --daemonize no --dir " +
                          shell_quote(dir.string()),
                      dir / "redis.log");
    require_listening(result.port, server, 10000);
    LoopbackCapture capture(result.file, result.port);
    require_started(capture);
    const auto bench = run_logged("redis-benchmark -h 127.0.0.1 -p " + port +
                                      " -n 2000 -P 16 -c 4 -t set,get,ping -q",
                                  60, dir / "clients.log");
    capture.stop();
    server.stop(SIGTERM);
    if (bench.exit_code != 0)
        throw std::runtime_error("redis-benchmark failed: " + bench.out + bench.err);
    return result;
}

ProtocolCapture capture_article(const std::filesystem::path& dir, const std::string& framing,
                                bool large_first_answer) {
    auto result = prepare_capture("the article's " + framing + " (sniff serve/client" +
                                      (large_first_answer ? ", a 300 KB first answer)" : ")"),
                                  dir, framing, {});
    if (!result.skip.empty())
        return result;
    const std::string address = "127.0.0.1:" + std::to_string(result.port);
    const std::string sniff = SNIFF_BIN;
    Background server(sniff + " serve --listen " + address + " --framing " + framing + " --quiet",
                      dir / "serve.log");
    require_listening(result.port, server, 10000);
    LoopbackCapture capture(result.file, result.port);
    require_started(capture);
    const auto log = dir / "clients.log";
    const std::string client = sniff + " client " + address + " --framing " + framing;
    if (large_first_answer) {
        // auto's window sees the first answer's header and part of its body, no end.
        run_logged(client + " -e 'bytes 300000' -e 'echo hi'", 30, log);
    } else {
        run_logged(client + " -e 'echo hi' -e 'bytes 5000' -e 'repeat 300 hello world' -e help"
                            " -e 'bytes 100000'",
                   30, log);
    }
    if (framing == "json-header" && !large_first_answer) {
        const auto upload = dir / "upload.bin";
        std::ofstream(upload) << std::string(60000, 'u');
        run_logged(client + " --upload " + shell_quote(upload.string()), 30, log);
    }
    capture.stop();
    server.stop(SIGTERM);
    return result;
}

} // namespace sniff::protocols
