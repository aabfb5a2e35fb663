#include "protocols/harness.hpp"

#include "support/process.hpp"

#include <arpa/inet.h>
#include <csignal>
#include <fcntl.h>
#include <netinet/in.h>
#include <nlohmann/json.hpp>
#include <spawn.h>
#include <sstream>
#include <stdexcept>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

namespace sniff::protocols {

namespace {

void sleep_ms(int ms) {
    usleep(static_cast<useconds_t>(ms) * 1000);
}

bool bindable(int type, int port) {
    const int fd = socket(AF_INET, type, 0);
    if (fd < 0)
        return false;
    auto address = loopback(port);
    const bool ok = bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    close(fd);
    return ok;
}

std::vector<std::string> split(const std::string& text, char separator) {
    std::vector<std::string> parts;
    std::string part;
    std::istringstream in(text);
    while (std::getline(in, part, separator))
        parts.push_back(part);
    return parts;
}

} // namespace

sockaddr_in loopback(int port) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return address;
}

Background::Background(const std::string& command, const std::filesystem::path& log) : m_log(log) {
    const std::string script = "exec " + command;
    const char* argv[] = {"/bin/sh", "-c", script.c_str(), nullptr};
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    // Its own process group, so stop() can also reach the children a server forks.
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attributes, 0);
    const int error =
        posix_spawn(&m_pid, "/bin/sh", &actions, &attributes, const_cast<char**>(argv), environ);
    posix_spawnattr_destroy(&attributes);
    posix_spawn_file_actions_destroy(&actions);
    if (error != 0)
        throw std::runtime_error("cannot start: " + command);
}

Background::~Background() {
    stop(SIGTERM, 3000);
}

bool Background::running() {
    if (m_reaped)
        return false;
    siginfo_t info{};
    // WNOWAIT: look without reaping, so the group id stays reserved until stop() kills the group.
    if (waitid(P_PID, static_cast<id_t>(m_pid), &info, WEXITED | WNOHANG | WNOWAIT) != 0)
        return false;
    return info.si_pid == 0;
}

void Background::stop(int signal, int wait_ms) {
    if (m_reaped)
        return;
    kill(m_pid, signal);
    for (int waited = 0; waited < wait_ms && running(); waited += 20)
        sleep_ms(20);
    kill(-m_pid, SIGKILL); // whatever the process left in its group (or the process itself)
    int status = 0;
    waitpid(m_pid, &status, 0);
    m_reaped = true;
}

std::string Background::log() const {
    return test::read_file(m_log);
}

// -B 64: a 64 MiB kernel buffer; with the default 2 MiB, dumpcap dropped 64 KiB loopback segments
// of nginx's 1 MB response (issue 15's capture).
LoopbackCapture::LoopbackCapture(const std::filesystem::path& file, int port,
                                 const std::string& protocol)
    // No -q: dumpcap's last line then gives the packets dropped, which tells a lossy capture
    // (a busy machine) from a dissector's mistake.
    : m_process("dumpcap -P -B 64 -i lo -f " +
                    shell_quote((protocol.empty() ? "" : protocol + " ") + "port " +
                                std::to_string(port)) +
                    " -w " + shell_quote(file.string()),
                file.string() + ".log") {
    for (int tries = 0; tries < 100 && !m_started && m_process.running(); ++tries) {
        sleep_ms(100);
        m_started = log().find("Capturing on") != std::string::npos;
    }
    // dumpcap says so a little before its socket sees packets.
    if (m_started)
        sleep_ms(1000);
}

void LoopbackCapture::stop() {
    sleep_ms(500); // let the last packets reach the file
    m_process.stop(SIGINT);
}

long LoopbackCapture::dropped() const {
    const std::string said = log();
    const std::string mark = "received/dropped on interface";
    const auto line = said.rfind(mark);
    if (line == std::string::npos)
        return -1;
    const auto colon = said.find("': ", line);
    const auto slash = said.find('/', colon == std::string::npos ? line : colon);
    if (colon == std::string::npos || slash == std::string::npos)
        return -1;
    try {
        return std::stol(said.substr(slash + 1));
    } catch (const std::exception&) {
        return -1;
    }
}

int free_port() {
    for (int tries = 0; tries < 50; ++tries) {
        const int fd = socket(AF_INET, SOCK_STREAM, 0);
        auto address = loopback(0);
        socklen_t length = sizeof address;
        bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
        getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
        close(fd);
        const int port = ntohs(address.sin_port);
        if (port != 0 && bindable(SOCK_STREAM, port) && bindable(SOCK_DGRAM, port))
            return port;
    }
    throw std::runtime_error("no free loopback port");
}

bool wait_for_port(int port, int timeout_ms) {
    for (int waited = 0; waited < timeout_ms; waited += 100) {
        const int fd = socket(AF_INET, SOCK_STREAM, 0);
        auto address = loopback(port);
        const bool ok = connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
        close(fd);
        if (ok)
            return true;
        sleep_ms(100);
    }
    return false;
}

SniffReport sniff_report(const std::filesystem::path& file, const std::string& framing) {
    const auto result =
        test::run_command(std::string(SNIFF_BIN) + " -q -r " + shell_quote(file.string()) +
                          " --framing " + shell_quote(framing) + " --json");
    if (result.exit_code != 0)
        throw std::runtime_error("sniff failed with --framing " + framing + ": " + result.err);
    SniffReport report;
    std::istringstream lines(result.out);
    std::string line;
    while (std::getline(lines, line)) {
        const auto object = nlohmann::json::parse(line, nullptr, false);
        if (object.is_discarded() || !object.is_object())
            throw std::runtime_error("sniff printed a line that is not JSON: " + line);
        const auto type = object.value("type", "");
        if (type == "flow" && object.value("event", "") == "open")
            ++report.flows;
        if (type == "direction_summary")
            report.skipped_bytes += object.value("skipped_bytes", 0L);
        if (type != "message")
            continue;
        const bool c2s = object.at("dir") == "c2s";
        auto& counts = object.at("status") == "complete" ? report.complete : report.other;
        ++(c2s ? counts.c2s : counts.s2c);
        const auto key = std::to_string(object.at("flow").get<long>()) + "/" +
                         object.at("dir").get<std::string>();
        report.boundaries[key].push_back(std::to_string(object.at("offset").get<long>()) + "+" +
                                         std::to_string(object.at("length").get<long>()));
    }
    return report;
}

std::vector<Guess> sniff_auto_guesses(const std::filesystem::path& file) {
    const auto result = test::run_command(std::string(SNIFF_BIN) + " -q -r " +
                                          shell_quote(file.string()) + " --framing auto --json");
    if (result.exit_code != 0)
        throw std::runtime_error("sniff --framing auto failed: " + result.err);
    std::vector<Guess> guesses;
    std::istringstream lines(result.out);
    std::string line;
    while (std::getline(lines, line)) {
        const auto object = nlohmann::json::parse(line, nullptr, false);
        if (object.is_discarded() || object.value("type", "") != "framing")
            continue;
        guesses.push_back({std::to_string(object.at("flow").get<long>()) + "/" +
                               object.at("dir").get<std::string>(),
                           object.at("spec"), object.value("confidence", 0.0),
                           object.value("uncertain", false)});
    }
    return guesses;
}

std::vector<TsharkFrame> tshark_frames(const std::filesystem::path& file, int port,
                                       const std::string& protocol, const std::string& field,
                                       const std::string& options) {
    const std::string port_text = std::to_string(port);
    // '|' joins the occurrences of a field within one frame: no value we count contains it.
    // A loopback capture on two CPUs sometimes records a segment after the next one; tshark's
    // TCP reassembly leaves such a stream undissected unless told to reorder (its default),
    // and then reads a 1 MB body of zeros as 23,000 AMQP frames.
    const auto result = test::run_command(
        "tshark -n -o tcp.reassemble_out_of_order:TRUE -r " + shell_quote(file.string()) +
        " -d tcp.port==" + port_text + "," + protocol + " " + options + " -Y " +
        shell_quote(field) + " -T fields -e frame.number -e tcp.stream -e tcp.srcport -e " + field +
        " -E occurrence=a -E 'aggregator=|'");
    if (result.exit_code != 0)
        throw std::runtime_error("tshark failed: " + result.err);
    std::vector<TsharkFrame> frames;
    std::istringstream lines(result.out);
    std::string line;
    while (std::getline(lines, line)) {
        const auto columns = split(line, '\t');
        if (columns.size() < 4)
            continue;
        TsharkFrame frame;
        frame.frame = std::stol(columns[0]);
        frame.stream = std::stoi(columns[1]);
        frame.from_server = columns[2] == port_text;
        for (const auto& value : split(columns[3], '|'))
            if (!value.empty())
                frame.values.push_back(value);
        frames.push_back(std::move(frame));
    }
    return frames;
}

DirectionCounts count_occurrences(const std::vector<TsharkFrame>& frames) {
    DirectionCounts counts;
    for (const auto& frame : frames)
        (frame.from_server ? counts.s2c : counts.c2s) += static_cast<long>(frame.values.size());
    return counts;
}

std::string shell_quote(const std::string& text) {
    std::string quoted = "'";
    for (const char c : text)
        quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return quoted + "'";
}

bool is_root() {
    return geteuid() == 0;
}

} // namespace sniff::protocols
