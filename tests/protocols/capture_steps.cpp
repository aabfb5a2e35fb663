#include "protocols/capture_steps.hpp"

#include <fstream>
#include <stdexcept>

namespace sniff::protocols {

ProtocolCapture prepare_capture(const std::string& name, const std::filesystem::path& dir,
                                const std::string& preset,
                                const std::vector<std::string>& programs) {
    ProtocolCapture capture{name, capture_prerequisites(), dir / (preset + ".pcap"), 0, preset};
    for (const auto& program : programs)
        if (capture.skip.empty() && !test::have_program(program))
            capture.skip = program + " is not installed (./run test installs it)";
    if (capture.skip.empty())
        capture.port = free_port();
    return capture;
}

test::CommandResult run_logged(const std::string& command, int seconds,
                               const std::filesystem::path& log) {
    auto result = test::run_command("timeout " + std::to_string(seconds) + " " + command);
    std::ofstream(log, std::ios::app)
        << "$ " << command << "\n"
        << result.out << result.err << "exit " << result.exit_code << "\n";
    return result;
}

void run_checked(const std::string& command, int seconds, const std::filesystem::path& log) {
    const auto result = run_logged(command, seconds, log);
    if (result.exit_code != 0)
        throw std::runtime_error("failed: " + command + "\n" + result.out + result.err);
}

void require_listening(int port, const Background& server, int timeout_ms) {
    if (!wait_for_port(port, timeout_ms))
        throw std::runtime_error("server did not listen on port " + std::to_string(port) + ":\n" +
                                 server.log());
}

void require_started(const LoopbackCapture& capture) {
    if (!capture.started())
        throw std::runtime_error("dumpcap did not start:\n" + capture.log());
}

} // namespace sniff::protocols
