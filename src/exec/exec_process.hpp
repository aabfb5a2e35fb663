#pragma once
// `sniff exec -- CMD`: runs CMD with libsniff-preload.so and turns its report into StreamSink
// events on the caller's io_context.
//
//   ExecProcess process({argv, preload_path});
//   if (auto error = process.start(io, sink); !error.empty()) { print error; exit 2; }
//   process.on_exit([&] { stop the loop });   // the program has exited, its report is read
//   io.run();  ...  SIGINT/SIGTERM → process.stop();
//   process.finish();                          // drain what is queued, close the flows
//   return *process.exit_status();
//
// start() refuses (with a message naming --proxy and -i) a program the preload cannot see:
// static binaries and setuid/setgid programs (check_program). The report travels through a
// shared-memory ring (exec/ring_format.hpp, the program's descriptor k_ring_fd), read on the loop
// every few milliseconds while records flow and at once when a producer rings the doorbell; a
// SOCK_SEQPACKET socket pair (k_report_fd) carries the doorbell, the records of a process that
// could not map the ring, and the end of the report. Both descriptors are named in the program's
// environment (SNIFF_EXEC_RING, SNIFF_EXEC_FD=<fd>:<inode>). Reading is in batches, so other
// sources on the loop keep their turn. The program waits when sniff is slow (the ring is full):
// nothing is lost. The child's exit is watched with a
// pidfd, so no SIGCHLD handler is installed. The ExecProcess must die before the io_context it
// was started on (declare it after); its destructor kills a program still running (SIGKILL).

#include "exec/exec_collector.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace boost::asio {
class io_context;
}

namespace sniff::exec {

struct ExecOptions {
    std::vector<std::string> argv; // the command and its arguments
    std::string preload_path;      // libsniff-preload.so; default_preload_path() when empty
    std::vector<std::string> extra_environment; // "NAME=value" added to the program's
    // sniff's standard output carries machine-readable lines (--json, -w -): the program's own
    // output goes to standard error instead, so a pipe into jq or tshark gets sniff's alone.
    bool stdout_to_stderr = false;
};

// libsniff-preload.so beside the running executable, or in ../lib/sniff/ from it (installed).
std::string default_preload_path();

class ExecProcess {
public:
    static constexpr int k_report_fd = 1021;
    static constexpr int k_ring_fd = 1020;
    static constexpr int k_batch = 256;

    explicit ExecProcess(ExecOptions options);
    ~ExecProcess();
    ExecProcess(const ExecProcess&) = delete;
    ExecProcess& operator=(const ExecProcess&) = delete;

    // Checks the program, starts it, and starts reading its report. Returns an error message
    // (empty on success): program refused, not found, preload library missing, fork failed.
    std::string start(boost::asio::io_context& io, reassembly::StreamSink& sink);
    // Called once, on the loop, when the program has exited and what it reported is read.
    void on_exit(std::function<void()> handler) { m_on_exit = std::move(handler); }
    // Passes SIGINT to the program (Ctrl-C or a stop request of the run loop).
    void stop();
    // Reads every record still queued (without waiting) and closes all flows. Call after the
    // loop has stopped; idempotent.
    void finish();

    // The program's status as a shell gives it: its exit code, or 128 + the signal that ended it.
    // Empty while it runs.
    std::optional<int> exit_status() const { return m_exit_status; }
    bool running() const { return m_pid > 0 && !m_exit_status; }
    int pid() const { return m_pid; }
    const ExecCounters& counters() const;

    struct Impl;

private:
    std::unique_ptr<Impl> m_impl;
    ExecOptions m_options;
    std::function<void()> m_on_exit;
    std::optional<int> m_exit_status;
    int m_pid = -1;
};

} // namespace sniff::exec
