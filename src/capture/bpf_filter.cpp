#include "capture/bpf_filter.hpp"

#include <algorithm>
#include <array>
#include <pcap/pcap.h>
#include <utility>

namespace sniff::capture {

namespace {

constexpr std::uint32_t k_default_snap_length = 262144;

// pcap_open_dead takes a DLT_* value. LINKTYPE_* values (what files store) equal them except
// for a few historical ones that differ per platform; map those to this platform's DLT.
struct LinkTypeToDlt {
    std::uint32_t link_type;
    int dlt;
};
constexpr std::array k_dlt_exceptions{
    LinkTypeToDlt{100, DLT_ATM_RFC1483}, LinkTypeToDlt{101, DLT_RAW},
    LinkTypeToDlt{102, DLT_SLIP_BSDOS},  LinkTypeToDlt{103, DLT_PPP_BSDOS},
    LinkTypeToDlt{106, DLT_ATM_CLIP},    LinkTypeToDlt{246, DLT_PFSYNC},
};

int dlt_for(std::uint32_t link_type) {
    for (const auto& entry : k_dlt_exceptions)
        if (entry.link_type == link_type)
            return entry.dlt;
    return static_cast<int>(link_type);
}

} // namespace

struct BpfFilter::Program {
    std::uint32_t link_type = 0;
    bool compiled = false;
    bpf_program code{};

    Program() = default;
    Program(const Program&) = delete;
    Program& operator=(const Program&) = delete;
    ~Program() {
        if (compiled)
            pcap_freecode(&code);
    }

    // On failure returns false and sets error to libpcap's message.
    bool compile(const std::string& expression, std::uint32_t snap_length, std::string& error) {
        pcap_t* dead = pcap_open_dead(dlt_for(link_type), static_cast<int>(snap_length));
        if (dead == nullptr) {
            error = "libpcap could not create a handle for link type " + std::to_string(link_type);
            return false;
        }
        compiled = pcap_compile(dead, &code, expression.c_str(), 1, PCAP_NETMASK_UNKNOWN) == 0;
        if (!compiled)
            error = pcap_geterr(dead);
        pcap_close(dead);
        return compiled;
    }
};

BpfFilter::BpfFilter(std::string expression, std::uint32_t snap_length)
    : m_expression(std::move(expression)),
      m_snap_length(snap_length != 0 ? snap_length : k_default_snap_length) {}

BpfFilter::~BpfFilter() = default;

std::unique_ptr<BpfFilter> BpfFilter::compile(const std::string& expression,
                                              std::uint32_t link_type, std::uint32_t snap_length,
                                              std::string& error) {
    std::unique_ptr<BpfFilter> filter(new BpfFilter(expression, snap_length));
    auto program = std::make_unique<Program>();
    program->link_type = link_type;
    if (!program->compile(filter->m_expression, filter->m_snap_length, error))
        return nullptr;
    filter->m_programs.push_back(std::move(program));
    return filter;
}

const BpfFilter::Program& BpfFilter::program_for(std::uint32_t link_type) const {
    if (m_last != nullptr && m_last->link_type == link_type)
        return *m_last;
    for (const auto& program : m_programs) {
        if (program->link_type == link_type) {
            m_last = program.get();
            return *m_last;
        }
    }
    // First packet of this link type: compile once, and remember a failure too so it is not
    // retried for every packet.
    auto program = std::make_unique<Program>();
    program->link_type = link_type;
    std::string error;
    if (!program->compile(m_expression, m_snap_length, error))
        m_link_type_errors.push_back("link type " + std::to_string(link_type) + ": " + error);
    m_programs.push_back(std::move(program));
    m_last = m_programs.back().get();
    return *m_last;
}

bool BpfFilter::matches(const RawPacket& packet) const {
    const Program& program = program_for(packet.link_type);
    if (!program.compiled)
        return false;
    pcap_pkthdr header{};
    header.caplen = static_cast<bpf_u_int32>(packet.data.size());
    // Hand-made packets may leave original_length 0; the wire length is at least what we have.
    header.len = std::max(packet.original_length, header.caplen);
    const auto* bytes = reinterpret_cast<const u_char*>(packet.data.data());
    return pcap_offline_filter(&program.code, &header, bytes) != 0;
}

} // namespace sniff::capture
