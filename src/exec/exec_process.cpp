#include "exec/exec_process.hpp"

#include "exec/asio.hpp"
#include "exec/program_check.hpp"
#include "exec/record_format.hpp"
#include "exec/report_ring.hpp"
#include "exec/ring_format.hpp"

#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace sniff::exec {

namespace {

constexpr int k_socket_buffer = 4 << 20;

std::string starts(const std::string& entry, const char* name) {
    const std::string prefix = std::string(name) + "=";
    return entry.rfind(prefix, 0) == 0 ? entry.substr(prefix.size()) : std::string();
}

bool has_name(const std::string& entry, const char* name) {
    return entry.rfind(std::string(name) + "=", 0) == 0;
}

// The program's environment: ours, with the preload put first in LD_PRELOAD and the report
// descriptor named.
std::vector<std::string> program_environment(const ExecOptions& options, const std::string& preload,
                                             std::uint64_t inode, std::uint64_t ring_inode) {
    std::vector<std::string> environment;
    std::string old_preload;
    for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
        const std::string text = *entry;
        if (has_name(text, "LD_PRELOAD"))
            old_preload = starts(text, "LD_PRELOAD");
        else if (!has_name(text, wire::k_fd_variable) && !has_name(text, ring::k_fd_variable))
            environment.push_back(text);
    }
    environment.push_back("LD_PRELOAD=" + preload + (old_preload.empty() ? "" : ":" + old_preload));
    environment.push_back(std::string(wire::k_fd_variable) + "=" +
                          std::to_string(ExecProcess::k_report_fd) + ":" + std::to_string(inode));
    environment.push_back(std::string(ring::k_fd_variable) + "=" +
                          std::to_string(ExecProcess::k_ring_fd) + ":" +
                          std::to_string(ring_inode));
    for (const std::string& extra : options.extra_environment)
        environment.push_back(extra);
    return environment;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
    std::vector<char*> result;
    for (std::string& text : strings)
        result.push_back(text.data());
    result.push_back(nullptr);
    return result;
}

// After fork, before exec: only async-signal-safe calls.
[[noreturn]] void run_child(int report, int ring_fd, bool stdout_to_stderr, const char* path,
                            char** argv, char** envp) {
    if (::dup2(report, ExecProcess::k_report_fd) < 0 || ::dup2(ring_fd, ExecProcess::k_ring_fd) < 0)
        ::_exit(127);
    if (stdout_to_stderr && ::dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
        ::_exit(127);
    // Dispositions set to ignore survive exec: give the program the defaults it expects.
    ::signal(SIGPIPE, SIG_DFL);
    ::signal(SIGINT, SIG_DFL);
    ::signal(SIGTERM, SIG_DFL);
    sigset_t all;
    ::sigemptyset(&all);
    ::sigprocmask(SIG_SETMASK, &all, nullptr);
    ::execve(path, argv, envp);
    ::_exit(127);
}

int shell_status(int status) {
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

} // namespace

std::string default_preload_path() {
    std::error_code error;
    const auto self = std::filesystem::read_symlink("/proc/self/exe", error);
    if (error)
        return "libsniff-preload.so";
    const auto beside = self.parent_path() / "libsniff-preload.so";
    if (std::filesystem::exists(beside, error))
        return beside.string();
    return (self.parent_path() / ".." / "lib" / "sniff" / "libsniff-preload.so").lexically_normal();
}

struct ExecProcess::Impl {
    Impl(ExecProcess& owner_, boost::asio::io_context& io_, reassembly::StreamSink& sink)
        : owner(owner_), io(io_), collector(sink), report(io_), child(io_), timer(io_) {}

    // Reads up to `limit` queued messages of the report socket: doorbells (the ring has records)
    // and the records of a process that could not map the ring. False once the report has ended
    // (or failed).
    bool drain(int limit) {
        for (int i = 0; i < limit; ++i) {
            const ssize_t got = ::recv(report.native_handle(), buffer.data(), buffer.size(),
                                       MSG_DONTWAIT | MSG_TRUNC);
            if (got == 0) // every writer closed its end (a record is never empty)
                return false;
            if (got < 0) {
                if (errno == EINTR)
                    continue;
                return errno == EAGAIN || errno == EWOULDBLOCK;
            }
            if (got == 1) // a doorbell
                continue;
            // MSG_TRUNC made got the record's real size: a longer one than any valid record is
            // passed cut, and the parser rejects it.
            const auto size = std::min(static_cast<std::size_t>(got), buffer.size());
            collector.on_record(util::Bytes(buffer.data(), size));
        }
        return true;
    }

    // One batch of the ring's records; returns how many.
    std::size_t read_ring() {
        const auto& records = ring.take(k_ring_batch, k_ring_batch_bytes);
        for (const util::Bytes record : records)
            collector.on_record(record);
        return records.size();
    }

    // Reads the ring, then tells the producers how sniff will wait: on its timer while records
    // flow (they ring only when the ring fills), or for the doorbell once a look found nothing.
    void ring_turn() {
        if (finished)
            return;
        ring.set_state(ring::awake);
        const std::size_t got = read_ring();
        if (got == k_ring_batch) { // more waiting: let other handlers run first
            post_ring_turn();
            return;
        }
        ring.set_state(got > 0 ? ring::timed : ring::idle);
        if (ring.ready()) { // committed while we published the state
            post_ring_turn();
            return;
        }
        if (got > 0 && !timer_armed) {
            timer_armed = true;
            timer.expires_after(std::chrono::milliseconds(ring::k_poll_interval_ms));
            timer.async_wait([this](const boost::system::error_code& error) {
                if (error) // cancelled: the process may be gone, touch nothing
                    return;
                timer_armed = false;
                ring_turn();
            });
        }
    }

    // A posted handler may run after this object is gone (the loop runs on): it checks first.
    void post_ring_turn() {
        boost::asio::post(io, [this, alive = std::weak_ptr<int>(life)] {
            if (!alive.expired())
                ring_turn();
        });
    }

    // Every committed record, until a look finds none.
    void read_ring_out() {
        while (read_ring() > 0) {
        }
    }

    void wait_for_records() {
        report.async_wait(boost::asio::posix::descriptor_base::wait_read,
                          [this](const boost::system::error_code& error) {
                              if (error)
                                  return;
                              if (drain(k_batch)) {
                                  ring_turn();
                                  wait_for_records();
                              } else {
                                  report_ended();
                              }
                          });
    }

    void wait_for_exit() {
        child.async_wait(boost::asio::posix::descriptor_base::wait_read,
                         [this](const boost::system::error_code& error) {
                             if (!error)
                                 reap(WNOHANG);
                         });
    }

    // Every process closed the socket: what is in the ring is all there will be.
    void report_ended() {
        report_open = false;
        read_ring_out();
        ring.abandon_rest();
        if (!child.is_open()) // no pidfd: the end of the report is the sign of the exit
            reap(0);
    }

    void reap(int options) {
        int status = 0;
        const pid_t got = ::waitpid(owner.m_pid, &status, options);
        if (got != owner.m_pid)
            return;
        owner.m_exit_status = shell_status(status);
        // Whatever the program sent before it exited is queued already.
        while (report_open && drain(k_batch)) {
            if (drain_once_empty())
                break;
        }
        read_ring_out();
        if (owner.m_on_exit)
            owner.m_on_exit();
    }

    bool drain_once_empty() {
        char probe = 0;
        return ::recv(report.native_handle(), &probe, 1, MSG_DONTWAIT | MSG_PEEK) < 0 &&
               (errno == EAGAIN || errno == EWOULDBLOCK);
    }

    static constexpr std::size_t k_ring_batch = 4096;
    static constexpr std::size_t k_ring_batch_bytes = 4u << 20;

    ExecProcess& owner;
    boost::asio::io_context& io;
    ExecCollector collector;
    ReportRing ring;
    boost::asio::posix::stream_descriptor report;
    boost::asio::posix::stream_descriptor child;
    boost::asio::steady_timer timer;
    std::vector<std::byte> buffer = std::vector<std::byte>(wire::k_max_record + 1);
    bool timer_armed = false;
    std::shared_ptr<int> life = std::make_shared<int>(0);
    bool report_open = true;
    bool finished = false;
};

ExecProcess::ExecProcess(ExecOptions options) : m_options(std::move(options)) {}

ExecProcess::~ExecProcess() {
    if (running()) {
        ::kill(m_pid, SIGKILL);
        int status = 0;
        ::waitpid(m_pid, &status, 0);
    }
}

std::string ExecProcess::start(boost::asio::io_context& io, reassembly::StreamSink& sink) {
    if (m_options.argv.empty())
        return "sniff exec: no command given (sniff exec [options] -- CMD ARGS...)";
    const ProgramCheck check = check_program(m_options.argv.front());
    if (!check.ok)
        return check.message;
    const std::string preload =
        m_options.preload_path.empty() ? default_preload_path() : m_options.preload_path;
    if (::access(preload.c_str(), R_OK) != 0)
        return "sniff exec: the preload library " + preload + " is missing";

    std::array<int, 2> ends{-1, -1};
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ends.data()) != 0)
        return std::string("sniff exec: socketpair: ") + std::strerror(errno);
    // A larger send buffer lets the program run further ahead of sniff and carry larger
    // fragments (fewer records for a bulk read). Past net.core.wmem_max only with
    // CAP_NET_ADMIN (SO_SNDBUFFORCE); else the kernel caps it.
    const int size = k_socket_buffer;
    if (::setsockopt(ends[1], SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof size) != 0)
        ::setsockopt(ends[1], SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
    struct stat status {};
    ::fstat(ends[1], &status);
    m_impl = std::make_unique<Impl>(*this, io, sink);
    if (auto error = m_impl->ring.create(ring::k_default_size); !error.empty()) {
        ::close(ends[0]);
        ::close(ends[1]);
        return "sniff exec: " + error;
    }

    std::vector<std::string> environment =
        program_environment(m_options, preload, status.st_ino, m_impl->ring.inode());
    std::vector<std::string> arguments = m_options.argv;
    std::vector<char*> envp = pointers(environment);
    std::vector<char*> argv = pointers(arguments);

    m_pid = ::fork();
    if (m_pid < 0) {
        ::close(ends[0]);
        ::close(ends[1]);
        return std::string("sniff exec: fork: ") + std::strerror(errno);
    }
    if (m_pid == 0)
        run_child(ends[1], m_impl->ring.fd(), m_options.stdout_to_stderr, check.path.c_str(),
                  argv.data(), envp.data());
    ::close(ends[1]);
    m_impl->ring.close_fd();
    m_impl->report.assign(ends[0]);
    const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, m_pid, 0));
    if (pidfd >= 0) {
        m_impl->child.assign(pidfd);
        m_impl->wait_for_exit();
    }
    m_impl->wait_for_records();
    return {};
}

void ExecProcess::stop() {
    if (running())
        ::kill(m_pid, SIGINT);
}

void ExecProcess::finish() {
    if (!m_impl || m_impl->finished)
        return;
    m_impl->finished = true;
    while (m_impl->report_open && m_impl->drain(k_batch) && !m_impl->drain_once_empty()) {
    }
    m_impl->read_ring_out();
    if (!m_exit_status) {
        int status = 0;
        if (::waitpid(m_pid, &status, WNOHANG) == m_pid)
            m_exit_status = shell_status(status);
    }
    m_impl->collector.finish();
    boost::system::error_code ignored;
    m_impl->report.cancel(ignored);
    m_impl->child.cancel(ignored);
    m_impl->timer.cancel();
}

const ExecCounters& ExecProcess::counters() const {
    static const ExecCounters none;
    return m_impl ? m_impl->collector.counters() : none;
}

} // namespace sniff::exec
