#pragma once
// sniff exec -- CMD: the program's own socket calls as a source. CMD runs with the preload
// library (exec/exec_process.hpp); each of its reads and writes is one chunk of its flow, so
// every view shows the application's recv() calls against the messages. -w records them as a
// pcap, as the proxy's chunks are.

#include "capture/pcap_writer.hpp"
#include "exec/exec_process.hpp"
#include "pipeline/options.hpp"
#include "proxy/pcap_recorder.hpp"
#include "sources/source.hpp"

#include <memory>
#include <optional>

namespace sniff::sources {

class ExecSource final : public Source {
public:
    explicit ExecSource(const pipeline::Options& options);
    ~ExecSource() override;

    model::FlowOrigin origin() const override { return model::FlowOrigin::exec; }
    std::string label() const override { return "exec " + m_options.exec_command.front(); }
    std::string title() const override;
    // Refuses a program the preload library cannot see (static, setuid) or cannot find: 2.
    int open(const SourceSetup& setup) override;
    int open_files() override;
    // Starts the program; ended() once it exited and its report is read.
    void start(SourceContext& context) override;
    // Passes SIGINT to the program; the run waits (draining) until it exits.
    void stop() override;
    bool draining() const override;
    bool finish() override;
    void add_end_fields(nlohmann::json& end) const override;
    void print_summary() const override;
    std::optional<int> exit_status() const override;

private:
    const pipeline::Options& m_options;
    std::unique_ptr<exec::ExecProcess> m_process;
    reassembly::SinkFanout m_sinks; // the recording, then the run's sink
    capture::PcapWriter m_pcap;
    std::unique_ptr<proxy::PcapRecorder> m_recorder;
    bool m_failed = false;
};

} // namespace sniff::sources
