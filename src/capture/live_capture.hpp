#pragma once
// A live packet source: one network interface opened through libpcap, non-blocking, in immediate
// mode, so an event loop can wait on its descriptor and pull whatever has arrived. <pcap.h> stays
// in the .cpp (pimpl): callers see RawPackets, a descriptor and counters.
//
// Errors are values: open() returns null and fills a LiveError whose kind tells the caller how to
// answer (a bad filter is a usage error; missing privilege needs advice, not just libpcap's text).

#include "capture/raw_packet.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace sniff::capture {

struct LiveOptions {
    std::string interface_name; // "eth0", "lo", "any"
    std::uint32_t snap_length = 262144;
    bool promiscuous = true;
    // Kernel ring size; bursts on loopback (64 KB frames) overflow libpcap's 2 MB default.
    int buffer_bytes = 8 << 20;
    std::string filter; // tcpdump syntax, compiled for the interface's link type; empty = all
};

enum class LiveErrorKind : std::uint8_t {
    permission,     // not allowed to capture: needs root or CAP_NET_RAW/CAP_NET_ADMIN
    no_such_device, // the interface does not exist
    bad_filter,     // the filter expression did not compile (message is libpcap's)
    other
};

struct LiveError {
    LiveErrorKind kind = LiveErrorKind::other;
    std::string message;
};

// pcap_stats counters since the capture was opened.
struct LiveStats {
    std::uint64_t received = 0;          // packets that passed the filter
    std::uint64_t dropped_kernel = 0;    // no room in the capture buffer
    std::uint64_t dropped_interface = 0; // dropped by the network interface or its driver
};

class LiveCapture {
public:
    using PacketHandler = std::function<void(const RawPacket&)>;

    // Creates, configures and activates the capture and installs the filter. Warnings libpcap
    // reports while activating (promiscuous mode unsupported, ...) end up in warning().
    static std::unique_ptr<LiveCapture> open(const LiveOptions& options, LiveError& error);
    ~LiveCapture();
    LiveCapture(const LiveCapture&) = delete;
    LiveCapture& operator=(const LiveCapture&) = delete;

    // A descriptor that becomes readable when packets wait; owned by the capture (never close it).
    int selectable_fd() const;
    std::uint32_t link_type() const { return m_link_type; } // LINKTYPE_* value
    std::uint32_t snap_length() const { return m_snap_length; }
    bool nanosecond() const { return m_nanosecond; } // libpcap gives ns timestamps
    const std::string& warning() const { return m_warning; }

    // Hands at most max_packets of the packets already waiting to handler (frame numbers count
    // from 1 over the whole capture; times in ns). Never blocks. Returns the number handed over,
    // or -1 on a capture error (error() then says what). The packet view is valid only during
    // the call of handler.
    int dispatch(int max_packets, const PacketHandler& handler);
    // Counters from the kernel; nullopt when libpcap cannot give them.
    std::optional<LiveStats> stats() const;
    const std::string& error() const { return m_error; }

private:
    struct Handle; // the pcap_t
    explicit LiveCapture(std::unique_ptr<Handle> handle);

    std::unique_ptr<Handle> m_handle;
    std::uint32_t m_link_type = 0;
    std::uint32_t m_snap_length = 0;
    bool m_nanosecond = false;
    std::uint64_t m_frame = 0;
    std::string m_warning;
    std::string m_error;
};

// LINKTYPE_* value (what capture files store) for a DLT_* value libpcap reports; they differ
// only for a few historical types such as DLT_RAW.
std::uint32_t link_type_from_dlt(int dlt);

} // namespace sniff::capture
