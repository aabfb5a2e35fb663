#include "proxy/support.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

namespace sniff::proxy::test {

void RecordingSink::on_flow_open(const model::Flow& flow) {
    std::lock_guard lock(m_mutex);
    m_flows[flow.id].flow = flow;
}

void RecordingSink::on_data(const model::Flow& flow, model::Direction direction,
                            const model::SegmentInfo& segment, util::Bytes bytes) {
    std::lock_guard lock(m_mutex);
    auto& recorded = m_flows[flow.id];
    const auto d = static_cast<std::size_t>(direction);
    recorded.hash[d].add(bytes.data(), bytes.size());
    recorded.chunk_sizes[d].push_back(segment.length);
    if (segment.offset != recorded.next_offset[d] || segment.length != bytes.size() ||
        segment.index + 1 != recorded.chunk_sizes[d].size())
        recorded.offsets_ok = false;
    recorded.next_offset[d] += segment.length;
}

void RecordingSink::on_flow_close(const model::Flow& flow, reassembly::CloseReason reason) {
    std::lock_guard lock(m_mutex);
    auto& recorded = m_flows[flow.id];
    recorded.flow = flow;
    recorded.closed = reason;
    ++m_closed;
    m_changed.notify_all();
}

bool RecordingSink::wait_closed(std::size_t count, int timeout_ms) {
    std::unique_lock lock(m_mutex);
    return m_changed.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                              [&] { return m_closed >= count; });
}

std::map<std::uint64_t, RecordedFlow> RecordingSink::flows() const {
    std::lock_guard lock(m_mutex);
    return m_flows;
}

RecordedFlow RecordingSink::by_client_port(std::uint16_t port) const {
    std::lock_guard lock(m_mutex);
    for (const auto& [id, recorded] : m_flows)
        if (recorded.flow.client.port == port)
            return recorded;
    return {};
}

Harness::Harness(std::vector<ProxySpec> specs, ProxyOptions options,
                 reassembly::StreamSink* extra_sink) {
    m_fanout.add(sink);
    if (extra_sink)
        m_fanout.add(*extra_sink);
    options.on_event = [this](const ProxyEvent& event) {
        std::lock_guard lock(m_events_mutex);
        m_events.push_back(event);
    };
    m_proxy = std::make_unique<Proxy>(m_io, std::move(specs), std::move(options), m_fanout);
    std::string error;
    if (!m_proxy->start(error))
        throw std::runtime_error("proxy start: " + error);
    for (const auto& endpoint : m_proxy->listen_endpoints())
        m_ports.push_back(endpoint.port);
    m_work.emplace(m_io.get_executor());
    m_thread = std::thread([this] { m_io.run(); });
}

void Harness::stop() {
    if (!m_thread.joinable())
        return;
    boost::asio::post(m_io, [this] { m_proxy->stop(); });
    m_work.reset();
    m_thread.join(); // run() returns once every session has reported its close
}

ProxyStats Harness::stats() {
    if (!m_thread.joinable())
        return m_proxy->stats();
    std::promise<ProxyStats> result;
    boost::asio::post(m_io, [&] { result.set_value(m_proxy->stats()); });
    return result.get_future().get();
}

std::vector<ProxyEvent> Harness::events() {
    std::lock_guard lock(m_events_mutex);
    return m_events;
}

ProxySpec tcp_spec(std::uint16_t target_port) {
    ProxySpec spec;
    spec.target_host = "127.0.0.1";
    spec.target_port = target_port;
    return spec;
}

ProxySpec udp_spec(std::uint16_t target_port) {
    ProxySpec spec = tcp_spec(target_port);
    spec.protocol = model::Protocol::udp;
    return spec;
}

namespace {

sockaddr_in loopback(std::uint16_t port) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return address;
}

void set_timeouts(int fd) {
    timeval timeout{5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
}

} // namespace

std::uint16_t local_port(int fd) {
    sockaddr_in address{};
    socklen_t length = sizeof address;
    getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    return ntohs(address.sin_port);
}

int listen_tcp(std::uint16_t& port) {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    const auto address = loopback(0);
    if (bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 ||
        listen(fd, 512) != 0) {
        close(fd);
        return -1;
    }
    port = local_port(fd);
    return fd;
}

int accept_tcp(int listener) {
    const int fd = accept(listener, nullptr, nullptr);
    if (fd >= 0)
        set_timeouts(fd);
    return fd;
}

int connect_tcp(std::uint16_t port) {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    const auto address = loopback(port);
    set_timeouts(fd);
    if (connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
        close(fd);
        return -1;
    }
    const int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

int bind_udp(std::uint16_t& port) {
    const int fd = socket(AF_INET, SOCK_DGRAM, 0);
    const auto address = loopback(port);
    if (bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
        close(fd);
        return -1;
    }
    set_timeouts(fd);
    port = local_port(fd);
    return fd;
}

bool send_all(int fd, const void* data, std::size_t size) {
    const auto* bytes = static_cast<const char*>(data);
    while (size > 0) {
        const ssize_t sent = send(fd, bytes, size, MSG_NOSIGNAL);
        if (sent <= 0)
            return false;
        bytes += sent;
        size -= static_cast<std::size_t>(sent);
    }
    return true;
}

void reset_close(int fd) {
    const linger option{1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &option, sizeof option);
    close(fd);
}

Fnv64 read_to_eof(int fd, int& error, std::vector<std::size_t>* sizes) {
    Fnv64 hash;
    std::vector<char> buffer(256 * 1024);
    error = 0;
    for (;;) {
        const ssize_t got = recv(fd, buffer.data(), buffer.size(), 0);
        if (got == 0)
            return hash;
        if (got < 0) {
            error = errno;
            return hash;
        }
        if (sizes)
            sizes->push_back(static_cast<std::size_t>(got));
        hash.add(buffer.data(), static_cast<std::size_t>(got));
    }
}

} // namespace sniff::proxy::test
