#pragma once
// The proxy of a run (sniff --proxy): its specs and re-chunking from the command line, the
// optional command server behind it (--serve), its recording as a pcap, and the proxy itself on
// the run's event loop, next to a live capture and the inspector.
//
// Order: configure(), set_event_handler() if the events go elsewhere than standard error,
// start() (binds: may need privilege), then the caller drops privileges (-Z), then
// open_recording(), io.run(), stop() + wait until active() is 0, finish().

#include "app/options.hpp"
#include "proxy/pcap_recorder.hpp"
#include "proxy/proxy.hpp"

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

namespace sniff::app {

class ProxySource {
public:
    ProxySource();
    ~ProxySource();
    ProxySource(const ProxySource&) = delete;
    ProxySource& operator=(const ProxySource&) = delete;

    // Parses --proxy, --rechunk, --seed, --delay. Prints a usage error and returns 2 on a bad
    // spec; 0 otherwise.
    int configure(const Options& options);
    // Where the proxy's events go (default: print_proxy_event). Call before start().
    void set_event_handler(std::function<void(const proxy::ProxyEvent&)> handler);
    // Starts the --serve target, binds every listener on io and says where it listens; the
    // chunks go to sink. Returns 0, or 1 after printing why it could not.
    int start(boost::asio::io_context& io, reassembly::StreamSink& sink, const Options& options);
    // Opens path as a pcap and records every proxied flow into it. Returns 0, or 1 after
    // printing the error.
    int open_recording(const std::string& path);
    // Closes listeners and connections; the sessions then close their flows on the loop.
    void stop();
    // Connections still open (the run waits for 0 before it stops the loop).
    std::uint64_t active() const;
    // Closes the recording. False when it failed (already reported).
    bool finish();

    // The proxy's line of the summary on standard error.
    void print_summary() const;
    // The proxy's counters for the JSON end object.
    nlohmann::json end_fields() const;
    // "9000:127.0.0.1:8080" for the inspector's title.
    std::string label() const;

private:
    std::vector<proxy::ProxySpec> m_specs;
    std::vector<std::string> m_spec_texts;
    proxy::ProxyOptions m_options;
    reassembly::SinkFanout m_sinks; // the run's sink, then the recording
    std::unique_ptr<commands::Server> m_target;
    std::unique_ptr<proxy::Proxy> m_proxy;
    capture::PcapWriter m_pcap;
    std::unique_ptr<proxy::PcapRecorder> m_recorder;
    std::string m_recording_path;
};

// A proxy event as one line on standard error.
void print_proxy_event(const proxy::ProxyEvent& event);

} // namespace sniff::app
