#include "proxy/peer_probe.hpp"

#include <array>
#include <cstring>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace sniff::proxy {

namespace {

// One end of a connection in the form socket diagnostics name it.
struct Address {
    int family = AF_UNSPEC;
    std::array<std::uint32_t, 4> words{}; // network order, as in inet_diag_sockid
    std::uint16_t port = 0;               // network order
};

// ::ffff:a.b.c.d is the IPv4 socket a.b.c.d to the kernel's lookup.
Address from_sockaddr(const sockaddr_storage& storage) {
    Address address;
    if (storage.ss_family == AF_INET) {
        sockaddr_in in{};
        std::memcpy(&in, &storage, sizeof in);
        address.family = AF_INET;
        address.words[0] = in.sin_addr.s_addr;
        address.port = in.sin_port;
    } else if (storage.ss_family == AF_INET6) {
        sockaddr_in6 in6{};
        std::memcpy(&in6, &storage, sizeof in6);
        address.port = in6.sin6_port;
        if (IN6_IS_ADDR_V4MAPPED(&in6.sin6_addr)) {
            address.family = AF_INET;
            std::memcpy(&address.words[0], &in6.sin6_addr.s6_addr[12], 4);
        } else {
            address.family = AF_INET6;
            std::memcpy(address.words.data(), &in6.sin6_addr, 16);
        }
    }
    return address;
}

// tcp_states.h's TCP_LISTEN, which no userspace header exports under that name.
constexpr std::uint8_t k_state_listen = 10;

struct Request {
    nlmsghdr header;
    inet_diag_req_v2 body;
};

// The answer's tcp_info, when the kernel sent one long enough to hold tcpi_bytes_received.
std::optional<tcp_info> find_tcp_info(const nlmsghdr* message) {
    const std::size_t payload = message->nlmsg_len - NLMSG_LENGTH(0);
    std::size_t offset = NLMSG_ALIGN(sizeof(inet_diag_msg));
    const auto* base = static_cast<const unsigned char*>(NLMSG_DATA(message));
    while (offset + sizeof(rtattr) <= payload) {
        rtattr attribute{};
        std::memcpy(&attribute, base + offset, sizeof attribute);
        // A length shorter than its own header or past the message ends the walk.
        if (attribute.rta_len < sizeof(rtattr) || offset + attribute.rta_len > payload)
            break;
        const std::size_t data_size = attribute.rta_len - RTA_LENGTH(0);
        if (attribute.rta_type == INET_DIAG_INFO &&
            data_size >= offsetof(tcp_info, tcpi_bytes_received) + sizeof(std::uint64_t)) {
            tcp_info info{};
            std::memcpy(&info, base + offset + RTA_LENGTH(0), std::min(data_size, sizeof info));
            return info;
        }
        offset += RTA_ALIGN(attribute.rta_len);
    }
    return std::nullopt;
}

} // namespace

PeerProbe::~PeerProbe() {
    if (m_netlink >= 0)
        ::close(m_netlink);
}

bool PeerProbe::open() {
    if (m_netlink >= 0)
        return true;
    if (m_unavailable)
        return false;
    m_netlink = ::socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
    m_unavailable = m_netlink < 0;
    return !m_unavailable;
}

std::optional<PeerQueue> PeerProbe::query(int fd) {
    sockaddr_storage local{};
    sockaddr_storage remote{};
    socklen_t local_size = sizeof local;
    socklen_t remote_size = sizeof remote;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_size) != 0 ||
        ::getpeername(fd, reinterpret_cast<sockaddr*>(&remote), &remote_size) != 0 || !open())
        return std::nullopt;
    const Address ours = from_sockaddr(local);
    const Address theirs = from_sockaddr(remote);
    if (ours.family == AF_UNSPEC || ours.family != theirs.family)
        return std::nullopt;

    // The peer's socket: its local end is our remote one.
    Request request{};
    request.header.nlmsg_len = sizeof request;
    request.header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
    request.header.nlmsg_flags = NLM_F_REQUEST;
    request.header.nlmsg_seq = ++m_sequence;
    request.body.sdiag_family = static_cast<std::uint8_t>(ours.family);
    request.body.sdiag_protocol = IPPROTO_TCP;
    request.body.idiag_ext = 1U << (INET_DIAG_INFO - 1);
    request.body.idiag_states = ~0U;
    request.body.id.idiag_sport = theirs.port;
    request.body.id.idiag_dport = ours.port;
    std::memcpy(request.body.id.idiag_src, theirs.words.data(), sizeof theirs.words);
    std::memcpy(request.body.id.idiag_dst, ours.words.data(), sizeof ours.words);
    request.body.id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
    request.body.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    if (::sendto(m_netlink, &request, sizeof request, 0, reinterpret_cast<sockaddr*>(&kernel),
                 sizeof kernel) != static_cast<ssize_t>(sizeof request))
        return std::nullopt;

    alignas(nlmsghdr) std::array<unsigned char, 4096> answer{};
    // The kernel answers during sendto(): never wait here.
    const ssize_t size = ::recv(m_netlink, answer.data(), answer.size(), MSG_DONTWAIT);
    if (size < static_cast<ssize_t>(NLMSG_LENGTH(sizeof(inet_diag_msg))))
        return std::nullopt; // too short for an answer, or an error message
    const auto* message = reinterpret_cast<const nlmsghdr*>(answer.data());
    if (message->nlmsg_type != SOCK_DIAG_BY_FAMILY || message->nlmsg_len > size ||
        message->nlmsg_seq != m_sequence)
        return std::nullopt;
    inet_diag_msg diag{};
    std::memcpy(&diag, NLMSG_DATA(message), sizeof diag);
    // The lookup falls back to a listener on the same port once the connection is gone.
    if (diag.idiag_state == k_state_listen || diag.id.idiag_dport != ours.port)
        return std::nullopt;
    const auto info = find_tcp_info(message);
    if (!info)
        return std::nullopt;
    return PeerQueue{info->tcpi_bytes_received, diag.idiag_rqueue};
}

} // namespace sniff::proxy
