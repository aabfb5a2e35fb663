#pragma once
// The views a run writes to, chosen from the options and wired behind one StreamSink: the summary
// or the message report (text), JSON Lines, stream files, and the dissector engine in front of
// the message views. Every source (file, live capture, proxy) feeds the same set.

#include "dissectors/engine.hpp"
#include "dissectors/message_fanout.hpp"
#include "exec/mixed_reads.hpp"
#include "output/connection_twins.hpp"
#include "output/json_events.hpp"
#include "output/message_json.hpp"
#include "output/message_report.hpp"
#include "output/stream_files.hpp"
#include "output/summary_printer.hpp"
#include "pipeline/options.hpp"

#include <memory>
#include <optional>

namespace sniff::report {
class ReportCollector;
}

namespace sniff::pipeline {

class OutputSet {
public:
    // Builds the views (the engine with the run's framings only when messages are asked for);
    // returns the error when an output cannot be opened.
    struct Error {
        int exit_code = 2;
        std::string message;
    };
    // report: the HTML report's collector (--report), fed the events and messages too, or null.
    std::optional<Error> build(const Options& options, dissect::FramingSelector selector,
                               report::ReportCollector* report = nullptr);

    reassembly::StreamSink& sink() { return m_fanout; }
    // Totals, end object and stream index; returns false (and error) when an output failed.
    bool finish(const std::string& source_label, const nlohmann::json& end_fields,
                std::string& error);
    const output::Totals& totals() const { return m_summary->totals(); }

private:
    void print_mixed_reads() const;

    reassembly::SinkFanout m_fanout;
    bool m_json = false;
    std::unique_ptr<output::SummaryPrinter> m_summary;
    std::unique_ptr<output::JsonEventWriter> m_json_writer;
    std::unique_ptr<output::StreamFileWriter> m_streams;
    std::unique_ptr<output::MessageReport> m_report;
    std::unique_ptr<output::MessageJsonWriter> m_message_json;
    dissect::MessageFanout m_messages;
    std::unique_ptr<exec::MixedReads> m_mixed;        // sniff exec: reads that mixed messages
    std::unique_ptr<output::ConnectionTwins> m_twins; // sniff exec -i: both views of one connection
    std::unique_ptr<dissect::DissectorEngine> m_engine;
};

} // namespace sniff::pipeline
