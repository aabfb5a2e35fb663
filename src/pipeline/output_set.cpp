#include "pipeline/output_set.hpp"

#include "report/report_collector.hpp"

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
    if (!text_messages && report == nullptr)
        return std::nullopt;
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
    dissect::EngineConfig config;
    config.udp_bufsize = options.udp_bufsize.value_or(0);
    m_engine = std::make_unique<dissect::DissectorEngine>(std::move(selector), m_messages, config);
    m_fanout.add(*m_engine);
    // After the engine: a flow's block prints (and its summaries arrive) after its messages.
    if (m_report)
        m_fanout.add(*m_report);
    if (report != nullptr)
        m_fanout.add(*report);
    return std::nullopt;
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
        m_json_writer->write_end(end);
    } else {
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
