#pragma once
// The article's experiments, as functions `sniff demo` replays (each on free loopback ports):
//   1. three quick small sends ("hello", "world", "egon") arrive in one server read;
//   2. recv(1) then recv(5) read leftovers first ("h", "ellow", "orldegon");
//   3. a large answer through recv(1024) without framing, then with each framing: run_script
//      with large_answer_commands() against start_loopback_server for each framing;
//   4. UDP keeps datagrams apart, and one larger than the read buffer is cut.
//
// Experiment 1 does not rely on Nagle: on loopback the sender's small writes usually leave as
// separate segments, so merging would be luck. The receiver waits server_delay_ms before its
// first recv, so all bytes are already waiting in its buffer: the receiver-side cause the article
// also names, and deterministic.

#include "commands/client.hpp"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace sniff::commands {

// Lets the demo put its proxy in front of an experiment's receiver: given the receiver's port,
// returns the port the sender should connect to. Empty: connect directly.
using FrontHook = std::function<std::uint16_t(std::uint16_t target_port)>;

struct ReadExperiment {
    std::vector<std::string> sends; // the sender's send() calls, in order
    // Between sends: long enough that sniff's proxy reads each send on its own even on a loaded
    // machine (or under a sanitizer), short enough that all are sent before the receiver reads.
    int pause_ms = 40;
    int server_delay_ms = 200;           // the receiver waits this long before its first recv
    std::vector<std::size_t> recv_sizes; // the receiver's recv(N) calls; the last one repeats
                                         // until every sent byte is read
    int timeout_ms = 3'000;
};

ReadExperiment merge_experiment();    // hello, world, egon; recv(1024)
ReadExperiment leftover_experiment(); // helloworldegon in one send; recv(1), recv(5), recv(1024)

struct ReadExperimentResult {
    std::vector<RecvRecord> reads; // what each server recv returned (offsets in the stream)
    std::string error;             // empty when every sent byte was read
};

ReadExperimentResult run_read_experiment(const ReadExperiment& experiment,
                                         const FrontHook& front = {});

// Commands for experiment 3: a short answer, one of 3000 bytes, another short one.
std::vector<std::string> large_answer_commands();

struct UdpDatagram {
    std::string command;
    std::size_t size = 0; // the answer datagram's real size (MSG_TRUNC)
    std::string received; // what recvfrom(buffer_size) kept
    bool cut = false;     // size > buffer_size: the rest is lost
};
struct UdpExchangeResult {
    std::vector<UdpDatagram> datagrams;
    std::string error;
};

// Sends each command as one datagram to a UDP command server on 127.0.0.1:port and reads each
// answer with one recvfrom(buffer_size).
UdpExchangeResult run_udp_exchange(std::uint16_t port, const std::vector<std::string>& commands,
                                   std::size_t buffer_size, int timeout_ms = 3'000);

} // namespace sniff::commands
