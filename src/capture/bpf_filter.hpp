#pragma once
// A capture filter in tcpdump syntax ("tcp port 80"), compiled by libpcap and run on RawPackets.
// One file can hold packets of several link types (pcapng interfaces), and a BPF program is
// specific to one link type, so a program is compiled per link type on first use and cached.
// <pcap.h> stays in the .cpp: callers see only this interface.

#include "capture/raw_packet.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace sniff::capture {

class BpfFilter {
public:
    // Compiles expression for link_type (a LINKTYPE_* value, e.g. the file's first one) to check
    // it; returns null and sets error to libpcap's message when it does not compile.
    // snap_length 0 means the usual 262144.
    static std::unique_ptr<BpfFilter> compile(const std::string& expression,
                                              std::uint32_t link_type, std::uint32_t snap_length,
                                              std::string& error);
    ~BpfFilter();
    BpfFilter(const BpfFilter&) = delete;
    BpfFilter& operator=(const BpfFilter&) = delete;

    // True when the packet passes the filter. A packet of a link type the expression cannot be
    // compiled for (e.g. "ether host ..." on raw IP) never matches; link_type_errors() says why.
    // Not thread-safe: the per-link-type cache is filled here.
    bool matches(const RawPacket& packet) const;

    const std::string& expression() const { return m_expression; }
    // One message per link type the expression failed to compile for: "link type 101: ...".
    const std::vector<std::string>& link_type_errors() const { return m_link_type_errors; }

private:
    struct Program; // a bpf_program for one link type, or the failure to make one

    BpfFilter(std::string expression, std::uint32_t snap_length);
    const Program& program_for(std::uint32_t link_type) const;

    std::string m_expression;
    std::uint32_t m_snap_length;
    // A file has a handful of link types at most, so a linear search is fastest.
    mutable std::vector<std::unique_ptr<Program>> m_programs;
    mutable const Program* m_last = nullptr; // consecutive packets usually share a link type
    mutable std::vector<std::string> m_link_type_errors;
};

} // namespace sniff::capture
