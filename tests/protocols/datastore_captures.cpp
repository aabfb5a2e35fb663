#include "protocols/datastore_captures.hpp"

#include "protocols/capture_steps.hpp"
#include "protocols/harness.hpp"
#include "protocols/wire_client.hpp"
#include "support/process.hpp"

#include <chrono>
#include <csignal>
#include <fstream>
#include <stdexcept>
#include <thread>

namespace sniff::protocols {

namespace {

std::string resp_command(const std::vector<std::string>& words) {
    std::string out = "*" + std::to_string(words.size()) + "\r\n";
    for (const auto& word : words)
        out += "$" + std::to_string(word.size()) + "\r\n" + word + "\r\n";
    return out;
}

// A RESP3 subscriber and a publisher: the subscriber's pushes interleave with a PING reply.
void pubsub_session(int port) {
    WireClient subscriber(port);
    subscriber.send(resp_command({"HELLO", "3"}));
    if (!subscriber.read_until("proto"))
        throw std::runtime_error("no HELLO 3 answer");
    subscriber.send(resp_command({"SUBSCRIBE", "news", "weather"}));
    if (!subscriber.read_until("subscribe", 2))
        throw std::runtime_error("no subscribe confirmations");
    WireClient publisher(port);
    for (int i = 0; i < 5; ++i)
        publisher.send(resp_command(
            {"PUBLISH", i % 2 == 0 ? "news" : "weather", "item " + std::to_string(i)}));
    if (!publisher.read_until(":1\r\n", 5))
        throw std::runtime_error("publishes not answered");
    subscriber.send(resp_command({"PING"}));
    if (!subscriber.read_until("item ", 5) || !subscriber.read_until("PONG"))
        throw std::runtime_error("pushes or PING answer missing");
}

} // namespace

ProtocolCapture capture_redis_sessions(const std::filesystem::path& dir) {
    auto result = prepare_capture("Redis (redis-benchmark, redis-cli, RESP3 pub/sub)", dir, "resp",
                                  {"redis-server", "redis-benchmark", "redis-cli"});
    if (!result.skip.empty())
        return result;
    const auto port = std::to_string(result.port);
    Background server("redis-server --port " + port +
                          " --bind 127.0.0.1 --save '' --appendonly no --daemonize no --dir " +
                          shell_quote(dir.string()),
                      dir / "redis.log");
    require_listening(result.port, server);
    LoopbackCapture capture(result.file, result.port);
    require_started(capture);
    const auto log = dir / "clients.log";
    const std::string cli = "redis-cli -h 127.0.0.1 -p " + port;
    run_checked("redis-benchmark -h 127.0.0.1 -p " + port +
                    " -n 2000 -P 16 -c 4 -t set,get,ping,lpush,lrange_100 -q",
                60, log);
    const auto big = dir / "big.bin";
    std::ofstream(big) << std::string(200 * 1024, 'b');
    run_checked(cli + " -x SET big < " + shell_quote(big.string()), 60, log);
    run_checked(cli + " GET big > /dev/null", 60, log);
    run_checked(cli + " -3 HELLO 3 > /dev/null", 60, log);
    run_checked(cli + " COMMAND DOCS > /dev/null", 60, log);
    run_checked(cli + " -3 CONFIG GET 'max*' > /dev/null", 60, log);
    pubsub_session(result.port);
    capture.stop();
    server.stop(SIGTERM);
    return result;
}

ProtocolCapture capture_memcached(const std::filesystem::path& dir) {
    auto result = prepare_capture("memcached text protocol (a client written in the test)", dir,
                                  "memcache-text", {"memcached"});
    if (!result.skip.empty())
        return result;
    const auto port = std::to_string(result.port);
    Background server("memcached -u nobody -l 127.0.0.1 -p " + port + " -U 0 -I 2m",
                      dir / "memcached.log");
    require_listening(result.port, server);
    LoopbackCapture capture(result.file, result.port);
    require_started(capture);
    {
        WireClient client(result.port);
        std::string pipelined;
        for (int i = 0; i < 50; ++i)
            pipelined += "set key:" + std::to_string(i) + " 0 0 10\r\nvalue-" +
                         std::to_string(1000 + i) + "\r\n";
        client.send(pipelined);
        if (!client.read_until("STORED\r\n", 50))
            throw std::runtime_error("pipelined sets not stored");
        client.send("set quiet 0 0 2 noreply\r\nqq\r\nappend quiet 0 0 1 noreply\r\nr\r\n");
        client.send("set big 0 0 204800\r\n" + std::string(204800, 'B') + "\r\n");
        if (!client.read_until("STORED\r\n", 51))
            throw std::runtime_error("big value not stored");
        client.send("get big\r\nget key:1 key:2 key:3 nokey\r\ngets key:4\r\n");
        if (!client.read_until("END\r\n", 3))
            throw std::runtime_error("gets not answered");
        const auto at = client.received().rfind("VALUE key:4 0 10 ");
        const auto cas =
            client.received().substr(at + 17, client.received().find('\r', at) - at - 17);
        client.send("cas key:4 0 0 3 " + cas +
                    "\r\nnew\r\nincr counter 1\r\nset counter 0 0 1"
                    "\r\n7\r\nincr counter 5\r\ndelete key:5\r\ntouch key:6 100\r\n");
        if (!client.read_until("TOUCHED\r\n"))
            throw std::runtime_error("cas/incr/delete/touch not answered");
        client.send("ms meta 4 T0\r\nmeta\r\nmg meta v f t\r\nmg nokey v\r\nma counter\r\n"
                    "md meta q\r\nmn\r\n");
        if (!client.read_until("MN\r\n"))
            throw std::runtime_error("meta commands not answered");
        client.send("stats\r\nversion\r\n");
        if (!client.read_until("VERSION "))
            throw std::runtime_error("stats/version not answered");
    }
    capture.stop();
    server.stop(SIGTERM);
    return result;
}

ProtocolCapture capture_nats(const std::filesystem::path& dir) {
    auto result = prepare_capture("NATS (nats-server, a client written in the test)", dir, "nats",
                                  {"nats-server"});
    if (!result.skip.empty())
        return result;
    Background server("nats-server -a 127.0.0.1 -p " + std::to_string(result.port),
                      dir / "nats.log");
    require_listening(result.port, server);
    LoopbackCapture capture(result.file, result.port);
    require_started(capture);
    {
        const std::string connect = "CONNECT {\"verbose\":false,\"headers\":true}\r\n";
        WireClient subscriber(result.port);
        subscriber.send(connect + "SUB news 1\r\nSUB news.* 2\r\nPING\r\n");
        if (!subscriber.read_until("PONG\r\n"))
            throw std::runtime_error("subscriber not ready: " + subscriber.received());
        WireClient publisher(result.port);
        std::string batch = connect;
        for (int i = 0; i < 20; ++i)
            batch += "PUB news " + std::string(i % 3 == 0 ? "reply.x " : "") + "7\r\nitem " +
                     std::to_string(10 + i) + "\r\n";
        const std::string headers = "NATS/1.0\r\nTrace: on\r\n\r\n";
        for (int i = 0; i < 3; ++i)
            batch += "HPUB news.h " + std::to_string(headers.size()) + " " +
                     std::to_string(headers.size() + 5) + "\r\n" + headers + "hello\r\n";
        batch += "PUB news " + std::to_string(200 * 1024) + "\r\n" + std::string(200 * 1024, 'n') +
                 "\r\nPING\r\n";
        publisher.send(batch);
        if (!publisher.read_until("PONG\r\n"))
            throw std::runtime_error("publisher not answered: " + publisher.received());
        subscriber.send("PING\r\n");
        if (!subscriber.read_until("PONG\r\n", 2) || !subscriber.read_until("HMSG", 3))
            throw std::runtime_error("messages not delivered");
    }
    capture.stop();
    server.stop(SIGTERM);
    return result;
}

ProtocolCapture capture_mysql(const std::filesystem::path& dir) {
    auto result = prepare_capture("MySQL protocol (mariadbd, the mariadb client)", dir, "mysql",
                                  {"mariadbd", "mariadb-install-db", "mariadb"});
    if (!result.skip.empty())
        return result;
    const auto data = dir / "data";
    const std::string common = " --no-defaults --user=root --datadir=" + shell_quote(data.string());
    // The scratch data directory takes a few seconds to create.
    run_checked("mariadb-install-db" + common +
                    " --auth-root-authentication-method=normal --skip-test-db --skip-name-resolve",
                60, dir / "install.log");
    const auto port = std::to_string(result.port);
    Background server(
        "mariadbd" + common + " --port=" + port +
            " --bind-address=127.0.0.1 --socket=" + shell_quote((dir / "mysqld.sock").string()) +
            " --pid-file=" + shell_quote((dir / "mysqld.pid").string()) +
            " --skip-grant-tables --skip-log-bin --innodb-buffer-pool-size=16M",
        dir / "mariadbd.log");
    require_listening(result.port, server, 60000);
    LoopbackCapture capture(result.file, result.port);
    require_started(capture);
    const auto log = dir / "clients.log";
    const std::string client = "mariadb --no-defaults --skip-ssl --protocol=tcp -h 127.0.0.1 -P " +
                               port + " -u root -D mysql";
    run_checked(client + " -e \"select seq from seq_1_to_50; select repeat('x', 100000);"
                         " show variables like 'max%'\" > /dev/null",
                60, log);
    // An error answer, on a connection of its own (the client stops at the first error).
    (void)test::run_command("timeout 30 " + client + " -e 'select no_such_column' 2>/dev/null");
    capture.stop();
    server.stop(SIGTERM, 30000);
    return result;
}

ProtocolCapture capture_mqtt(const std::filesystem::path& dir) {
    auto result = prepare_capture("MQTT (mosquitto, mosquitto_sub, mosquitto_pub)", dir, "mqtt",
                                  {"mosquitto", "mosquitto_sub", "mosquitto_pub"});
    if (!result.skip.empty())
        return result;
    const auto config = dir / "mosquitto.conf";
    std::ofstream(config) << "listener " << result.port << " 127.0.0.1\nallow_anonymous true\n";
    const auto port = std::to_string(result.port);
    Background server("mosquitto -c " + shell_quote(config.string()), dir / "mosquitto.log");
    require_listening(result.port, server);
    LoopbackCapture capture(result.file, result.port);
    require_started(capture);
    const std::string at = " -h 127.0.0.1 -p " + port;
    // The subscriber's count is not exact (it may subscribe after an early publish); the test
    // compares with tshark whatever was delivered.
    Background subscriber("mosquitto_sub" + at + " -t 'sniff/#' -q 2 -C 56 -W 30",
                          dir / "subscriber.log");
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    const auto log = dir / "clients.log";
    const std::string publish = "mosquitto_pub" + at;
    for (const char* qos : {"0", "1", "2"})
        run_checked(publish + " -t sniff/q" + qos + " -q " + qos + " -m 'qos " + qos + "'", 60,
                    log);
    const auto lines = dir / "lines.txt";
    {
        std::ofstream out(lines);
        for (int i = 0; i < 50; ++i)
            out << "line " << i << "\n";
    }
    run_checked(publish + " -t sniff/lines -q 1 -l < " + shell_quote(lines.string()), 60, log);
    const auto big = dir / "big.bin";
    std::ofstream(big) << std::string(200 * 1024, 'm');
    run_checked(publish + " -t sniff/big -q 1 -f " + shell_quote(big.string()), 60, log);
    for (int waited = 0; subscriber.running() && waited < 100; ++waited)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    subscriber.stop(SIGTERM);
    capture.stop();
    server.stop(SIGTERM);
    return result;
}

ProtocolCapture capture_memcached_binary(const std::filesystem::path& dir) {
    auto result =
        prepare_capture("memcached binary protocol (memcached, libmemcached-tools --binary)", dir,
                        "memcache-bin", {"memcached", "memccp", "memccat"});
    if (!result.skip.empty())
        return result;
    const auto port = std::to_string(result.port);
    Background server("memcached -u nobody -l 127.0.0.1 -p " + port + " -U 0 -B binary -I 2m",
                      dir / "memcached.log");
    require_listening(result.port, server);
    LoopbackCapture capture(result.file, result.port);
    require_started(capture);
    const std::string servers = " --binary --servers=127.0.0.1:" + port + " ";
    const auto log = dir / "clients.log";
    const auto big = dir / "big.bin";
    std::ofstream(big) << std::string(200 * 1024, 'v');
    const auto small = dir / "small.txt";
    std::ofstream(small) << "a small value\n";
    // memccp stores a file under its base name.
    run_checked("memccp" + servers + shell_quote(big.string()) + " " + shell_quote(small.string()),
                60, log);
    run_checked("memccat" + servers + "big.bin small.txt > /dev/null", 60, log);
    run_checked("memcexist" + servers + "small.txt", 60, log);
    run_checked("memctouch" + servers + "--expire=100 small.txt", 60, log);
    run_checked("memcrm" + servers + "small.txt", 60, log);
    run_checked("memcstat" + servers + "> /dev/null", 60, log);
    capture.stop();
    server.stop(SIGTERM);
    return result;
}

namespace {

constexpr const char* k_debian_python = "/usr/bin/python3"; // has Debian's pika, stomp, aiosmtpd

std::string client_script(const std::string& name) {
    return std::string(k_debian_python) + " " +
           shell_quote(std::string(SNIFF_SOURCE_DIR) + "/tests/protocols/clients/" + name);
}

// epmd daemonizes itself out of the server's process group: stopped by its own port.
struct EpmdStopper {
    int port;
    ~EpmdStopper() {
        (void)test::run_command("ERL_EPMD_PORT=" + std::to_string(port) +
                                " timeout 10 epmd -kill >/dev/null 2>&1");
    }
};

} // namespace

BrokerCaptures capture_rabbitmq(const std::filesystem::path& dir) {
    BrokerCaptures out;
    out.amqp = prepare_capture("AMQP 0-9-1 (rabbitmq-server, python3-pika)", dir, "amqp",
                               {"/usr/lib/rabbitmq/bin/rabbitmq-server", "epmd", k_debian_python});
    out.stomp = prepare_capture("STOMP (rabbitmq-server's STOMP plugin, python3-stomp)", dir,
                                "stomp", {"/usr/lib/rabbitmq/bin/rabbitmq-server"});
    if (!out.amqp.skip.empty() || !out.stomp.skip.empty())
        return out;
    const int dist_port = free_port();
    const int epmd_port = free_port();
    std::ofstream(dir / "enabled_plugins") << "[rabbitmq_stomp].\n";
    std::ofstream(dir / "rabbitmq.conf")
        << "listeners.tcp.default = 127.0.0.1:" << out.amqp.port << "\n"
        << "stomp.listeners.tcp.1 = 127.0.0.1:" << out.stomp.port << "\n";
    const std::string base = shell_quote(dir.string());
    const std::string node = "sniff" + std::to_string(out.amqp.port) + "@localhost";
    // The Debian wrapper (/usr/sbin) switches to the rabbitmq user and its fixed paths; the
    // server script itself runs as root with everything under dir.
    const std::string environment =
        "HOME=" + base + " RABBITMQ_NODENAME=" + node +
        " RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODE_PORT=" + std::to_string(out.amqp.port) +
        " RABBITMQ_DIST_PORT=" + std::to_string(dist_port) +
        " ERL_EPMD_PORT=" + std::to_string(epmd_port) + " RABBITMQ_MNESIA_BASE=" + base +
        "/mnesia RABBITMQ_LOG_BASE=" + base + "/log RABBITMQ_ENABLED_PLUGINS_FILE=" + base +
        "/enabled_plugins RABBITMQ_CONFIG_FILE=" + base +
        "/rabbitmq.conf RABBITMQ_PLUGINS_EXPAND_DIR=" + base + "/expand";
    EpmdStopper epmd{epmd_port};
    Background server("env " + environment + " /usr/lib/rabbitmq/bin/rabbitmq-server",
                      dir / "rabbitmq.log");
    // A node starts in 20-40 s here; the STOMP listener opens last.
    require_listening(out.amqp.port, server, 120000);
    require_listening(out.stomp.port, server, 60000);
    // The 1 MB message leaves in a burst; on a machine busy with the rest of the suite dumpcap
    // has dropped some of it (tshark then parsed its zeros as 23,000 frames). The clients
    // drain their queues, so a run can be captured again on the same node.
    for (int attempt = 0; attempt < 3; ++attempt) {
        LoopbackCapture amqp_capture(out.amqp.file, out.amqp.port);
        LoopbackCapture stomp_capture(out.stomp.file, out.stomp.port);
        require_started(amqp_capture);
        require_started(stomp_capture);
        const auto log = dir / "clients.log";
        run_checked(client_script("amqp_client.py") + " " + std::to_string(out.amqp.port), 60, log);
        run_checked(client_script("stomp_client.py") + " " + std::to_string(out.stomp.port), 60,
                    log);
        amqp_capture.stop();
        stomp_capture.stop();
        out.amqp.dropped = amqp_capture.dropped();
        out.stomp.dropped = stomp_capture.dropped();
        if (out.amqp.dropped == 0 && out.stomp.dropped == 0)
            break;
    }
    server.stop(SIGTERM, 30000);
    return out;
}

ProtocolCapture capture_smtp(const std::filesystem::path& dir) {
    auto result = prepare_capture("SMTP (python3-aiosmtpd, swaks, smtplib with STARTTLS)", dir,
                                  "smtp", {k_debian_python, "swaks", "openssl"});
    if (!result.skip.empty())
        return result;
    const auto cert = dir / "cert.pem";
    const auto key = dir / "key.pem";
    run_checked("openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost -keyout " +
                    shell_quote(key.string()) + " -out " + shell_quote(cert.string()),
                60, dir / "openssl.log");
    const auto port = std::to_string(result.port);
    Background server(client_script("smtp_server.py") + " " + port + " " +
                          shell_quote(cert.string()) + " " + shell_quote(key.string()),
                      dir / "smtp.log");
    require_listening(result.port, server);
    LoopbackCapture capture(result.file, result.port);
    require_started(capture);
    const auto body = dir / "body.txt";
    std::ofstream(body) << "line one\n.leading dot\n..two dots\n.\nend\n";
    const auto attachment = dir / "attachment.bin";
    std::ofstream(attachment) << std::string(200 * 1024, 'a');
    const std::string swaks = "swaks --server 127.0.0.1:" + port +
                              " --from a@example.org --to b@example.org --helo client.example";
    const auto log = dir / "clients.log";
    run_checked(swaks + " --body @" + shell_quote(body.string()), 60, log);
    run_checked(swaks + " --attach @" + shell_quote(attachment.string()), 60, log);
    run_checked(swaks + " --tls --body @" + shell_quote(body.string()), 60, log);
    run_checked(client_script("smtp_starttls_client.py") + " " + port, 60, log);
    capture.stop();
    server.stop(SIGTERM);
    return result;
}

} // namespace sniff::protocols
