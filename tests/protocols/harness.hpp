#pragma once
// Harness for the real-protocol tests: run Debian's servers and clients on free loopback ports,
// capture their traffic with dumpcap, and count messages per direction with sniff and with tshark.
// Every process started here is stopped by its destructor, so a failed REQUIRE leaves nothing
// behind.

#include <filesystem>
#include <map>
#include <netinet/in.h>
#include <ostream>
#include <string>
#include <sys/types.h>
#include <vector>

namespace sniff::protocols {

// A command run through /bin/sh in its own process group, standard output and error to a log file.
class Background {
public:
    Background(const std::string& command, const std::filesystem::path& log);
    ~Background();
    Background(const Background&) = delete;
    Background& operator=(const Background&) = delete;

    // Sends `signal` to the process (not its group: a server shuts its children down itself), waits
    // up to `wait_ms`, then kills what is left of the group. Idempotent.
    void stop(int signal, int wait_ms = 5000);
    bool running();
    pid_t pid() const { return m_pid; }
    std::string log() const;

private:
    pid_t m_pid = -1;
    bool m_reaped = false;
    std::filesystem::path m_log;
};

// dumpcap on lo, `tcp port PORT` (or `udp port PORT`, or both with protocol ""), into a pcapng
// file; started() tells whether it is capturing.
class LoopbackCapture {
public:
    LoopbackCapture(const std::filesystem::path& file, int port,
                    const std::string& protocol = "tcp");
    bool started() const { return m_started; }
    void stop(); // lets the last packets reach the file, then SIGINT
    std::string log() const { return m_process.log(); }
    // After stop(): the packets the kernel or dumpcap dropped, from dumpcap's closing line
    // ("Packets received/dropped on interface ...: R/D"); -1 when it did not print one.
    long dropped() const;

private:
    Background m_process;
    bool m_started = false;
};

// 127.0.0.1:port as a socket address.
sockaddr_in loopback(int port);
// A port free for TCP and UDP on 127.0.0.1 (DNS servers bind both).
int free_port();
// Connects to 127.0.0.1:port until it accepts or `timeout_ms` passes.
bool wait_for_port(int port, int timeout_ms);

struct DirectionCounts {
    long c2s = 0;
    long s2c = 0;
    long total() const { return c2s + s2c; }
    bool operator==(const DirectionCounts&) const = default;
};
inline std::ostream& operator<<(std::ostream& out, const DirectionCounts& counts) {
    return out << "c2s " << counts.c2s << " / s2c " << counts.s2c;
}

// What sniff says about one capture with one framing.
struct SniffReport {
    DirectionCounts complete; // messages with status "complete"
    DirectionCounts other;    // truncated or malformed messages
    long skipped_bytes = 0;
    int flows = 0;
    // Boundaries per flow direction ("FLOW/c2s" -> list of "offset+length"), to compare framings.
    std::map<std::string, std::vector<std::string>> boundaries;
};
SniffReport sniff_report(const std::filesystem::path& file, const std::string& framing);

// auto's guess for one flow direction.
struct Guess {
    std::string key; // "FLOW/dir"
    std::string spec;
    double confidence = 0;
    bool uncertain = false;
};
std::vector<Guess> sniff_auto_guesses(const std::filesystem::path& file);

// One line of `tshark -T fields` for a frame that holds `field` (all occurrences kept).
struct TsharkFrame {
    long frame = 0;
    int stream = -1;
    bool from_server = false;
    std::vector<std::string> values;
};
// Runs tshark with the server port decoded as `protocol` and lists the frames that carry `field`.
// `options`: more tshark options (e.g. "--disable-protocol protobuf").
std::vector<TsharkFrame> tshark_frames(const std::filesystem::path& file, int port,
                                       const std::string& protocol, const std::string& field,
                                       const std::string& options = {});
// Sums the occurrences of `field` per direction: tshark prints one line per frame, and a frame
// that completes several PDUs carries the field once per PDU.
DirectionCounts count_occurrences(const std::vector<TsharkFrame>& frames);

std::string shell_quote(const std::string& text);
bool is_root();

} // namespace sniff::protocols
