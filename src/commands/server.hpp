#pragma once
// `sniff serve`: the article's remote-command server. A client sends a command line; the server
// runs it (built-ins by default, /bin/sh -c with --shell on loopback only) and answers with the
// output framed as chosen (see framing.hpp for every wire layout). One thread per TCP client, so a
// slow, silent, garbage-sending or vanishing client affects nobody else; a malformed request gets
// an error answer (where the framing can carry one) and that connection is closed.
//
// Limits: a command line is at most k_max_request bytes, a JSON header k_max_json_header, an
// answer max_output, an upload max_upload; a command runs at most command_timeout_ms; a client
// silent for idle_timeout_ms is dropped; at most max_clients at once (more are closed at accept).

#include "commands/builtins.hpp"
#include "commands/framing.hpp"

#include <atomic>
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>

namespace sniff::commands {

inline constexpr std::size_t k_max_udp_payload = 65'507; // 65535 - 8 (UDP) - 20 (IPv4)

struct ServeOptions {
    std::string listen = "127.0.0.1:8080"; // ADDR:PORT; port 0 picks a free one
    Framing framing = Framing::json_header;
    bool udp = false;       // one datagram in, one datagram out; framing ignored
    bool shell = false;     // run /bin/sh -c; refused unless listen is loopback
    std::string upload_dir; // empty: uploads are refused
    std::size_t max_output = 16 * 1024 * 1024;
    std::size_t max_upload = 256 * 1024 * 1024;
    int command_timeout_ms = 10'000;
    int idle_timeout_ms = 300'000;
    std::size_t max_clients = 256;
    std::ostream* log = nullptr; // one line per connection/command/problem; nullptr: quiet
};

// Why these options cannot run (shell on a non-loopback address, bad address, missing upload
// directory); nullopt when they can.
std::optional<std::string> validate_serve_options(const ServeOptions& options);

struct ServerStats {
    std::uint64_t connections = 0; // TCP connections accepted
    std::uint64_t answers = 0;     // commands answered (TCP and UDP)
    std::uint64_t malformed = 0;   // connections closed for a malformed request
    std::uint64_t uploads_ok = 0;
    std::uint64_t uploads_failed = 0;
    std::uint64_t udp_cut = 0; // UDP answers cut to k_max_udp_payload
};

// A running server (in a background thread). Safe to stop from any thread; the destructor stops.
class Server {
public:
    explicit Server(ServeOptions options);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // Validates, binds and starts serving; false with error set when it cannot.
    bool start(std::string& error);
    [[nodiscard]] std::uint16_t port() const;
    [[nodiscard]] const ServeOptions& options() const;
    [[nodiscard]] ServerStats stats() const;
    // Stops accepting, cuts every client connection and joins all threads. Idempotent.
    void stop();

    struct Impl;

private:
    std::unique_ptr<Impl> m_impl;
};

// For `sniff demo` and tests: a server on 127.0.0.1 with a free port (options.listen is
// ignored). Returns nullptr with error set when it cannot start; the port is server->port().
std::unique_ptr<Server> start_loopback_server(ServeOptions options, std::string& error);

// `sniff serve`: validates (exit 2 with a message on err), prints where it listens (and the
// --shell warning), serves until SIGINT/SIGTERM, returns 0.
int run_serve(const ServeOptions& options, std::ostream& out, std::ostream& err);

} // namespace sniff::commands
