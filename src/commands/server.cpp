#include "commands/server.hpp"

#include "commands/session.hpp"
#include "commands/socket_io.hpp"
#include "util/escape.hpp"

#include <arpa/inet.h>
#include <csignal>
#include <filesystem>
#include <list>
#include <netinet/in.h>
#include <ostream>
#include <pthread.h>
#include <sys/socket.h>
#include <thread>

namespace sniff::commands {

std::optional<std::string> validate_serve_options(const ServeOptions& options) {
    HostPort where;
    std::string error;
    if (!parse_host_port(options.listen, where, error))
        return "--listen: " + error;
    if (options.shell && !is_loopback_host(where.host))
        return "--shell runs any command a client sends; it is only allowed on a loopback "
               "listen address (127.0.0.1, ::1), not " +
               where.host;
    if (!options.upload_dir.empty() && !std::filesystem::is_directory(options.upload_dir))
        return "--upload-dir: '" + options.upload_dir + "' is not a directory";
    if (options.max_clients == 0 || options.command_timeout_ms <= 0)
        return "max clients and command timeout must be positive";
    return std::nullopt;
}

namespace {

std::string peer_name(const sockaddr_storage& address) {
    char text[INET6_ADDRSTRLEN] = "?";
    std::uint16_t port = 0;
    if (address.ss_family == AF_INET) {
        const auto* v4 = reinterpret_cast<const sockaddr_in*>(&address);
        inet_ntop(AF_INET, &v4->sin_addr, text, sizeof text);
        port = ntohs(v4->sin_port);
        return std::string(text) + ":" + std::to_string(port);
    }
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&address);
    inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof text);
    return "[" + std::string(text) + "]:" + std::to_string(ntohs(v6->sin6_port));
}

constexpr int k_poll_ms = 100; // how often loops look at the stop flag

} // namespace

struct Server::Impl {
    struct Worker {
        Fd fd;
        std::thread thread;
        std::shared_ptr<std::atomic<bool>> done = std::make_shared<std::atomic<bool>>(false);
    };

    explicit Impl(ServeOptions opts) : options(std::move(opts)), log(options.log) {}

    void accept_loop();
    void udp_loop();
    void reap(bool all);

    ServeOptions options;
    Logger log;
    ServerCounters counters;
    Fd socket;
    std::uint16_t port = 0;
    std::atomic<bool> stopping{false};
    std::thread thread;
    std::mutex workers_mutex;
    std::list<Worker> workers;
};

void Server::Impl::reap(bool all) {
    const std::lock_guard lock(workers_mutex);
    for (auto it = workers.begin(); it != workers.end();) {
        if (all && !*it->done)
            ::shutdown(it->fd.get(), SHUT_RDWR); // wakes a worker blocked in poll/recv/send
        if (all || *it->done) {
            it->thread.join();
            it = workers.erase(it);
        } else {
            ++it;
        }
    }
}

void Server::Impl::accept_loop() {
    while (!stopping) {
        reap(false);
        if (wait_readable(socket.get(), k_poll_ms) <= 0)
            continue;
        sockaddr_storage address{};
        socklen_t length = sizeof address;
        Fd client(
            ::accept4(socket.get(), reinterpret_cast<sockaddr*>(&address), &length, SOCK_CLOEXEC));
        if (!client.valid())
            continue;
        const std::string peer = peer_name(address);
        const std::lock_guard lock(workers_mutex);
        if (workers.size() >= options.max_clients) {
            log.line(peer + " refused: " + std::to_string(options.max_clients) +
                     " clients already connected");
            continue;
        }
        ++counters.connections;
        log.line(peer + " connected");
        Worker& worker = workers.emplace_back();
        worker.fd = std::move(client);
        worker.thread = std::thread([this, fd = worker.fd.get(), done = worker.done, peer] {
            serve_session(fd, SessionContext{options, counters, log, peer});
            log.line(peer + " disconnected");
            *done = true;
        });
    }
}

void Server::Impl::udp_loop() {
    std::string buffer(65'536, '\0');
    while (!stopping) {
        if (wait_readable(socket.get(), k_poll_ms) <= 0)
            continue;
        sockaddr_storage address{};
        socklen_t length = sizeof address;
        const ssize_t got = ::recvfrom(socket.get(), buffer.data(), buffer.size(), 0,
                                       reinterpret_cast<sockaddr*>(&address), &length);
        if (got < 0)
            continue;
        std::string command = buffer.substr(0, static_cast<std::size_t>(got));
        while (!command.empty() && (command.back() == '\n' || command.back() == '\r'))
            command.pop_back();
        CommandResult result = execute_command(command, options);
        const std::string peer = peer_name(address);
        if (result.output.size() > k_max_udp_payload) {
            ++counters.udp_cut;
            log.line(peer + " udp answer of " + std::to_string(result.output.size()) +
                     " bytes cut to " + std::to_string(k_max_udp_payload) +
                     " (the largest UDP payload over IPv4)");
            result.output.resize(k_max_udp_payload);
        }
        log.line(peer + " udp > " + util::escape_text(command, 80) + " -> " +
                 std::to_string(result.output.size()) + " bytes");
        ::sendto(socket.get(), result.output.data(), result.output.size(), 0,
                 reinterpret_cast<const sockaddr*>(&address), length);
        ++counters.answers;
    }
}

Server::Server(ServeOptions options) : m_impl(std::make_unique<Impl>(std::move(options))) {}

Server::~Server() {
    stop();
}

bool Server::start(std::string& error) {
    if (m_impl->thread.joinable()) {
        error = "server already started";
        return false;
    }
    if (const auto problem = validate_serve_options(m_impl->options)) {
        error = *problem;
        return false;
    }
    HostPort where;
    parse_host_port(m_impl->options.listen, where, error);
    const auto kind = m_impl->options.udp ? SocketKind::udp : SocketKind::tcp;
    m_impl->socket = open_server_socket(where, kind, m_impl->port, error);
    if (!m_impl->socket.valid())
        return false;
    Impl* impl = m_impl.get();
    m_impl->thread = std::thread([impl] {
        if (impl->options.udp)
            impl->udp_loop();
        else
            impl->accept_loop();
    });
    return true;
}

std::uint16_t Server::port() const {
    return m_impl->port;
}

const ServeOptions& Server::options() const {
    return m_impl->options;
}

ServerStats Server::stats() const {
    const auto& c = m_impl->counters;
    return {c.connections, c.answers, c.malformed, c.uploads_ok, c.uploads_failed, c.udp_cut};
}

void Server::stop() {
    m_impl->stopping = true;
    if (m_impl->thread.joinable())
        m_impl->thread.join();
    m_impl->reap(true);
    m_impl->socket.reset();
}

std::unique_ptr<Server> start_loopback_server(ServeOptions options, std::string& error) {
    options.listen = "127.0.0.1:0";
    auto server = std::make_unique<Server>(std::move(options));
    if (!server->start(error))
        return nullptr;
    return server;
}

int run_serve(const ServeOptions& options, std::ostream& out, std::ostream& err) {
    if (const auto problem = validate_serve_options(options)) {
        err << "sniff serve: " << *problem << '\n';
        return 2;
    }
    if (options.shell)
        err << "sniff serve: WARNING: --shell runs every command a client sends with /bin/sh, as "
               "this user. Anyone who can connect to "
            << options.listen << " can run anything.\n";
    // Block the stop signals before any thread starts, so they all inherit the mask and only
    // sigwait below receives them.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    sigset_t previous;
    pthread_sigmask(SIG_BLOCK, &signals, &previous);
    Server server(options);
    std::string error;
    if (!server.start(error)) {
        pthread_sigmask(SIG_SETMASK, &previous, nullptr);
        err << "sniff serve: " << error << '\n';
        return 2;
    }
    HostPort where;
    parse_host_port(options.listen, where, error);
    where.port = server.port();
    out << "sniff serve: " << (options.udp ? "udp" : "tcp") << " on " << where.to_string()
        << (options.udp ? std::string(" (one datagram per command)")
                        : ", framing " + std::string(framing_name(options.framing)))
        << (options.shell ? ", shell commands" : ", built-in commands (try: help)")
        << "; Ctrl-C stops\n"
        << std::flush;
    int received = 0;
    sigwait(&signals, &received);
    server.stop();
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    const auto stats = server.stats();
    out << "sniff serve: stopped after " << stats.connections << " connections, " << stats.answers
        << " answers\n";
    return 0;
}

} // namespace sniff::commands
