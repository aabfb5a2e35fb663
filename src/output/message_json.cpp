#include "output/message_json.hpp"

#include "util/escape.hpp"

#include <nlohmann/json.hpp>

namespace sniff::output {

using nlohmann::json;

namespace {

std::uint64_t key_of(const model::Flow& flow, model::Direction direction) {
    return flow.id * 2 + static_cast<std::uint64_t>(direction);
}

} // namespace

void MessageJsonWriter::on_message(const model::Flow& flow, const dissect::Message& message,
                                   util::Bytes preview) {
    json object{{"type", "message"}};
    put_flow_fields(object, flow, message.direction);
    object["index"] = message.index;
    object["offset"] = message.offset;
    object["length"] = message.length;
    object["header_length"] = message.header_length;
    object["class"] = dissect::message_class_name(message.message_class);
    object["status"] = dissect::message_status_name(message.status);
    if (!message.reason.empty())
        object["reason"] = message.reason;
    json segments = json::array();
    for (auto index = message.first_segment; index <= message.last_segment; ++index)
        segments.push_back(index);
    object["segments"] = std::move(segments);
    object["frames"] = {message.first_frame, message.last_frame};
    object["first_time"] = static_cast<double>(message.first_time) / 1e9;
    object["last_time"] = static_cast<double>(message.last_time) / 1e9;
    const auto spec = m_specs.find(key_of(flow, message.direction));
    object["framing"] = spec == m_specs.end() ? "raw" : spec->second;
    object["preview"] = util::escape_bytes(preview);
    if (message.would_truncate)
        object["would_truncate"] = true;
    if (!message.header_json.empty()) {
        auto header = json::parse(message.header_json, nullptr, false);
        if (!header.is_discarded())
            object["header"] = std::move(header);
    }
    m_writer.write(object);
}

void MessageJsonWriter::on_framing(const model::Flow& flow, const dissect::FramingChoice& choice) {
    m_specs[key_of(flow, choice.direction)] = choice.spec;
    json object{{"type", "framing"}};
    put_flow_fields(object, flow, choice.direction);
    object["spec"] = choice.spec;
    object["guessed"] = choice.guessed;
    object["confidence"] = choice.confidence;
    object["uncertain"] = choice.uncertain;
    m_writer.write(object);
}

void MessageJsonWriter::on_direction_end(const model::Flow& flow,
                                         const dissect::DirectionSummary& summary) {
    m_specs.erase(key_of(flow, summary.direction));
    json object{{"type", "direction_summary"}};
    put_flow_fields(object, flow, summary.direction);
    object["framing"] = summary.spec;
    object["messages"] = summary.messages;
    object["whole"] = summary.by_class[0];
    object["coalesced"] = summary.by_class[1];
    object["split"] = summary.by_class[2];
    object["coalesced_split"] = summary.by_class[3];
    object["truncated"] = summary.by_status[1];
    object["malformed"] = summary.by_status[2];
    object["skipped_bytes"] = summary.skipped_bytes;
    if (summary.stopped)
        object["stop_reason"] = summary.stop_reason;
    m_writer.write(object);
}

} // namespace sniff::output
