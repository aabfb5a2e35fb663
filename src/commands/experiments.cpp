#include "commands/experiments.hpp"

#include "commands/socket_io.hpp"

#include <chrono>
#include <numeric>
#include <sys/socket.h>
#include <thread>

namespace sniff::commands {

ReadExperiment merge_experiment() {
    ReadExperiment experiment;
    experiment.sends = {"hello", "world", "egon"};
    experiment.recv_sizes = {1024};
    return experiment;
}

ReadExperiment leftover_experiment() {
    ReadExperiment experiment;
    experiment.sends = {"helloworldegon"};
    experiment.recv_sizes = {1, 5, 1024};
    return experiment;
}

std::vector<std::string> large_answer_commands() {
    return {"echo first", "bytes 3000", "echo after"};
}

namespace {

// The receiving side: accepts one connection, waits, then reads as the plan says.
void receive(int listener, const ReadExperiment& experiment, std::size_t expected,
             ReadExperimentResult& result) {
    if (wait_readable(listener, experiment.timeout_ms) <= 0) {
        result.error = "nobody connected";
        return;
    }
    Fd conn(::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC));
    if (!conn.valid()) {
        result.error = "accept failed";
        return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(experiment.server_delay_ms));
    std::uint64_t offset = 0;
    for (std::size_t i = 0; offset < expected; ++i) {
        const std::size_t size =
            experiment.recv_sizes.empty()
                ? 1024
                : experiment.recv_sizes[std::min(i, experiment.recv_sizes.size() - 1)];
        RecvRecord record;
        record.requested = size;
        record.offset = offset;
        record.bytes.resize(size);
        const auto got = recv_some(conn.get(), record.bytes.data(), size, experiment.timeout_ms);
        if (got.status != RecvStatus::data) {
            result.error = "the sender stopped after " + std::to_string(offset) + " of " +
                           std::to_string(expected) + " bytes";
            return;
        }
        record.bytes.resize(got.size);
        record.size = got.size;
        offset += got.size;
        result.reads.push_back(std::move(record));
    }
}

} // namespace

ReadExperimentResult run_read_experiment(const ReadExperiment& experiment, const FrontHook& front) {
    ReadExperimentResult result;
    std::uint16_t port = 0;
    Fd listener = open_server_socket(HostPort{"127.0.0.1", 0}, SocketKind::tcp, port, result.error);
    if (!listener.valid())
        return result;
    const std::size_t expected =
        std::accumulate(experiment.sends.begin(), experiment.sends.end(), std::size_t{0},
                        [](std::size_t sum, const std::string& send) { return sum + send.size(); });
    std::thread receiver([&] { receive(listener.get(), experiment, expected, result); });
    const std::uint16_t connect_port = front ? front(port) : port;
    std::string error;
    Fd sender = open_client_socket(HostPort{"127.0.0.1", connect_port}, SocketKind::tcp, error);
    for (std::size_t i = 0; sender.valid() && i < experiment.sends.size(); ++i) {
        if (i > 0)
            std::this_thread::sleep_for(std::chrono::milliseconds(experiment.pause_ms));
        send_all(sender.get(), experiment.sends[i]);
    }
    receiver.join(); // the sender stays open until then, so the receiver never sees a close
    if (!sender.valid() && result.error.empty())
        result.error = error;
    return result;
}

UdpExchangeResult run_udp_exchange(std::uint16_t port, const std::vector<std::string>& commands,
                                   std::size_t buffer_size, int timeout_ms) {
    UdpExchangeResult result;
    Fd fd = open_client_socket(HostPort{"127.0.0.1", port}, SocketKind::udp, result.error);
    if (!fd.valid())
        return result;
    std::string buffer(buffer_size, '\0');
    for (const auto& command : commands) {
        UdpDatagram datagram;
        datagram.command = command;
        if (::send(fd.get(), command.data(), command.size(), 0) < 0 ||
            wait_readable(fd.get(), timeout_ms) <= 0) {
            result.error = "no answer datagram for '" + command + "'";
            return result;
        }
        // MSG_TRUNC: recv returns the datagram's real size even when the buffer is smaller.
        const ssize_t size = ::recv(fd.get(), buffer.data(), buffer.size(), MSG_TRUNC);
        if (size < 0) {
            result.error = "recv failed";
            return result;
        }
        datagram.size = static_cast<std::size_t>(size);
        datagram.cut = datagram.size > buffer_size;
        datagram.received = buffer.substr(0, std::min(datagram.size, buffer_size));
        result.datagrams.push_back(std::move(datagram));
    }
    return result;
}

} // namespace sniff::commands
