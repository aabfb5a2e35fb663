#include "cli/option_table.hpp"

#include "cli/values.hpp"

#include <array>

namespace sniff::cli {

namespace {

using pipeline::Command;
using pipeline::Options;
using G = OptionGroup;

// -s: tcpdump's largest snap length; 0 means it, as in tcpdump.
constexpr std::uint64_t k_max_snap = 262144;
// -B KiB: libpcap takes the size as an int of bytes.
constexpr Range k_buffer_kib{64, (1u << 21) - 1};
// --proxy-buffer: below 1K a read per few bytes; above 64M a few connections hold gigabytes.
constexpr Range k_proxy_buffer{1024, 64ull << 20};
// --busy-poll: past 10 ms between events a sleeping loop wakes in time anyway.
constexpr Range k_busy_poll{0, 10'000};
// --delay: a minute between writes is already a stalled connection.
constexpr Range k_delay_ms{0, 60'000};
// --concurrency: connections replayed at once.
constexpr Range k_concurrency{1, 1000};
// sniff replay's wait for a silent peer: a millisecond to ten minutes.
constexpr Range k_answer_timeout_ms{1, 600'000};
// --udp-bufsize: the largest UDP payload.
constexpr Range k_udp_bufsize{1, 65535};
// --max-buffer(-total): at least 1K, at most what a machine might spare.
constexpr Range k_buffer{1024, 64ull << 30};
// -C: megabytes per file.
constexpr Range k_rotate_mb{1, 1'000'000};
// --duration, --idle-timeout: a year is longer than any run.
constexpr double k_max_seconds = 365.0 * 24 * 3600;

auto text_into(std::string Options::*field) {
    return [field](Options& o, const std::string& v) {
        o.*field = v;
        return std::string();
    };
}

auto append_to(std::vector<std::string> Options::*field) {
    return [field](Options& o, const std::string& v) {
        (o.*field).push_back(v);
        return std::string();
    };
}

auto flag(bool Options::*field) {
    return [field](Options& o, const std::string&) {
        o.*field = true;
        return std::string();
    };
}

auto command(Command chosen) {
    return [chosen](Options& o, const std::string&) {
        o.command = chosen;
        return std::string();
    };
}

auto count_into(std::optional<std::uint64_t> Options::*field, const char* name, Range range) {
    return [=](Options& o, const std::string& v) {
        std::uint64_t value = 0;
        auto error = parse_count(name, v, range, value);
        if (error.empty())
            o.*field = value;
        return error;
    };
}

auto size_into(std::uint64_t Options::*field, const char* name, Range range) {
    return [=](Options& o, const std::string& v) { return parse_size(name, v, range, o.*field); };
}

const std::array k_rows = std::to_array<OptionRow>({
    // sources
    {"-r", "FILE", G::sources, "read packets from FILE (pcap or pcapng; - reads standard input)",
     every_mode, "", "", text_into(&Options::read_file)},
    {"-i", "IFACE", G::sources, "capture on IFACE (any = all)", every_mode, "", "",
     text_into(&Options::interface_name)},
    {"-f", "FILTER", G::sources, "BPF filter (also as trailing words); applies to files too",
     file_source | capture_source | replay_source, "a BPF filter selects captured packets", "",
     text_into(&Options::filter)},
    {"-c", "N", G::sources, "stop after N packets", file_source | capture_source,
     "counts captured packets", "", count_into(&Options::count, "-c", {1, UINT64_MAX})},
    {"-s", "SNAPLEN", G::sources, "capture snap length (0 = 262144)", capture_source,
     "sets the live capture's snap length", "",
     [](Options& o, const std::string& v) {
         std::uint64_t snap = 0;
         auto error = parse_count("-s", v, {0, k_max_snap}, snap);
         if (error.empty())
             o.snap_length = static_cast<std::uint32_t>(snap == 0 ? k_max_snap : snap);
         return error;
     }},
    {"-B", "KIB", G::sources,
     "capture buffer in KiB (default 8192): larger keeps a burst that the\nkernel would drop "
     "while sniff is busy",
     capture_source, "sets the live capture's kernel buffer", "",
     count_into(&Options::buffer_kib, "-B", k_buffer_kib)},
    {"-n", "", G::sources, "accepted for tcpdump compatibility (sniff never resolves names)",
     every_mode, "", "", [](Options&, const std::string&) { return std::string(); }},
    {"--proxy", "SPEC", G::sources, "listen and forward (repeatable)", every_mode, "", "",
     append_to(&Options::proxies)},
    {"-D", "", G::sources, "list capture interfaces", every_mode, "", "",
     command(Command::list_interfaces)},
    {"-p", "", G::sources, "no promiscuous mode", capture_source,
     "turns off the live capture's promiscuous mode", "", flag(&Options::no_promiscuous)},
    {"-Z", "USER", G::sources, "drop privileges to USER once the capture is open",
     capture_source, "drops privileges once a capture is open", "",
     text_into(&Options::drop_user)},
    {"--duration", "S", G::sources, "stop a live capture or proxy after S seconds",
     capture_source | proxy_source | exec_source | replay_source, "stops a live run", "",
     [](Options& o, const std::string& v) {
         double seconds = 0;
         auto error = parse_seconds("--duration", v, k_max_seconds, seconds);
         if (error.empty())
             o.duration = seconds;
         return error;
     }},
    // proxy
    {"--rechunk", "[c2s=|s2c=]MODE", G::proxy,
     "re-chunk forwarded data: 1 | fixed:N | random:A-B |\ncoalesce:MS[:BYTES] | adversarial "
     "(uses --framing);\nsniff replay also: original (the captured segments, its default);\n"
     "TCP only: a UDP datagram is always sent whole",
     proxy_source | replay_source, "re-chunks what the proxy forwards", "",
     append_to(&Options::rechunk)},
    {"--seed", "N", G::proxy, "seed for random re-chunking (printed when not given)",
     proxy_source | replay_source, "seeds the proxy's random re-chunking", "",
     count_into(&Options::seed, "--seed", {})},
    {"--delay", "MS", G::proxy,
     "pause between re-chunked writes; default: each write waits until a\nlocal peer has read the "
     "earlier ones (a remote peer: send queue empty +\n2 ms), so every write is one recv(); 0 = "
     "back to back",
     proxy_source | replay_source,
     "paces the proxy's writes", "", count_into(&Options::delay_ms, "--delay", k_delay_ms)},
    {"--proxy-buffer", "SIZE", G::proxy,
     "largest read and most bytes held per connection direction; a slow\nreader stops the "
     "other side there (default 1M, 1K..64M)",
     proxy_source, "sizes the proxy's reads", "",
     [](Options& o, const std::string& v) {
         std::uint64_t size = 0;
         auto error = parse_size("--proxy-buffer", v, k_proxy_buffer, size);
         if (error.empty())
             o.proxy_buffer = size;
         return error;
     }},
    {"--busy-poll", "US", G::proxy,
     "keep polling for US microseconds (0..10000) after each event before\nthe event loop "
     "sleeps: lower latency on virtual machines, at the\ncost of CPU while traffic flows "
     "(default 50 with --proxy and replay, else 0)",
     capture_source | proxy_source | exec_source | replay_source, "applies to the live event loop",
     "",
     count_into(&Options::busy_poll_us, "--busy-poll", k_busy_poll)},
    {"--serve", "", G::proxy, "run sniff's command server as the proxy's target", proxy_source,
     "starts a target for the proxy", "", flag(&Options::serve_with_proxy)},
    {"--proxy-pcap", "FILE", G::proxy,
     "write the proxy's recv() chunks as pcap (needed with -i and --proxy)", proxy_source,
     "records the proxy", "", text_into(&Options::proxy_pcap)},
    // replay
    {"--to", "HOST:PORT", G::replay,
     "the server sniff replay sends to (required: it sends nowhere else)", replay_source, "names the replay's server", "",
     text_into(&Options::replay_to)},
    {"--flow", "N|all", G::replay,
     "sniff replay: the flow to replay, numbered as sniff -r FILE numbers\nthem (repeatable; "
     "default: every flow the filter passes)",
     replay_source, "picks the flows to replay", "", append_to(&Options::replay_flows)},
    {"--side", "client|server", G::replay,
     "the side sniff plays: client (sends the captured requests to --to) or\nserver (answers a "
     "client that connects to --listen with the captured\nanswers)",
     replay_source, "picks the side the replay plays", "", text_into(&Options::replay_side)},
    {"--listen", "[ADDR:]PORT", G::replay, "--side server: where the client connects (default "
     "address 127.0.0.1)", replay_source, "binds the replayed server", "",
     text_into(&Options::replay_listen)},
    {"--await", "MODE", G::replay,
     "between turns: answer (default: the peer's captured messages, counted\nwith the framing, "
     "or bytes) | idle:MS (MS of silence) | none (pipeline)",
     replay_source, "sets the replay's turn-taking", "", text_into(&Options::replay_await)},
    {"--timing", "MODE", G::replay,
     "pauses between turns: none (default) | original | scale:X", replay_source,
     "sets the replay's pauses", "", text_into(&Options::replay_timing)},
    {"--max-gap", "MS", G::replay, "longest captured pause --timing keeps", replay_source,
     "caps the replay's pauses", "", count_into(&Options::max_gap_ms, "--max-gap", k_delay_ms)},
    {"--answer-timeout", "MS", G::replay,
     "how long a silent peer is waited for while an answer is due (default\n2000): a TCP "
     "flow's replay stops there; over UDP the answer is missing\nand the next request goes out",
     replay_source, "bounds the replay's wait for an answer", "",
     count_into(&Options::answer_timeout_ms, "--answer-timeout", k_answer_timeout_ms)},
    {"--concurrency", "K", G::replay, "replay up to K flows at once (default 1)", replay_source,
     "runs replayed flows at once", "",
     count_into(&Options::concurrency, "--concurrency", k_concurrency)},
    {"--ignore-bytes", "OFF:LEN", G::replay,
     "bytes of every compared message not compared (ids, timestamps;\nrepeatable)",
     replay_source, "skips bytes in the replay's comparison", "",
     append_to(&Options::ignore_bytes)},
    {"--ignore", "N|[N:]resp:K", G::replay,
     "the peer's message N (as the report numbers them) is not compared;\n"
     "resp:K: element K of each RESP array answer (of message N) is left out\n(repeatable)",
     replay_source, "skips a message in the replay's comparison", "",
     [](Options& o, const std::string& v) {
         if (v.find(':') != std::string::npos) { // a field: checked by sniff replay
             o.ignore_fields.push_back(v);
             return std::string();
         }
         std::uint64_t number = 0;
         auto error = parse_count("--ignore", v, {1, UINT64_MAX}, number);
         if (error.empty())
             o.ignore_messages.push_back(number);
         return error;
     }},
    // analysis
    {"--framing", "SPEC", G::analysis,
     "framing for every flow, or PORT=SPEC for one server port (repeatable);\nsee "
     "--list-framings",
     every_mode, "", "", append_to(&Options::framings)},
    {"--udp-bufsize", "N", G::analysis, "flag UDP datagrams a recvfrom(N) would cut", every_mode,
     "", "", count_into(&Options::udp_bufsize, "--udp-bufsize", k_udp_bufsize)},
    {"--export-lua", "FILE", G::analysis, "write a Wireshark Lua dissector for --framing PORT=SPEC",
     every_mode, "", "", text_into(&Options::export_lua)},
    {"--max-buffer", "SIZE", G::analysis, "out-of-order bytes held per flow (default 8M)",
     file_source | capture_source | replay_source, "bounds reassembly of captured packets", "",
     size_into(&Options::max_buffer, "--max-buffer", k_buffer)},
    {"--max-buffer-total", "SIZE", G::analysis, "out-of-order bytes held in all (default 256M)",
     file_source | capture_source | replay_source, "bounds reassembly of captured packets", "",
     size_into(&Options::max_buffer_total, "--max-buffer-total", k_buffer)},
    {"--idle-timeout", "SEC", G::analysis,
     "close flows idle this long (capture time; default 600)",
     file_source | capture_source | replay_source,
     "expires captured flows", "",
     [](Options& o, const std::string& v) {
         return parse_seconds("--idle-timeout", v, k_max_seconds, o.idle_timeout_seconds);
     }},
    {"--hole-timeout", "SEC", G::analysis,
     "longest wait for a missing segment before it is a gap (capture time;\ndefault 10)",
     file_source | capture_source | replay_source,
     "bounds waiting in reassembly of captured packets", "",
     [](Options& o, const std::string& v) {
         return parse_seconds("--hole-timeout", v, k_max_seconds, o.hole_timeout_seconds);
     }},
    // output
    {"--summary", "", G::output, "one line per flow and totals (the default without a terminal)",
     every_mode, "", "", flag(&Options::summary)},
    {"--json", "", G::output, "JSON Lines: flow, segment, gap, anomaly, message, end", every_mode,
     "", "", flag(&Options::json)},
    {"--write-streams", "DIR", G::output,
     "one file per flow direction with its reassembled bytes + index.json", every_mode, "", "",
     text_into(&Options::write_streams)},
    {"--report", "FILE", G::output,
     "write a self-contained HTML report (boundaries, time-sequence, sizes)", every_mode, "", "",
     text_into(&Options::report_file)},
    {"-w", "FILE", G::output,
     "write packets as pcap: the live capture's with -i, else the proxy's,\nsniff exec's or sniff "
     "replay's",
     every_mode, "", "", text_into(&Options::write_file)},
    {"--pcapng", "", G::output, "with -w on a capture: write pcapng",
     file_source | capture_source, "writes the capture's -w file as pcapng",
     "-w", flag(&Options::pcapng)},
    {"-C", "MB", G::output, "with -w on a capture: rotate files every MB megabytes",
     file_source | capture_source, "rotates the capture's -w files", "-w",
     [](Options& o, const std::string& v) {
         std::uint64_t megabytes = 0;
         auto error = parse_count("-C", v, k_rotate_mb, megabytes);
         if (error.empty())
             o.rotate_megabytes = megabytes;
         return error;
     }},
    {"--no-tui", "", G::output, "text output even on a terminal", every_mode, "", "",
     flag(&Options::no_tui)},
    {"-q", "", G::output, "no progress on standard error", every_mode, "", "",
     flag(&Options::quiet)},
    // general
    {"-h, --help", "", G::general, "this text", every_mode, "", "", command(Command::help)},
    {"-V, --version", "", G::general, "version", every_mode, "", "", command(Command::version)},
    {"--list-framings", "", G::general, "framing presets and their expansion", every_mode, "", "",
     command(Command::list_framings)},
});

} // namespace

std::span<const OptionRow> option_rows() {
    return k_rows;
}

bool has_name(std::string_view names, std::string_view name) {
    while (!names.empty()) {
        const auto comma = names.find(", ");
        if (names.substr(0, comma) == name)
            return true;
        if (comma == std::string_view::npos)
            break;
        names.remove_prefix(comma + 2);
    }
    return false;
}

unsigned chosen_sources(const pipeline::Options& options) {
    unsigned mask = 0;
    if (!options.read_file.empty())
        mask |= file_source;
    if (!options.interface_name.empty())
        mask |= capture_source;
    if (!options.proxies.empty())
        mask |= proxy_source;
    if (!options.exec_command.empty())
        mask |= exec_source;
    if (!options.replay_file.empty())
        mask |= replay_source;
    return mask;
}

} // namespace sniff::cli
