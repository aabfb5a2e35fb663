#include "pipeline/output_set.hpp"

#include "report/report_collector.hpp"
#include "util/plural.hpp"

#include <nlohmann/json.hpp>

namespace sniff::pipeline {

std::optional<OutputSet::Error> OutputSet::build(const Options& options,
                                                 dissect::FramingSelector selector,
                                                 report::ReportCollector* report) {
    m_json = options.json;
    // Messages are printed when a framing was asked for; the HTML report wants them in any case.
    const bool text_messages = !options.framings.empty() || options.udp_bufsize.has_value();
    m_summary = std::make_unique<output::SummaryPrinter>(stdout, !text_messages && !m_json);
    m_fanout.add(*m_summary);
    if (m_json) {
        m_json_writer = std::make_unique<output::JsonEventWriter>(stdout);
        m_fanout.add(*m_json_writer);
    }
    if (!options.write_streams.empty()) {
        m_streams = std::make_unique<output::StreamFileWriter>();
        std::string error;
        if (!m_streams->open(options.write_streams, error))
            return Error{1, error};
        m_fanout.add(*m_streams);
    }
    if (!options.exec_command.empty() && !options.interface_name.empty() && !m_json)
        // sniff exec -i: each connection as the wire carried it and as the program read it.
        m_twins = std::make_unique<output::ConnectionTwins>(stdout, options.summary);
    if (!text_messages && report == nullptr) {
        if (m_twins)
            m_fanout.add(*m_twins);
        return std::nullopt;
    }
    if (text_messages && m_json) {
        m_message_json = std::make_unique<output::MessageJsonWriter>(*m_json_writer);
        m_messages.add(*m_message_json);
    } else if (text_messages) {
        // --summary keeps its promise of one line per flow, the messages counted on it.
        m_report = std::make_unique<output::MessageReport>(
            stdout,
            options.summary ? output::ReportStyle::flow_lines : output::ReportStyle::messages);
        m_messages.add(*m_report);
    }
    if (report != nullptr)
        m_messages.add(*report);
    if (m_twins)
        m_messages.add(*m_twins);
    dissect::EngineConfig config;
    config.udp_bufsize = options.udp_bufsize.value_or(0);
    dissect::MessageSink* messages = &m_messages;
    if (!options.exec_command.empty()) {
        // sniff exec: the program's reads that mixed two messages, found between the engine and
        // the views; it learns each call's name from the events, so it sees them first.
        m_mixed = std::make_unique<exec::MixedReads>(m_messages);
        m_fanout.add(*m_mixed);
        messages = m_mixed.get();
    }
    m_engine = std::make_unique<dissect::DissectorEngine>(std::move(selector), *messages, config);
    m_fanout.add(*m_engine);
    // After the engine: a flow's block prints (and its summaries arrive) after its messages.
    if (m_report)
        m_fanout.add(*m_report);
    if (report != nullptr)
        m_fanout.add(*report);
    if (m_twins) // last: the two views print after both flows' blocks
        m_fanout.add(*m_twins);
    return std::nullopt;
}

// What a sniff exec user looks for, before the totals: the reads that glued two messages.
void OutputSet::print_mixed_reads() const {
    if (!m_mixed)
        return;
    std::printf("\n%s returned bytes of two or more messages, %s ended inside a message%s\n",
                util::counted(m_mixed->mixed_reads(), "call").c_str(),
                util::counted(m_mixed->reads_ending_inside(), "read").c_str(),
                m_mixed->listed().empty() ? "" : ":");
    for (const auto& line : m_mixed->listed())
        std::printf("  %s\n", line.c_str());
}

bool OutputSet::finish(const std::string& source_label, const nlohmann::json& end_fields,
                       std::string& error) {
    if (m_json) {
        nlohmann::json end = end_fields;
        const auto& totals = m_summary->totals();
        end["flows"] = totals.flows;
        end["stream_bytes"] = totals.stream_bytes;
        end["gaps"] = totals.gaps;
        end["anomalies"] = totals.anomalies;
        if (m_mixed) {
            end["mixed_reads"] = m_mixed->mixed_reads();
            end["reads_ending_inside"] = m_mixed->reads_ending_inside();
            end["mixed_reads_listed"] = m_mixed->listed();
        }
        m_json_writer->write_end(end);
    } else {
        print_mixed_reads();
        m_summary->print_totals(source_label);
        if (m_report) // messages by class, request/answer pairing, what segments are
            m_report->print_totals();
    }
    std::fflush(stdout);
    if (m_streams)
        return m_streams->finish(error);
    return true;
}

} // namespace sniff::pipeline
