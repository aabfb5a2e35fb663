#include "capture/live_capture.hpp"

#include <array>
#include <pcap/pcap.h>
#include <utility>

namespace sniff::capture {

namespace {

struct DltToLinkType {
    int dlt;
    std::uint32_t link_type;
};
// The DLT values that are not their LINKTYPE (see the pcap link-layer type registry).
constexpr std::array k_link_type_exceptions{
    DltToLinkType{DLT_ATM_RFC1483, 100}, DltToLinkType{DLT_RAW, 101},
    DltToLinkType{DLT_SLIP_BSDOS, 102},  DltToLinkType{DLT_PPP_BSDOS, 103},
    DltToLinkType{DLT_ATM_CLIP, 106},    DltToLinkType{DLT_PFSYNC, 246},
};

bool is_permission_problem(int status, const std::string& message) {
    return status == PCAP_ERROR_PERM_DENIED ||
           message.find("Operation not permitted") != std::string::npos ||
           message.find("Permission denied") != std::string::npos;
}

// Text for a pcap_activate status: libpcap's own message when it left one, its generic text
// otherwise (PCAP_ERROR_NO_SUCH_DEVICE often comes with an empty or terse message).
std::string activate_message(pcap_t* pcap, int status) {
    const std::string message = pcap_geterr(pcap);
    const std::string generic = pcap_statustostr(status);
    if (message.empty() || message == generic)
        return generic;
    if (status == PCAP_ERROR || status == PCAP_WARNING)
        return message;
    return generic + ": " + message;
}

struct DispatchContext {
    const LiveCapture::PacketHandler* handler;
    std::uint32_t link_type;
    bool nanosecond;
    std::uint64_t* frame;
};

void on_pcap_packet(u_char* user, const pcap_pkthdr* header, const u_char* bytes) {
    auto& context = *reinterpret_cast<DispatchContext*>(user);
    RawPacket packet;
    packet.frame = ++*context.frame;
    const std::int64_t fraction = header->ts.tv_usec; // ns when the precision is nano
    packet.time = static_cast<model::Timestamp>(header->ts.tv_sec) * 1'000'000'000 +
                  (context.nanosecond ? fraction : fraction * 1000);
    packet.link_type = context.link_type;
    packet.original_length = header->len;
    packet.data = util::Bytes(reinterpret_cast<const std::byte*>(bytes), header->caplen);
    (*context.handler)(packet);
}

} // namespace

std::uint32_t link_type_from_dlt(int dlt) {
    for (const auto& entry : k_link_type_exceptions)
        if (entry.dlt == dlt)
            return entry.link_type;
    return static_cast<std::uint32_t>(dlt);
}

struct LiveCapture::Handle {
    pcap_t* pcap = nullptr;
    ~Handle() {
        if (pcap != nullptr)
            pcap_close(pcap);
    }
};

LiveCapture::LiveCapture(std::unique_ptr<Handle> handle) : m_handle(std::move(handle)) {}

LiveCapture::~LiveCapture() = default;

namespace {

// pcap_create .. pcap_activate; null and error on failure, warning set on a PCAP_WARNING*.
pcap_t* activate(const LiveOptions& options, bool& nanosecond, std::string& warning,
                 LiveError& error) {
    std::array<char, PCAP_ERRBUF_SIZE> errbuf{};
    pcap_t* pcap = pcap_create(options.interface_name.c_str(), errbuf.data());
    if (pcap == nullptr) {
        error = {LiveErrorKind::other, errbuf.data()};
        return nullptr;
    }
    // 0 means "no limit" to tcpdump users; libpcap wants a real number.
    const std::uint32_t snap = options.snap_length == 0 ? 262144 : options.snap_length;
    pcap_set_snaplen(pcap, static_cast<int>(snap));
    pcap_set_promisc(pcap, options.promiscuous ? 1 : 0);
    pcap_set_immediate_mode(pcap, 1); // hand packets over as they come, not per filled block
    pcap_set_buffer_size(pcap, options.buffer_bytes);
#ifdef PCAP_TSTAMP_PRECISION_NANO
    nanosecond = pcap_set_tstamp_precision(pcap, PCAP_TSTAMP_PRECISION_NANO) == 0;
#endif
    const int status = pcap_activate(pcap);
    if (status < 0) {
        const std::string message = activate_message(pcap, status);
        LiveErrorKind kind = LiveErrorKind::other;
        if (is_permission_problem(status, message))
            kind = LiveErrorKind::permission;
        else if (status == PCAP_ERROR_NO_SUCH_DEVICE)
            kind = LiveErrorKind::no_such_device;
        error = {kind, message};
        pcap_close(pcap);
        return nullptr;
    }
    if (status > 0)
        warning = activate_message(pcap, status);
#ifdef PCAP_TSTAMP_PRECISION_NANO
    nanosecond = pcap_get_tstamp_precision(pcap) == PCAP_TSTAMP_PRECISION_NANO;
#endif
    return pcap;
}

bool install_filter(pcap_t* pcap, const std::string& expression, LiveError& error) {
    bpf_program program{};
    if (pcap_compile(pcap, &program, expression.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0) {
        error = {LiveErrorKind::bad_filter, pcap_geterr(pcap)};
        return false;
    }
    const bool installed = pcap_setfilter(pcap, &program) == 0;
    pcap_freecode(&program);
    if (!installed)
        error = {LiveErrorKind::other, std::string("cannot install filter: ") + pcap_geterr(pcap)};
    return installed;
}

} // namespace

std::unique_ptr<LiveCapture> LiveCapture::open(const LiveOptions& options, LiveError& error) {
    bool nanosecond = false;
    std::string warning;
    auto handle = std::make_unique<Handle>();
    handle->pcap = activate(options, nanosecond, warning, error);
    if (handle->pcap == nullptr)
        return nullptr;
    pcap_t* pcap = handle->pcap;
    if (!options.filter.empty() && !install_filter(pcap, options.filter, error))
        return nullptr;
    std::array<char, PCAP_ERRBUF_SIZE> errbuf{};
    if (pcap_setnonblock(pcap, 1, errbuf.data()) != 0) {
        error = {LiveErrorKind::other,
                 std::string("cannot make the capture non-blocking: ") + errbuf.data()};
        return nullptr;
    }
    if (pcap_get_selectable_fd(pcap) < 0) {
        error = {LiveErrorKind::other, "this capture device cannot be waited on"};
        return nullptr;
    }
    std::unique_ptr<LiveCapture> capture(new LiveCapture(std::move(handle)));
    capture->m_link_type = link_type_from_dlt(pcap_datalink(pcap));
    capture->m_snap_length = static_cast<std::uint32_t>(pcap_snapshot(pcap));
    capture->m_nanosecond = nanosecond;
    capture->m_warning = std::move(warning);
    return capture;
}

int LiveCapture::selectable_fd() const {
    return pcap_get_selectable_fd(m_handle->pcap);
}

int LiveCapture::dispatch(int max_packets, const PacketHandler& handler) {
    DispatchContext context{&handler, m_link_type, m_nanosecond, &m_frame};
    const int got = pcap_dispatch(m_handle->pcap, max_packets, on_pcap_packet,
                                  reinterpret_cast<u_char*>(&context));
    if (got == PCAP_ERROR) {
        m_error = pcap_geterr(m_handle->pcap);
        return -1;
    }
    return got < 0 ? 0 : got; // PCAP_ERROR_BREAK: nothing more this round
}

std::optional<LiveStats> LiveCapture::stats() const {
    pcap_stat raw{};
    if (pcap_stats(m_handle->pcap, &raw) != 0)
        return std::nullopt;
    return LiveStats{raw.ps_recv, raw.ps_drop, raw.ps_ifdrop};
}

} // namespace sniff::capture
