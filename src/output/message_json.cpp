#include "output/message_json.hpp"

#include "dissectors/glue_hint.hpp"
#include "dissectors/pairing.hpp"
#include "util/escape.hpp"

#include <nlohmann/json.hpp>

namespace sniff::output {

using nlohmann::json;

namespace {

std::uint64_t key_of(const model::Flow& flow, model::Direction direction) {
    return flow.id * 2 + static_cast<std::uint64_t>(direction);
}

} // namespace

MessageJsonWriter::DirectionText& MessageJsonWriter::text_of(const model::Flow& flow,
                                                             model::Direction direction) {
    DirectionText& text = m_directions[key_of(flow, direction)];
    if (text.begun.empty())
        text.begun = flow_line("message", flow, direction).text();
    return text;
}

void MessageJsonWriter::on_message(const model::Flow& flow, const dissect::Message& message,
                                   util::Bytes preview) {
    const DirectionText& text = text_of(flow, message.direction);
    if (text.timed) {
        Times& times = m_times[key_of(flow, message.direction)];
        if (times.times.size() < k_max_timed)
            times.times.push_back(message.direction == model::Direction::c2s ? message.last_time
                                                                             : message.first_time);
        else
            times.overflow = true;
    }
    JsonLine line(text.begun);
    line.field("index", message.index)
        .field("offset", message.offset)
        .field("length", message.length)
        .field("header_length", message.header_length)
        .field("class", dissect::message_class_name(message.message_class))
        .field("status", dissect::message_status_name(message.status));
    if (!message.reason.empty())
        line.field("reason", message.reason);
    std::string segments = "[";
    for (auto index = message.first_segment; index <= message.last_segment; ++index) {
        if (index != message.first_segment)
            segments += ',';
        segments += std::to_string(index);
    }
    if (message.span_end != 0)
        line.field("end", message.span_end); // pieces of a layered framing's units
    line.raw("segments", segments + "]")
        .raw("frames", "[" + std::to_string(message.first_frame) + "," +
                           std::to_string(message.last_frame) + "]")
        .seconds("first_time", message.first_time)
        .seconds("last_time", message.last_time)
        .field("framing", text.spec)
        .field("preview", util::escape_bytes(preview));
    if (message.would_truncate)
        line.field("would_truncate", true);
    if (!message.header_json.empty()) {
        const auto header = json::parse(message.header_json, nullptr, false);
        if (!header.is_discarded())
            line.raw("header", header.dump(-1, ' ', true, json::error_handler_t::replace));
    }
    m_writer.write(line);
}

void MessageJsonWriter::on_framing(const model::Flow& flow, const dissect::FramingChoice& choice) {
    DirectionText& text = text_of(flow, choice.direction);
    text.spec = choice.spec;
    text.timed = dissect::pair_shape(choice.spec).has_value();
    json object{{"type", "framing"}};
    put_flow_fields(object, flow, choice.direction);
    object["spec"] = choice.spec;
    object["guessed"] = choice.guessed;
    object["confidence"] = choice.confidence;
    object["uncertain"] = choice.uncertain;
    if (!choice.basis.empty())
        object["basis"] = choice.basis;
    if (!choice.disagrees.empty())
        object["disagrees"] = choice.disagrees;
    m_writer.write(object);
}

void MessageJsonWriter::on_direction_end(const model::Flow& flow,
                                         const dissect::DirectionSummary& summary) {
    m_directions.erase(key_of(flow, summary.direction));
    write_direction_summary(flow, summary);
    // The engine ends c2s, then s2c: the pair is complete at s2c.
    if (summary.direction == model::Direction::c2s) {
        m_c2s_summaries[flow.id] = summary;
        return;
    }
    const auto c2s = m_c2s_summaries.find(flow.id);
    if (c2s == m_c2s_summaries.end()) {
        m_times.erase(key_of(flow, model::Direction::c2s));
        m_times.erase(key_of(flow, model::Direction::s2c));
        return;
    }
    if (const auto pairing = dissect::pair_messages(c2s->second, summary)) {
        json object{{"type", "pairing"}};
        put_flow_fields(object, flow, model::Direction::c2s);
        object.erase("dir");
        object["requests"] = pairing->requests;
        object["answers"] = pairing->answers;
        object["expected_answers"] = pairing->expected_answers;
        object["agree"] = pairing->agree();
        object["requests_whole"] = pairing->requests_whole;
        object["text"] = dissect::pairing_text(*pairing);
        m_writer.write(object);
        if (!pairing->agree())
            write_glue_hints(flow, c2s->second, summary);
    }
    m_c2s_summaries.erase(c2s);
    m_times.erase(key_of(flow, model::Direction::c2s));
    m_times.erase(key_of(flow, model::Direction::s2c));
}

// One "glue_hint" line per group of requests the answers point at, naming the requests by
// their message indexes.
void MessageJsonWriter::write_glue_hints(const model::Flow& flow,
                                         const dissect::DirectionSummary& c2s,
                                         const dissect::DirectionSummary& s2c) {
    const auto shape = dissect::message_shape(c2s, s2c);
    const auto& requests = m_times[key_of(flow, model::Direction::c2s)];
    const auto& answers = m_times[key_of(flow, model::Direction::s2c)];
    if (!shape || requests.overflow || answers.overflow || requests.times.size() != c2s.messages ||
        answers.times.size() != s2c.messages)
        return;
    for (const auto& hint : dissect::glue_hints(requests.times, answers.times, *shape)) {
        json object{{"type", "glue_hint"}};
        put_flow_fields(object, flow, model::Direction::c2s);
        object["first_request"] = hint.first_request;
        object["last_request"] = hint.last_request;
        object["answer"] = hint.answer ? json(*hint.answer) : json(nullptr);
        object["text"] = dissect::glue_hint_text(hint);
        m_writer.write(object);
    }
}

void MessageJsonWriter::write_direction_summary(const model::Flow& flow,
                                                const dissect::DirectionSummary& summary) {
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
    if (!summary.layer.empty()) {
        object["layer"] = summary.layer;
        object["layer_units"] = summary.layer_units;
    }
    if (summary.stopped)
        object["stop_reason"] = summary.stop_reason;
    m_writer.write(object);
}

} // namespace sniff::output
