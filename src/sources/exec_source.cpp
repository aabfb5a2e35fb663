#include "sources/exec_source.hpp"

#include "exec/program_check.hpp"
#include "sources/asio.hpp"
#include "util/plural.hpp"

#include <cinttypes>
#include <cstdio>
#include <nlohmann/json.hpp>

namespace sniff::sources {

ExecSource::ExecSource(const pipeline::Options& options) : m_options(options) {}
ExecSource::~ExecSource() = default;

std::string ExecSource::title() const {
    std::string text = "exec";
    for (const auto& word : m_options.exec_command)
        text += " " + word;
    return text;
}

int ExecSource::open(const SourceSetup&) {
    const auto check = exec::check_program(m_options.exec_command.front());
    if (!check.ok) {
        std::fprintf(stderr, "sniff exec: %s\n", check.message.c_str());
        return 2;
    }
    const bool stdout_is_sniffs = m_options.json || m_options.write_file == "-";
    m_process = std::make_unique<exec::ExecProcess>(
        exec::ExecOptions{m_options.exec_command, {}, {}, stdout_is_sniffs});
    return 0;
}

// -w records the program's calls when it runs alone; beside a live capture -w is the capture's.
int ExecSource::open_files() {
    if (m_options.write_file.empty() || !m_options.interface_name.empty())
        return 0;
    if (!m_pcap.open(m_options.write_file, {})) {
        std::fprintf(stderr, "sniff: %s: %s\n", m_options.write_file.c_str(),
                     m_pcap.error().c_str());
        return 1;
    }
    m_recorder = std::make_unique<proxy::PcapRecorder>(m_pcap);
    m_sinks.add(*m_recorder);
    return 0;
}

void ExecSource::start(SourceContext& context) {
    m_sinks.add(context.sink);
    m_process->on_exit([ended = context.ended] { ended(); });
    if (const auto error = m_process->start(context.io, m_sinks); !error.empty()) {
        std::fprintf(stderr, "sniff exec: %s\n", error.c_str());
        m_failed = true;
        boost::asio::post(context.io, context.ended);
    }
}

void ExecSource::stop() {
    if (m_process && m_process->running())
        m_process->stop();
}

bool ExecSource::draining() const {
    return m_process && m_process->running();
}

bool ExecSource::finish() {
    if (m_process)
        m_process->finish();
    if (m_recorder && !m_pcap.close()) {
        std::fprintf(stderr, "sniff: %s: %s\n", m_options.write_file.c_str(),
                     m_pcap.error().c_str());
        return false;
    }
    return !m_failed;
}

void ExecSource::add_end_fields(nlohmann::json& end) const {
    if (!m_process)
        return;
    const auto& counters = m_process->counters();
    end["exec"] = nlohmann::json{{"command", m_options.exec_command.front()},
                                 {"calls", counters.calls},
                                 {"read_calls", counters.read_calls},
                                 {"write_calls", counters.write_calls},
                                 {"bytes_read", counters.bytes_read},
                                 {"bytes_written", counters.bytes_written},
                                 {"flows", counters.flows},
                                 {"errors", counters.errors},
                                 {"truncated_datagrams", counters.truncated_datagrams},
                                 {"malformed_records", counters.malformed}};
    if (const auto status = m_process->exit_status())
        end["exec"]["exit_status"] = *status;
}

void ExecSource::print_summary() const {
    if (!m_process)
        return;
    const auto& counters = m_process->counters();
    using util::counted;
    std::fprintf(stderr, "sniff: exec: %s (%s, %s), %" PRIu64 " B read, %" PRIu64 " B written, %s",
                 counted(counters.calls, "socket call").c_str(),
                 counted(counters.read_calls, "read").c_str(),
                 counted(counters.write_calls, "write").c_str(), counters.bytes_read,
                 counters.bytes_written, counted(counters.flows, "flow").c_str());
    if (counters.malformed > 0)
        std::fprintf(stderr, "; %" PRIu64 " malformed reports skipped", counters.malformed);
    if (const auto status = m_process->exit_status())
        std::fprintf(stderr, "; %s exited with status %d", m_options.exec_command.front().c_str(),
                     *status);
    std::fputc('\n', stderr);
}

std::optional<int> ExecSource::exit_status() const {
    return m_process ? m_process->exit_status() : std::nullopt;
}

} // namespace sniff::sources
