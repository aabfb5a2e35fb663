#pragma once
// sniff -i IFACE: the interface opened with its filter, the -w writer, the packet pipeline into
// the run's sink, and the reading of the capture on the run's event loop (non-blocking pcap
// descriptor, immediate mode), next to the proxy and the inspector. As tcpdump: open() needs
// privilege, the run then drops it (-Z), then open_files() (the files belong to that user).

#include "capture/live_capture.hpp"
#include "capture/rotating_writer.hpp"
#include "pipeline/options.hpp"
#include "pipeline/packet_pipeline.hpp"
#include "sources/source.hpp"

#include <functional>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>

namespace sniff::sources {

class LiveSession;

class CaptureSource final : public Source {
public:
    explicit CaptureSource(const pipeline::Options& options);
    ~CaptureSource() override;
    CaptureSource(const CaptureSource&) = delete;
    CaptureSource& operator=(const CaptureSource&) = delete;

    model::FlowOrigin origin() const override { return model::FlowOrigin::capture; }
    std::string label() const override { return "interface " + m_options.interface_name; }
    std::string title() const override { return "live " + m_options.interface_name; }
    // Opens the interface with the filter; on failure prints why (and how to get privilege) and
    // returns the exit code: 2 for a bad filter, else 1. 0 on success.
    int open(const SourceSetup& setup) override;
    // Opens -w (when given). Returns 0, or 1 after printing the error.
    int open_files() override;
    // The "listening on" line tests and users wait for.
    void announce() const override;
    // Reads the capture on the context's loop (a one-second status line on a terminal; new
    // kernel drops as warnings otherwise); ended() when -c is reached or the capture fails.
    void start(SourceContext& context) override;
    // Stops reading (Ctrl-C, --duration, q, the end of another source). Idempotent.
    void stop() override;
    // After the loop: takes what is still in the kernel's ring, closes the pipeline's flows and
    // the -w files. Returns false when the capture or a file failed (already reported).
    bool finish() override;

    // Fields of the JSON end object: frames, decoded, ..., the kernel's counts.
    void add_end_fields(nlohmann::json& end) const override;
    // The closing lines on standard error: undecodable frames, packets, drops (tcpdump's).
    void print_summary() const override;

private:
    const pipeline::Options& m_options;
    std::unique_ptr<capture::LiveCapture> m_capture;
    capture::RotatingWriter m_writer;
    bool m_saving = false;
    std::unique_ptr<pipeline::PacketPipeline> m_pipeline;
    std::unique_ptr<LiveSession> m_session;
    std::optional<capture::LiveStats> m_final_stats;
};

} // namespace sniff::sources
