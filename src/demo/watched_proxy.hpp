#pragma once
// A proxy with its own event-loop thread, in front of one local port, whose traffic goes through
// the dissector engine into a text report: what `sniff demo` puts between each experiment's
// client and server so that sniff's view can be shown beside what the application read.

#include "dissectors/engine.hpp"
#include "model/endpoint.hpp"

#include <memory>
#include <string>

namespace sniff::demo {

struct WatchOptions {
    model::Protocol protocol = model::Protocol::tcp;
    std::string framing = "raw";   // a spec for every flow through this proxy
    std::uint64_t udp_bufsize = 0; // flag datagrams a recvfrom(N) would cut
};

class WatchedProxy {
public:
    WatchedProxy();
    ~WatchedProxy();
    WatchedProxy(const WatchedProxy&) = delete;
    WatchedProxy& operator=(const WatchedProxy&) = delete;

    // Listens on a free loopback port in front of 127.0.0.1:target_port; false and error when it
    // cannot.
    bool start(std::uint16_t target_port, const WatchOptions& options, std::string& error);
    std::uint16_t port() const;
    // Stops the proxy, waits for its flows to close and returns sniff's report of them.
    std::string finish();

    struct Impl;

private:
    std::unique_ptr<Impl> m_impl;
};

} // namespace sniff::demo
