#include "sources/capture_source.hpp"

#include "capture/link_type_name.hpp"
#include "sources/asio.hpp"
#include "util/plural.hpp"

// GCC's optimiser reports "potential null pointer dereference" inside Asio's scheduler once
// inlined here; the paths it imagines are unreachable (Asio's own invariants).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <boost/asio/posix/stream_descriptor.hpp>
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

namespace sniff::sources {

namespace asio = boost::asio;

namespace {

// Packets taken per pcap_dispatch call, and calls per wake-up before the loop gets a turn:
// a flood must not starve the proxy or the inspector sharing the loop.
constexpr int k_batch = 256;
constexpr int k_batches_per_wakeup = 16;

} // namespace

// The reading: capture → (save) → pipeline, on an io_context shared with whatever else runs
// there. Stopping is the run's business (signals, --duration, q): this only says when it ended
// by itself.
class LiveSession {
public:
    LiveSession(asio::io_context& io, const pipeline::Options& options,
                capture::LiveCapture& capture, pipeline::PacketPipeline& pipeline,
                capture::RotatingWriter* writer, bool status_line)
        : m_options(options), m_capture(capture), m_pipeline(pipeline), m_writer(writer),
          m_descriptor(io, capture.selectable_fd()), m_tick(io), m_status_line(status_line) {}
    ~LiveSession() {
        // The descriptor belongs to libpcap, which closes it in pcap_close.
        (void)m_descriptor.release();
    }
    LiveSession(const LiveSession&) = delete;
    LiveSession& operator=(const LiveSession&) = delete;

    void start(std::function<void()> on_end, std::function<void(const std::string&)> warn) {
        m_on_end = std::move(on_end);
        m_warn = std::move(warn);
        schedule_tick();
        wait_readable();
    }

    void stop() {
        if (m_stopping)
            return;
        m_stopping = true;
        m_tick.cancel();
        m_descriptor.cancel();
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
        if (m_failed || count_reached()) {
            stop();
            if (m_on_end)
                m_on_end();
        } else {
            wait_readable(); // readable again at once when packets are left in the ring
        }
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
            // Ended flows close and idle ones expire on a quiet interface too.
            m_pipeline.tick(1'000'000'000);
            // -w: what was captured reaches the file within a second, so a kill -9 loses
            // at most that much.
            if (m_writer != nullptr && !m_writer_failed)
                m_writer->flush();
            schedule_tick();
        });
    }

    // A terminal gets a status line every second; otherwise only new drops are reported, so a
    // log shows when the capture started to be incomplete.
    void show_status() {
        const auto stats = m_capture.stats();
        const std::uint64_t dropped = stats ? stats->dropped_kernel + stats->dropped_interface : 0;
        if (m_status_line)
            std::fprintf(stderr, "\r\033[Ksniff: %s, %s, %" PRIu64 " dropped",
                         util::counted(m_packets, "packet").c_str(),
                         util::counted(m_pipeline.reassembler().flows_seen(), "flow").c_str(),
                         dropped);
        else if (dropped > m_dropped_reported)
            m_warn(util::counted(dropped, "packet") + " dropped so far");
        m_dropped_reported = dropped;
    }

    const pipeline::Options& m_options;
    capture::LiveCapture& m_capture;
    pipeline::PacketPipeline& m_pipeline;
    capture::RotatingWriter* m_writer;
    asio::posix::stream_descriptor m_descriptor;
    asio::steady_timer m_tick;
    bool m_status_line;
    std::function<void()> m_on_end;
    std::function<void(const std::string&)> m_warn;
    std::uint64_t m_packets = 0;
    std::uint64_t m_dropped_reported = 0;
    bool m_stopping = false;
    bool m_failed = false;
    bool m_writer_failed = false;
};

namespace {

int report_open_error(const pipeline::Options& options, const capture::LiveError& error) {
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

// tcpdump's closing lines, on standard error so they never mix with the outputs.
void print_capture_stats(std::uint64_t packets, const std::optional<capture::LiveStats>& stats) {
    std::fprintf(stderr, "sniff: %s captured\n", util::counted(packets, "packet").c_str());
    if (!stats) {
        std::fputs("sniff: warning: libpcap gave no drop counts; the capture may be incomplete\n",
                   stderr);
        return;
    }
    std::fprintf(stderr, "sniff: %s received by filter\n",
                 util::counted(stats->received, "packet").c_str());
    std::fprintf(stderr, "sniff: %s dropped by the kernel\n",
                 util::counted(stats->dropped_kernel, "packet").c_str());
    if (stats->dropped_interface > 0)
        std::fprintf(stderr, "sniff: %s dropped by the interface\n",
                     util::counted(stats->dropped_interface, "packet").c_str());
    if (stats->dropped_kernel + stats->dropped_interface > 0)
        std::fputs("sniff: warning: the capture is incomplete; streams may show gaps\n", stderr);
}

} // namespace

CaptureSource::CaptureSource(const pipeline::Options& options) : m_options(options) {}
CaptureSource::~CaptureSource() = default;

int CaptureSource::open(const SourceSetup&) {
    capture::LiveOptions live;
    live.interface_name = m_options.interface_name;
    live.snap_length = m_options.snap_length;
    if (m_options.buffer_kib) // k_buffer_kib keeps it within an int of bytes
        live.buffer_bytes = static_cast<int>(*m_options.buffer_kib * 1024);
    live.promiscuous = !m_options.no_promiscuous;
    live.filter = m_options.filter;
    capture::LiveError open_error;
    m_capture = capture::LiveCapture::open(live, open_error);
    if (!m_capture)
        return report_open_error(m_options, open_error);
    if (!m_capture->warning().empty())
        std::fprintf(stderr, "sniff: warning: %s: %s\n", m_options.interface_name.c_str(),
                     m_capture->warning().c_str());
    return 0;
}

int CaptureSource::open_files() {
    if (m_options.write_file.empty())
        return 0;
    capture::RotatingWriterOptions save;
    save.path = m_options.write_file;
    save.pcapng = m_options.pcapng;
    save.link_type = m_capture->link_type();
    save.snap_length = m_capture->snap_length();
    save.nanosecond = m_capture->nanosecond();
    save.rotate_bytes = m_options.rotate_megabytes.value_or(0) * 1'000'000;
    if (!m_writer.open(save)) {
        std::fprintf(stderr, "sniff: %s\n", m_writer.error().c_str());
        return 1;
    }
    m_saving = true;
    return 0;
}

void CaptureSource::announce() const {
    std::fprintf(stderr, "sniff: listening on %s, link-type %s, snapshot length %u bytes\n",
                 m_options.interface_name.c_str(),
                 capture::link_type_name(m_capture->link_type()).c_str(), m_capture->snap_length());
    std::fflush(stderr);
}

void CaptureSource::start(SourceContext& context) {
    m_pipeline = std::make_unique<pipeline::PacketPipeline>(pipeline::reassembly_config(m_options),
                                                            context.sink);
    m_session = std::make_unique<LiveSession>(context.io, m_options, *m_capture, *m_pipeline,
                                              m_saving ? &m_writer : nullptr, context.status_line);
    m_session->start(context.ended, [event = context.event](const std::string& text) {
        event("warning: " + text, true);
    });
}

void CaptureSource::stop() {
    if (m_session)
        m_session->stop();
}

bool CaptureSource::finish() {
    bool ok = true;
    if (m_session) {
        m_session->drain();
        ok = !m_session->failed();
    }
    if (m_pipeline)
        m_pipeline->finish();
    if (m_saving && !m_writer.close()) {
        std::fprintf(stderr, "sniff: %s\n", m_writer.error().c_str());
        ok = false;
    }
    m_final_stats = m_capture->stats(); // once: the summary and the end object agree
    return ok;
}

void CaptureSource::add_end_fields(nlohmann::json& end) const {
    const auto counts = m_pipeline ? m_pipeline->counts() : pipeline::PipelineCounts{};
    end["interface"] = m_options.interface_name;
    end["frames"] = counts.frames;
    end["decoded"] = counts.decoded;
    end["not_transport"] = counts.not_transport;
    end["truncated"] = counts.truncated;
    end["malformed"] = counts.malformed;
    if (m_final_stats) {
        end["received_by_filter"] = m_final_stats->received;
        end["dropped_kernel"] = m_final_stats->dropped_kernel;
        end["dropped_interface"] = m_final_stats->dropped_interface;
    }
}

void CaptureSource::print_summary() const {
    if (m_pipeline)
        pipeline::print_pipeline_warnings(m_pipeline->counts());
    print_capture_stats(m_session ? m_session->packets() : 0, m_final_stats);
}

} // namespace sniff::sources
