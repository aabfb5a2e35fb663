#pragma once
// Generates a large capture shaped like redis-benchmark on loopback (`-d 64`, set/get/lpush/
// lrange_100, one request in flight per connection), optionally with frames dropped and locally
// reordered (LossyWriter), and, when asked, the streams a correct reader must find in it: each
// direction's captured bytes and the gaps where dropped segments were.

#include "gencap/cases.hpp"
#include "gencap/lossy_writer.hpp"

#include <cstdint>
#include <string>

namespace sniff::gencap {

struct TrafficOptions {
    std::uint32_t connections = 100;
    std::uint64_t packets = 1'000'000; // frames to generate (before drops), handshakes included
    std::uint32_t value_size = 64;     // redis-benchmark -d
    LossOptions loss;
    bool expect_streams = false; // fill GeneratedCase::streams (keeps every byte in memory)
};

struct TrafficCapture {
    GeneratedCase expected; // streams only with expect_streams
    LossCounts counts;
    std::uint64_t stream_bytes = 0; // payload bytes generated (dropped ones included)
};

// Writes the capture to file (pcap, Ethernet, microseconds); throws std::runtime_error on failure.
TrafficCapture generate_traffic(const std::string& file, const TrafficOptions& options);

} // namespace sniff::gencap
