#pragma once
// The live capture of a run (sniff -i): the interface opened with its filter, the -w writer, the
// packet pipeline into the run's sink, and the reading of the capture on the run's event loop
// (non-blocking pcap descriptor, immediate mode), next to the proxy and the inspector.
//
// Order, as tcpdump: open() (needs privilege), then the caller drops privileges (-Z), then
// open_save_file() (the files belong to the user the capture runs as), start(), io.run(),
// finish() after the loop, then the summary.

#include "app/options.hpp"
#include "app/packet_pipeline.hpp"
#include "capture/live_capture.hpp"
#include "capture/rotating_writer.hpp"

#include <functional>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>

namespace boost::asio {
class io_context;
}

namespace sniff::app {

class LiveSession;

class LiveSource {
public:
    explicit LiveSource(const Options& options);
    ~LiveSource();
    LiveSource(const LiveSource&) = delete;
    LiveSource& operator=(const LiveSource&) = delete;

    // Opens the interface with the filter; on failure prints why (and how to get privilege) and
    // returns the exit code: 2 for a bad filter, else 1. 0 on success.
    int open();
    // Opens -w (when given). Returns 0, or 1 after printing the error.
    int open_save_file();
    // The "listening on" line tests and users wait for.
    void announce() const;

    // Reads the capture on io into sink. status_line: the one-second status on a terminal
    // (off under the inspector). on_end runs on the loop when the capture ends by itself (-c
    // reached, a capture error), so the run can stop its other sources too.
    void start(boost::asio::io_context& io, reassembly::StreamSink& sink, bool status_line,
               std::function<void()> on_end);
    // Where a warning during the run goes (new kernel drops), instead of standard error: the
    // inspector's status line, which owns the screen. Call before start().
    void set_warning_handler(std::function<void(const std::string&)> warn);
    // Stops reading (Ctrl-C, --duration, q, the end of another source). Idempotent.
    void stop();
    // After the loop: takes what is still in the kernel's ring, closes the pipeline's flows and
    // the -w files. Returns false when the capture or a file failed (already reported).
    bool finish();

    // Fields of the JSON end object: frames, decoded, ..., the kernel's counts.
    nlohmann::json end_fields() const;
    // The closing lines on standard error: undecodable frames, packets, drops (tcpdump's).
    void print_summary() const;

private:
    const Options& m_options;
    std::unique_ptr<capture::LiveCapture> m_capture;
    capture::RotatingWriter m_writer;
    bool m_saving = false;
    std::unique_ptr<PacketPipeline> m_pipeline;
    std::unique_ptr<LiveSession> m_session;
    std::function<void(const std::string&)> m_warn;
    std::optional<capture::LiveStats> m_final_stats;
};

// -Z USER, as tcpdump: once the capture (and the proxy's listeners) are open root is no longer
// needed. Returns false and error when the user is unknown or a change failed.
bool drop_privileges(const std::string& user_name, std::string& error);

} // namespace sniff::app
