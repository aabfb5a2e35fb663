#include "pipeline/output_set.hpp"

#include <nlohmann/json.hpp>

namespace sniff::pipeline {

std::optional<OutputSet::Error> OutputSet::build(const Options& options,
                                                 dissect::FramingSelector selector) {
    m_json = options.json;
    const bool dissect = !options.framings.empty() || options.udp_bufsize.has_value();
    m_summary = std::make_unique<output::SummaryPrinter>(stdout, !dissect && !m_json);
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
    if (!dissect)
        return std::nullopt;
    dissect::MessageSink* messages = nullptr;
    if (m_json) {
        m_message_json = std::make_unique<output::MessageJsonWriter>(*m_json_writer);
        messages = m_message_json.get();
    } else {
        m_report = std::make_unique<output::MessageReport>(stdout);
        messages = m_report.get();
    }
    dissect::EngineConfig config;
    config.udp_bufsize = options.udp_bufsize.value_or(0);
    m_engine = std::make_unique<dissect::DissectorEngine>(std::move(selector), *messages, config);
    m_fanout.add(*m_engine);
    if (m_report)
        m_fanout.add(*m_report); // after the engine: a flow's block prints after its messages
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
    }
    std::fflush(stdout);
    if (m_streams)
        return m_streams->finish(error);
    return true;
}

} // namespace sniff::pipeline
