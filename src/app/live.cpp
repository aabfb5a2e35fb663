#include "app/live.hpp"

#include "app/output_set.hpp"
#include "app/packet_pipeline.hpp"
#include "app/tui_proxy.hpp"
#include "capture/interfaces.hpp"
#include "capture/live_capture.hpp"
#include "capture/rotating_writer.hpp"

// GCC's optimiser reports "potential null pointer dereference" inside Asio's scheduler once
// inlined here; the paths it imagines are unreachable (Asio's own invariants).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#pragma GCC diagnostic pop
#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <grp.h>
#include <nlohmann/json.hpp>
#include <pwd.h>
#include <unistd.h>

namespace sniff::app {

namespace asio = boost::asio;

namespace {

// Packets taken per pcap_dispatch call, and calls per wake-up before the loop gets a turn:
// a flood must not starve the proxy or the TUI sharing the loop.
constexpr int k_batch = 256;
constexpr int k_batches_per_wakeup = 16;

// The run: capture → (save) → pipeline, on an io_context shared with whatever else runs there.
class LiveSession {
public:
    LiveSession(asio::io_context& io, const Options& options, capture::LiveCapture& capture,
                PacketPipeline& pipeline, capture::RotatingWriter* writer)
        : m_options(options), m_capture(capture), m_pipeline(pipeline), m_writer(writer),
          m_descriptor(io, capture.selectable_fd()), m_duration(io), m_tick(io),
          m_signals(io, SIGINT, SIGTERM),
          m_status_line(!options.quiet && isatty(STDERR_FILENO) != 0) {}
    ~LiveSession() {
        // The descriptor belongs to libpcap, which closes it in pcap_close.
        (void)m_descriptor.release();
    }
    LiveSession(const LiveSession&) = delete;
    LiveSession& operator=(const LiveSession&) = delete;

    // The same clean end as Ctrl-C (the inspector's q).
    void request_stop() { stop(); }

    void start() {
        m_signals.async_wait([this](boost::system::error_code code, int) {
            if (!code)
                stop();
        });
        if (m_options.duration) {
            m_duration.expires_after(
                std::chrono::milliseconds(static_cast<std::int64_t>(*m_options.duration * 1000)));
            m_duration.async_wait([this](boost::system::error_code code) {
                if (!code)
                    stop();
            });
        }
        schedule_tick();
        wait_readable();
    }

    // After the loop ends: takes what is still waiting in the kernel (a stop must not lose the
    // packets that arrived just before it), unless -c is already satisfied.
    void drain() {
        while (!m_failed && !count_reached() && read_batch() > 0) {
        }
        if (m_status_line)
            std::fputs("\r\033[K", stderr);
    }

    std::uint64_t packets() const { return m_packets; }
    bool failed() const { return m_failed; }

private:
    bool count_reached() const { return m_options.count && m_packets >= *m_options.count; }

    void wait_readable() {
        m_descriptor.async_wait(asio::posix::stream_descriptor::wait_read,
                                [this](boost::system::error_code code) {
                                    if (!code && !m_stopping)
                                        on_readable();
                                });
    }

    void on_readable() {
        for (int i = 0; i < k_batches_per_wakeup; ++i)
            if (read_batch() < k_batch || m_failed || count_reached())
                break;
        if (m_failed || count_reached())
            stop();
        else
            wait_readable(); // readable again at once when packets are left in the ring
    }

    // One pcap_dispatch; returns the packets taken (0 on error, m_failed then set).
    int read_batch() {
        int limit = k_batch;
        if (m_options.count)
            limit = static_cast<int>(std::min<std::uint64_t>(limit, *m_options.count - m_packets));
        const int got = m_capture.dispatch(limit, [this](const capture::RawPacket& packet) {
            ++m_packets;
            if (m_writer != nullptr && !m_writer_failed &&
                !m_writer->write(packet.time, packet.data, packet.original_length)) {
                std::fprintf(stderr, "sniff: %s\n", m_writer->error().c_str());
                m_writer_failed = true;
            }
            m_pipeline.add(packet);
        });
        if (got < 0) {
            std::fprintf(stderr, "sniff: capture failed: %s\n", m_capture.error().c_str());
            m_failed = true;
            return 0;
        }
        return got;
    }

    void schedule_tick() {
        m_tick.expires_after(std::chrono::seconds(1));
        m_tick.async_wait([this](boost::system::error_code code) {
            // A tick that expired together with the stop is already queued: cancel() cannot
            // turn it into an error, and re-arming it would keep the loop alive for ever.
            if (code || m_stopping)
                return;
            show_status();
            schedule_tick();
        });
    }

    // A terminal gets a status line every second; otherwise only new drops are reported, so a
    // log shows when the capture started to be incomplete.
    void show_status() {
        const auto stats = m_capture.stats();
        const std::uint64_t dropped = stats ? stats->dropped_kernel + stats->dropped_interface : 0;
        if (m_status_line)
            std::fprintf(stderr,
                         "\r\033[Ksniff: %" PRIu64 " packets, %" PRIu64 " flows, %" PRIu64
                         " dropped",
                         m_packets, m_pipeline.reassembler().flows_seen(), dropped);
        else if (dropped > m_dropped_reported)
            std::fprintf(stderr, "sniff: warning: %" PRIu64 " packets dropped so far\n", dropped);
        m_dropped_reported = dropped;
    }

    void stop() {
        if (m_stopping)
            return;
        m_stopping = true;
        m_signals.cancel();
        boost::system::error_code ignored;
        m_signals.clear(ignored); // a second Ctrl-C during the summary ends sniff at once
        m_duration.cancel();
        m_tick.cancel();
        m_descriptor.cancel();
    }

    const Options& m_options;
    capture::LiveCapture& m_capture;
    PacketPipeline& m_pipeline;
    capture::RotatingWriter* m_writer;
    asio::posix::stream_descriptor m_descriptor;
    asio::steady_timer m_duration;
    asio::steady_timer m_tick;
    asio::signal_set m_signals;
    bool m_status_line;
    std::uint64_t m_packets = 0;
    std::uint64_t m_dropped_reported = 0;
    bool m_stopping = false;
    bool m_failed = false;
    bool m_writer_failed = false;
};

// -Z USER, as tcpdump: the capture is open, so root is no longer needed. Groups first (they
// need root), then the group id, then the user id; any failure stops the run.
bool drop_privileges(const struct passwd& user, std::string& error) {
    if (initgroups(user.pw_name, user.pw_gid) != 0 || setgid(user.pw_gid) != 0 ||
        setuid(user.pw_uid) != 0) {
        error = std::string("cannot change to user ") + user.pw_name + ": " + std::strerror(errno);
        return false;
    }
    return true;
}

int report_open_error(const Options& options, const capture::LiveError& error) {
    switch (error.kind) {
    case capture::LiveErrorKind::bad_filter:
        std::fprintf(stderr, "sniff: bad filter '%s': %s\n", options.filter.c_str(),
                     error.message.c_str());
        return 2;
    case capture::LiveErrorKind::permission:
        std::fprintf(stderr,
                     "sniff: %s: %s\n"
                     "sniff: capturing packets needs privilege: run sniff as root, or give the "
                     "binary the capabilities once with\n"
                     "    sudo setcap cap_net_raw,cap_net_admin=eip $(command -v sniff)\n",
                     options.interface_name.c_str(), error.message.c_str());
        return 1;
    case capture::LiveErrorKind::no_such_device:
        std::fprintf(stderr, "sniff: %s: %s (sniff -D lists the interfaces)\n",
                     options.interface_name.c_str(), error.message.c_str());
        return 1;
    case capture::LiveErrorKind::other:
        break;
    }
    std::fprintf(stderr, "sniff: %s: %s\n", options.interface_name.c_str(), error.message.c_str());
    return 1;
}

nlohmann::json end_object(const PipelineCounts& counts,
                          const std::optional<capture::LiveStats>& stats, const Options& options) {
    nlohmann::json end{
        {"interface", options.interface_name}, {"frames", counts.frames},
        {"decoded", counts.decoded},           {"not_transport", counts.not_transport},
        {"truncated", counts.truncated},       {"malformed", counts.malformed}};
    if (stats) {
        end["received_by_filter"] = stats->received;
        end["dropped_kernel"] = stats->dropped_kernel;
        end["dropped_interface"] = stats->dropped_interface;
    }
    return end;
}

// tcpdump's closing lines, on standard error so they never mix with the outputs.
void print_capture_stats(std::uint64_t packets, const std::optional<capture::LiveStats>& stats) {
    std::fprintf(stderr, "sniff: %" PRIu64 " packets captured\n", packets);
    if (!stats) {
        std::fputs("sniff: warning: libpcap gave no drop counts; the capture may be incomplete\n",
                   stderr);
        return;
    }
    std::fprintf(stderr, "sniff: %" PRIu64 " packets received by filter\n", stats->received);
    std::fprintf(stderr, "sniff: %" PRIu64 " packets dropped by the kernel\n",
                 stats->dropped_kernel);
    if (stats->dropped_interface > 0)
        std::fprintf(stderr, "sniff: %" PRIu64 " packets dropped by the interface\n",
                     stats->dropped_interface);
    if (stats->dropped_kernel + stats->dropped_interface > 0)
        std::fputs("sniff: warning: the capture is incomplete; streams may show gaps\n", stderr);
}

} // namespace

int analyze_live(const Options& options) {
    const struct passwd* user = nullptr;
    if (!options.drop_user.empty()) {
        user = getpwnam(options.drop_user.c_str());
        if (user == nullptr) {
            std::fprintf(stderr, "sniff: -Z: unknown user '%s'\n", options.drop_user.c_str());
            return 1;
        }
    }
    OutputSet outputs;
    if (auto failure = outputs.build(options)) {
        std::fprintf(stderr, "sniff: %s\n", failure->message.c_str());
        return failure->exit_code;
    }

    capture::LiveOptions live;
    live.interface_name = options.interface_name;
    live.snap_length = options.snap_length;
    live.promiscuous = !options.no_promiscuous;
    live.filter = options.filter;
    capture::LiveError open_error;
    auto capture = capture::LiveCapture::open(live, open_error);
    if (!capture)
        return report_open_error(options, open_error);
    if (!capture->warning().empty())
        std::fprintf(stderr, "sniff: warning: %s: %s\n", options.interface_name.c_str(),
                     capture->warning().c_str());
    if (user != nullptr) {
        std::string error;
        if (!drop_privileges(*user, error)) {
            std::fprintf(stderr, "sniff: -Z: %s\n", error.c_str());
            return 1;
        }
    }

    // Opened after -Z, as tcpdump does: the files belong to the user the capture runs as.
    capture::RotatingWriter writer;
    const bool saving = !options.write_file.empty();
    if (saving) {
        capture::RotatingWriterOptions save;
        save.path = options.write_file;
        save.pcapng = options.pcapng;
        save.link_type = capture->link_type();
        save.snap_length = capture->snap_length();
        save.nanosecond = capture->nanosecond();
        save.rotate_bytes = options.rotate_megabytes.value_or(0) * 1'000'000;
        if (!writer.open(save)) {
            std::fprintf(stderr, "sniff: %s\n", writer.error().c_str());
            return 1;
        }
    }

    // On a terminal the inspector shows the capture live (on this loop), instead of the text views.
    auto tui = make_proxy_tui(options);
    Options session_options = options;
    session_options.quiet = session_options.quiet || tui != nullptr; // no status line under it
    PacketPipeline pipeline(reassembly_config(options), tui ? tui->sink() : outputs.sink());
    std::fprintf(stderr, "sniff: listening on %s, link-type %s, snapshot length %u bytes\n",
                 options.interface_name.c_str(), link_type_name(capture->link_type()).c_str(),
                 capture->snap_length());
    std::fflush(stderr);

    asio::io_context io;
    LiveSession session(io, session_options, *capture, pipeline, saving ? &writer : nullptr);
    session.start();
    if (tui) {
        std::string error;
        if (!tui->start(
                io, "live " + options.interface_name, [&session] { session.request_stop(); },
                error)) {
            std::fprintf(stderr, "sniff: %s\n", error.c_str());
            return 1;
        }
    }
    io.run();
    session.drain();
    if (tui)
        tui->finish(); // restores the terminal before anything below is printed

    pipeline.finish();
    int status = session.failed() ? 1 : 0;
    if (saving && !writer.close()) {
        std::fprintf(stderr, "sniff: %s\n", writer.error().c_str());
        status = 1;
    }
    const auto stats = capture->stats();
    std::string error;
    if (!tui && !outputs.finish("interface " + options.interface_name,
                                end_object(pipeline.counts(), stats, options), error)) {
        std::fprintf(stderr, "sniff: %s\n", error.c_str());
        status = 1;
    }
    print_pipeline_warnings(pipeline.counts());
    print_capture_stats(session.packets(), stats);
    return status;
}

int list_interfaces() {
    std::string error;
    const auto interfaces = capture::find_interfaces(error);
    if (!interfaces) {
        std::fprintf(stderr, "sniff: cannot list interfaces: %s\n", error.c_str());
        return 1;
    }
    if (interfaces->empty())
        std::fputs("sniff: no interfaces found (capturing may need root or CAP_NET_RAW)\n", stderr);
    int number = 0;
    for (const auto& info : *interfaces) {
        std::printf("%d. %s", ++number, info.name.c_str());
        if (!info.description.empty())
            std::printf(" (%s)", info.description.c_str());
        std::printf(" [%s]\n", capture::interface_flags_text(info).c_str());
        for (const auto& address : info.addresses) {
            std::printf("    %s %s", address.family.c_str(), address.address.c_str());
            if (!address.netmask.empty())
                std::printf(" netmask %s", address.netmask.c_str());
            std::putchar('\n');
        }
    }
    return 0;
}

} // namespace sniff::app
