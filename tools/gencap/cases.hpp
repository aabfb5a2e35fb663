#pragma once
// The capture generator: writes each reassembly edge case as a pcap or pcapng file and returns
// what a correct reader must find in it. Tests compare sniff (and tshark) against these
// expectations; the files are generated at test time, never committed.

#include "model/endpoint.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace sniff::gencap {

struct ExpectedGap {
    std::uint64_t offset = 0;
    std::uint64_t length = 0;
};

// One flow direction as a correct reassembler delivers it.
struct ExpectedStream {
    std::string protocol = "tcp";
    model::Endpoint source;
    model::Endpoint destination;
    std::string bytes;             // delivered bytes in order, gaps left out (never zero-filled)
    std::vector<ExpectedGap> gaps; // where bytes are missing, in stream offsets
    std::uint32_t reuse = 0;       // N for the Nth reuse of a 4-tuple
    // tshark 4.0's follow,tcp,raw gets this direction wrong; why (empty when it agrees).
    std::string tshark_differs;
};

struct GeneratedCase {
    std::string name;
    std::string description;
    std::string file;                    // path written
    std::vector<ExpectedStream> streams; // every non-empty direction, in any order
    std::vector<std::string> anomalies;  // anomaly kind names that must be reported (at least once)
    std::uint64_t flows = 0;             // flows the capture holds
};

// Names of every case, in a stable order.
std::vector<std::string> case_names();

// Writes the named case into directory and returns its expectation; throws std::runtime_error
// for an unknown name or a write failure.
GeneratedCase generate_case(const std::string& name, const std::string& directory);

} // namespace sniff::gencap
