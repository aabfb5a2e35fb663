#pragma once
// What the user asked sniff to do, as one value (parsed by src/cli). Options follow
// tcpdump/tshark where they overlap (-r, -w, -c, -n, -i, -f, -s, -p, -D); long options are
// sniff's own.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sniff::pipeline {

enum class Command : std::uint8_t {
    analyze,
    help,
    version,
    list_framings,
    list_interfaces,
    serve,
    client,
    demo
};

struct Options {
    Command command = Command::analyze;
    std::string read_file;                   // -r
    std::string interface_name;              // -i
    std::string filter;                      // -f (also the trailing words, as tcpdump)
    std::string write_file;                  // -w
    std::string proxy_pcap;                  // --proxy-pcap FILE
    std::optional<std::uint64_t> count;      // -c
    std::uint32_t snap_length = 262144;      // -s
    std::optional<std::uint64_t> buffer_kib; // -B KiB (tcpdump's unit); else LiveOptions' default
    bool no_promiscuous = false;             // -p
    bool list_interfaces = false;            // -D
    std::string drop_user;                   // -Z USER
    std::optional<double> duration;          // --duration S
    bool pcapng = false;                     // --pcapng (with -w)
    std::optional<std::uint64_t> rotate_megabytes; // -C MB
    std::vector<std::string> proxies;              // --proxy (repeatable)
    bool serve_with_proxy = false;             // --serve: the command server as the proxy's target
    std::vector<std::string> rechunk;          // --rechunk [DIR=]MODE (repeatable)
    std::optional<std::uint64_t> seed;         // --seed N
    std::optional<std::uint64_t> delay_ms;     // --delay MS
    std::optional<std::uint64_t> proxy_buffer; // --proxy-buffer SIZE: largest read, bytes held
    std::optional<std::uint64_t> busy_poll_us; // --busy-poll US: poll that long before sleeping
    std::vector<std::string> framings;         // --framing SPEC | PORT=SPEC (repeatable)
    std::string write_streams;                 // --write-streams DIR
    std::string report_file;                   // --report FILE.html
    std::string export_lua;                    // --export-lua FILE
    std::optional<std::uint64_t> udp_bufsize;
    bool json = false;                     // --json
    bool summary = false;                  // --summary
    bool no_tui = false;                   // --no-tui
    bool quiet = false;                    // -q: no progress
    std::uint64_t max_buffer = 8ull << 20; // out-of-order bytes held per flow
    std::uint64_t max_buffer_total = 256ull << 20;
    double idle_timeout_seconds = 600;
    double hole_timeout_seconds = 10; // --hole-timeout: longest wait behind a hole, capture time
    std::vector<std::string> exec_command; // sniff exec [options] -- CMD ARGS...
    // sniff replay FILE [options]
    std::string replay_file;
    std::vector<std::string> replay_flows;          // --flow N | all (repeatable)
    std::string replay_to;                          // --to HOST:PORT
    std::string replay_side = "client";             // --side client | server
    std::string replay_listen;                      // --listen [ADDR:]PORT (--side server)
    std::string replay_await = "answer";            // --await answer | idle:MS | none
    std::string replay_timing = "none";             // --timing none | original | scale:X
    std::optional<std::uint64_t> max_gap_ms;        // --max-gap MS
    std::optional<std::uint64_t> answer_timeout_ms; // --answer-timeout MS
    std::optional<std::uint64_t> concurrency;       // --concurrency K
    std::vector<std::string> ignore_bytes;          // --ignore-bytes OFF:LEN (repeatable)
    std::vector<std::uint64_t> ignore_messages;     // --ignore N (repeatable)
    std::vector<std::string> ignore_fields;         // --ignore [N:]resp:K (repeatable)
    std::vector<std::string> rest;                  // arguments of serve/client/demo
};

} // namespace sniff::pipeline
