#pragma once
// sniff --proxy SPEC: the specs and re-chunking from the command line, the optional command server
// behind it (--serve), its recording as a pcap, and the proxy itself on the run's event loop,
// next to a live capture and the inspector. Every recv() of the proxy is one chunk of its flow.

#include "pipeline/options.hpp"
#include "proxy/pcap_recorder.hpp"
#include "proxy/proxy.hpp"
#include "sources/source.hpp"

#include <functional>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>

namespace boost::asio {
class io_context;
}

namespace sniff::commands {
class Server;
}

namespace sniff::sources {

class ProxySource final : public Source {
public:
    explicit ProxySource(const pipeline::Options& options);
    ~ProxySource() override;
    ProxySource(const ProxySource&) = delete;
    ProxySource& operator=(const ProxySource&) = delete;

    model::FlowOrigin origin() const override { return model::FlowOrigin::proxy; }
    std::string label() const override { return "proxy"; }
    // "proxy 9000:127.0.0.1:8080" for the inspector's title.
    std::string title() const override;
    // Starts the --serve target and binds every listener (may need privilege), on the loop that
    // start() will get. Returns 0, 1 after printing why it could not, 2 for a bad spec.
    int open(const SourceSetup& setup) override;
    // Opens the recording (-w, or --proxy-pcap beside a live capture). 0, or 1 after the error.
    int open_files() override;
    // The chunks go to the context's sink, the proxy's events (refusals, limits) to its event().
    void start(SourceContext& context) override;
    // Closes listeners and connections; the sessions then close their flows on the loop.
    void stop() override;
    bool draining() const override;
    // Closes the recording. False when it failed (already reported).
    bool finish() override;
    void add_end_fields(nlohmann::json& end) const override;
    // The proxy's line of the summary on standard error.
    void print_summary() const override;

private:
    const pipeline::Options& m_options_given;
    // Parses --proxy, --rechunk, --seed, --delay; a usage error text or empty.
    std::string configure(const dissect::FramingSelector& framings);
    void report(const proxy::ProxyEvent& event) const;

    SourceContext* m_context = nullptr; // set by start(): where events go
    std::vector<proxy::ProxySpec> m_specs;
    proxy::ProxyOptions m_options;
    // The recording, then the run's sink (known only at start(): the proxy binds at open()).
    reassembly::SinkFanout m_sinks;
    std::unique_ptr<commands::Server> m_target;
    std::unique_ptr<proxy::Proxy> m_proxy;
    capture::PcapWriter m_pcap;
    std::unique_ptr<proxy::PcapRecorder> m_recorder;
    std::string m_recording_path;
};

} // namespace sniff::sources
