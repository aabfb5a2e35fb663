#include "app/options.hpp"

#include <charconv>
#include <functional>
#include <map>

namespace sniff::app {

namespace {

// --proxy-buffer: below 1K a read per few bytes; above 64M a few connections hold gigabytes.
constexpr std::uint64_t k_min_proxy_buffer = 1024;
constexpr std::uint64_t k_max_proxy_buffer = 64ull << 20;
// --busy-poll: past 10 ms between events a sleeping loop wakes in time anyway.
constexpr std::uint64_t k_max_busy_poll_us = 10'000;

bool parse_number(const std::string& text, std::uint64_t& value) {
    const auto [end, code] = std::from_chars(text.data(), text.data() + text.size(), value);
    return code == std::errc{} && end == text.data() + text.size();
}

bool parse_size(std::string text, std::uint64_t& value) {
    std::uint64_t multiplier = 1;
    if (!text.empty()) {
        const char unit = text.back();
        const std::map<char, std::uint64_t> k_units{{'k', 1ull << 10}, {'K', 1ull << 10},
                                                    {'m', 1ull << 20}, {'M', 1ull << 20},
                                                    {'g', 1ull << 30}, {'G', 1ull << 30}};
        if (const auto found = k_units.find(unit); found != k_units.end()) {
            multiplier = found->second;
            text.pop_back();
        }
    }
    if (!parse_number(text, value) || value > UINT64_MAX / multiplier)
        return false;
    value *= multiplier;
    return true;
}

using Setter = std::function<std::string(Options&, const std::string&)>;

struct ValueOption {
    const char* name;
    Setter set;
};

std::string set_number(std::optional<std::uint64_t>& target, const std::string& value,
                       const char* name) {
    std::uint64_t number = 0;
    if (!parse_size(value, number))
        return std::string(name) + ": not a number: '" + value + "'";
    target = number;
    return {};
}

const std::vector<ValueOption>& value_options() {
    static const std::vector<ValueOption> k_options{
        {"-r",
         [](Options& o, const std::string& v) {
             o.read_file = v;
             return std::string();
         }},
        {"-i",
         [](Options& o, const std::string& v) {
             o.interface_name = v;
             return std::string();
         }},
        {"-f",
         [](Options& o, const std::string& v) {
             o.filter = v;
             return std::string();
         }},
        {"-w",
         [](Options& o, const std::string& v) {
             o.write_file = v;
             return std::string();
         }},
        {"-c", [](Options& o, const std::string& v) { return set_number(o.count, v, "-c"); }},
        {"-s",
         [](Options& o, const std::string& v) {
             std::optional<std::uint64_t> snap;
             auto error = set_number(snap, v, "-s");
             if (error.empty())
                 o.snap_length =
                     static_cast<std::uint32_t>(*snap == 0 || *snap > 262144 ? 262144 : *snap);
             return error;
         }},
        {"--proxy",
         [](Options& o, const std::string& v) {
             o.proxies.push_back(v);
             return std::string();
         }},
        {"--proxy-pcap",
         [](Options& o, const std::string& v) {
             o.proxy_pcap = v;
             return std::string();
         }},
        {"--framing",
         [](Options& o, const std::string& v) {
             o.framings.push_back(v);
             return std::string();
         }},
        {"--write-streams",
         [](Options& o, const std::string& v) {
             o.write_streams = v;
             return std::string();
         }},
        {"-Z",
         [](Options& o, const std::string& v) {
             o.drop_user = v;
             return std::string();
         }},
        {"-C",
         [](Options& o, const std::string& v) { return set_number(o.rotate_megabytes, v, "-C"); }},
        {"--duration",
         [](Options& o, const std::string& v) {
             try {
                 std::size_t used = 0;
                 const double seconds = std::stod(v, &used);
                 if (used == v.size() && seconds > 0) {
                     o.duration = seconds;
                     return std::string();
                 }
             } catch (...) {
             }
             return "--duration: not a positive number of seconds: '" + v + "'";
         }},
        {"--rechunk",
         [](Options& o, const std::string& v) {
             o.rechunk.push_back(v);
             return std::string();
         }},
        {"--seed",
         [](Options& o, const std::string& v) { return set_number(o.seed, v, "--seed"); }},
        {"--delay",
         [](Options& o, const std::string& v) { return set_number(o.delay_ms, v, "--delay"); }},
        {"--proxy-buffer",
         [](Options& o, const std::string& v) {
             std::uint64_t size = 0;
             if (!parse_size(v, size))
                 return "--proxy-buffer: not a size: '" + v + "'";
             if (size < k_min_proxy_buffer || size > k_max_proxy_buffer)
                 return "--proxy-buffer: " + v + " is outside 1K..64M";
             o.proxy_buffer = size;
             return std::string();
         }},
        {"--busy-poll",
         [](Options& o, const std::string& v) {
             std::uint64_t microseconds = 0;
             if (!parse_number(v, microseconds) || microseconds > k_max_busy_poll_us)
                 return "--busy-poll: not a number of microseconds in 0..10000: '" + v + "'";
             o.busy_poll_us = microseconds;
             return std::string();
         }},
        {"--export-lua",
         [](Options& o, const std::string& v) {
             o.export_lua = v;
             return std::string();
         }},
        {"--udp-bufsize",
         [](Options& o, const std::string& v) {
             return set_number(o.udp_bufsize, v, "--udp-bufsize");
         }},
        {"--max-buffer",
         [](Options& o, const std::string& v) {
             return parse_size(v, o.max_buffer) ? std::string()
                                                : "--max-buffer: not a size: '" + v + "'";
         }},
        {"--max-buffer-total",
         [](Options& o, const std::string& v) {
             return parse_size(v, o.max_buffer_total)
                        ? std::string()
                        : "--max-buffer-total: not a size: '" + v + "'";
         }},
        {"--idle-timeout",
         [](Options& o, const std::string& v) {
             try {
                 std::size_t used = 0;
                 o.idle_timeout_seconds = std::stod(v, &used);
                 if (used == v.size() && o.idle_timeout_seconds > 0)
                     return std::string();
             } catch (...) {
             }
             return "--idle-timeout: not a positive number of seconds: '" + v + "'";
         }},
    };
    return k_options;
}

struct FlagOption {
    const char* name;
    std::function<void(Options&)> set;
};

const std::vector<FlagOption>& flag_options() {
    static const std::vector<FlagOption> k_flags{
        {"-h", [](Options& o) { o.command = Command::help; }},
        {"--help", [](Options& o) { o.command = Command::help; }},
        {"-V", [](Options& o) { o.command = Command::version; }},
        {"--version", [](Options& o) { o.command = Command::version; }},
        {"--list-framings", [](Options& o) { o.command = Command::list_framings; }},
        {"-n", [](Options&) {}}, // sniff never resolves names; accepted as tcpdump does
        {"-p", [](Options& o) { o.no_promiscuous = true; }},
        {"-D", [](Options& o) { o.command = Command::list_interfaces; }},
        {"--pcapng", [](Options& o) { o.pcapng = true; }},
        {"--serve", [](Options& o) { o.serve_with_proxy = true; }},
        {"-q", [](Options& o) { o.quiet = true; }},
        {"--json", [](Options& o) { o.json = true; }},
        {"--summary", [](Options& o) { o.summary = true; }},
        {"--no-tui", [](Options& o) { o.no_tui = true; }},
    };
    return k_flags;
}

// Options that only one source understands, given where they would be ignored or could mean two
// things. Returns the usage error, or empty.
std::string combination_error(const Options& o) {
    const bool capture = !o.interface_name.empty();
    const bool proxy = !o.proxies.empty();
    if (!o.read_file.empty() && (capture || proxy))
        return "-r reads a file: it cannot be combined with -i or --proxy";
    if (!capture && proxy) {
        if (!o.write_file.empty() && !o.proxy_pcap.empty())
            return "-w and --proxy-pcap both name the proxy's recording: give one";
        if (o.pcapng || o.rotate_megabytes)
            return "--pcapng and -C apply to -w of a live capture (-i); the proxy records pcap";
        if (o.count)
            return "-c counts captured packets: it needs -i or -r";
        if (!o.filter.empty())
            return "a BPF filter selects captured packets: it needs -i or -r";
        if (!o.drop_user.empty())
            return "-Z drops privileges once a capture is open: it needs -i";
    }
    if (!o.proxy_pcap.empty() && !proxy)
        return "--proxy-pcap records the proxy: it needs --proxy";
    if (o.proxy_buffer && !proxy)
        return "--proxy-buffer sizes the proxy's reads: it needs --proxy";
    if (o.busy_poll_us && !proxy && !capture)
        return "--busy-poll applies to the live event loop: it needs --proxy or -i";
    if (!o.proxy_pcap.empty() && o.proxy_pcap == o.write_file)
        return "-w (the capture) and --proxy-pcap (the proxy) need different files";
    return {};
}

const std::map<std::string, Command> k_subcommands{
    {"serve", Command::serve}, {"client", Command::client}, {"demo", Command::demo}};

} // namespace

ParseResult parse_options(int argc, char** argv) {
    ParseResult result;
    Options& options = result.options;
    std::vector<std::string> args(argv + 1, argv + argc);
    if (!args.empty() && k_subcommands.contains(args[0])) {
        options.command = k_subcommands.at(args[0]);
        options.rest.assign(args.begin() + 1, args.end());
        return result;
    }
    std::vector<std::string> filter_words;
    for (std::size_t i = 0; i < args.size(); ++i) {
        std::string arg = args[i];
        std::string inline_value;
        bool has_inline = false;
        if (arg.starts_with("--") && arg.find('=') != std::string::npos) {
            inline_value = arg.substr(arg.find('=') + 1);
            arg = arg.substr(0, arg.find('='));
            has_inline = true;
        }
        bool matched = false;
        for (const auto& flag : flag_options()) {
            if (arg == flag.name && !has_inline) {
                flag.set(options);
                matched = true;
            }
        }
        for (const auto& option : value_options()) {
            if (matched || arg != option.name)
                continue;
            matched = true;
            if (!has_inline) {
                if (i + 1 >= args.size()) {
                    result.error = std::string(option.name) + " needs a value";
                    return result;
                }
                inline_value = args[++i];
            }
            if (auto error = option.set(options, inline_value); !error.empty()) {
                result.error = error;
                return result;
            }
        }
        if (matched)
            continue;
        if (arg.starts_with("-") && arg != "-") {
            result.error = "unknown option '" + arg + "'";
            return result;
        }
        filter_words.push_back(arg); // like tcpdump: trailing words form the filter
    }
    if (!filter_words.empty()) {
        if (!options.filter.empty()) {
            result.error = "a filter was given with -f and as trailing words";
            return result;
        }
        for (const auto& word : filter_words)
            options.filter += (options.filter.empty() ? "" : " ") + word;
    }
    if (options.command == Command::analyze)
        result.error = combination_error(options);
    return result;
}

const char* usage_text() {
    return R"(sniff — see where TCP segments and recv() chunks fall against your messages

usage:
  sniff demo                              the sticky-packet story on this machine, no set-up
  sniff -r FILE [options] [FILTER]        analyse a pcap or pcapng file (- = standard input)
  sniff -i IFACE [options] [FILTER]       analyse a live capture
  sniff --proxy [tcp:|udp:][ADDR:]PORT:HOST:PORT [options]
                                          proxy and watch a connection live
  sniff -i IFACE --proxy SPEC [options] [FILTER]
                                          both at once: captured and proxied flows side by side
  sniff serve | client ...                the article's command server and client (see --help)

sources:
  -r FILE               read packets from FILE (pcap or pcapng; - reads standard input)
  -i IFACE              capture on IFACE (any = all)
  -f FILTER             BPF filter (also as trailing words); applies to files too
  -c N                  stop after N packets
  -s SNAPLEN            capture snap length
  -n                    accepted for tcpdump compatibility (sniff never resolves names)
  --proxy SPEC          listen and forward (repeatable)
  -D                    list capture interfaces
  -p                    no promiscuous mode
  -Z USER               drop privileges to USER once the capture is open
  --duration S          stop a live capture or proxy after S seconds

proxy:
  --rechunk [c2s=|s2c=]MODE  re-chunk forwarded data: 1 | fixed:N | random:A-B |
                        coalesce:MS[:BYTES] | adversarial (uses --framing)
  --seed N              seed for random re-chunking (printed when not given)
  --delay MS            pause between re-chunked writes
  --proxy-buffer SIZE   largest read and most bytes held per connection direction; a slow
                        reader stops the other side there (default 1M, 1K..64M)
  --busy-poll US        keep polling for US microseconds (0..10000) after each event before
                        the event loop sleeps: lower latency on virtual machines, at the
                        cost of CPU while traffic flows (default 50 with --proxy, else 0)
  --serve               run sniff's command server as the proxy's target

analysis:
  --framing SPEC        framing for every flow, or PORT=SPEC for one server port (repeatable);
                        see --list-framings
  --udp-bufsize N       flag UDP datagrams a recvfrom(N) would cut
  --export-lua FILE     write a Wireshark Lua dissector for --framing PORT=SPEC
  --max-buffer SIZE     out-of-order bytes held per flow (default 8M)
  --max-buffer-total SIZE  out-of-order bytes held in all (default 256M)
  --idle-timeout SEC    close flows idle this long (capture time; default 600)

output:
  --summary             one line per flow and totals (the default without a terminal)
  --json                JSON Lines: flow, segment, gap, anomaly, message, end
  --write-streams DIR   one file per flow direction with its reassembled bytes + index.json
  -w FILE               write packets as pcap: the live capture's with -i, else the proxy's
  --pcapng              with -w on a live capture: write pcapng
  -C MB                 with -w on a live capture: rotate files every MB megabytes
  --proxy-pcap FILE     write the proxy's recv() chunks as pcap (needed with -i and --proxy)
  --no-tui              text output even on a terminal
  -q                    no progress on standard error

  -h, --help            this text
  -V, --version         version
  --list-framings       framing presets and their expansion

exit status: 0 success, 1 runtime error (bad file, ...), 2 usage error
)";
}

} // namespace sniff::app
