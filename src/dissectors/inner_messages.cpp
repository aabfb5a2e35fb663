// A layered framing's messages, assembled from their pieces (see inner_messages.hpp).

#include "dissectors/inner_messages.hpp"

#include "dissectors/json_text.hpp"

#include <algorithm>
#include <cstdint>
#include <limits>

namespace sniff::dissect {

namespace {

constexpr std::uint64_t k_no_segment = std::numeric_limits<std::uint64_t>::max();

MessageClass class_of(bool split, bool coalesced) {
    if (split)
        return coalesced ? MessageClass::coalesced_split : MessageClass::split;
    return coalesced ? MessageClass::coalesced : MessageClass::whole;
}

} // namespace

void InnerMessages::begin_segment(const model::SegmentInfo& segment, util::Bytes bytes) {
    m_segment = segment;
    m_bytes = bytes;
    m_use = SegmentUse{};
}

InnerMessages::Open* InnerMessages::open_for(const InnerPiece& piece) {
    auto found = m_open.find(piece.key);
    if (!piece.first)
        return found != m_open.end() ? &found->second : nullptr;
    if (found != m_open.end()) // the framing began a message before ending this one
        finish(piece.key, {}, "a new message began before this one ended", true);
    if (m_open.size() >= k_inner_open)
        return nullptr; // not tracked: counted by the framing's layer only
    Open& open = m_open[piece.key];
    open.message.offset = m_unit + piece.at;
    open.message.header_length = piece.header;
    open.message.first_segment = open.message.last_segment = m_segment.index;
    open.message.first_frame = open.message.last_frame = m_segment.frame;
    open.message.first_time = open.message.last_time = m_segment.time;
    open.end = open.message.offset;
    open.seen_in = k_no_segment;
    ++m_use.starts;
    return &open;
}

void InnerMessages::add_bytes(Open& open, std::uint64_t offset, std::uint64_t length) {
    Message& message = open.message;
    if (open.preview.size() < m_config.preview_bytes && offset >= m_segment.offset &&
        offset - m_segment.offset < m_bytes.size()) {
        const auto at = static_cast<std::size_t>(offset - m_segment.offset);
        const std::size_t take =
            std::min({m_config.preview_bytes - open.preview.size(), m_bytes.size() - at,
                      static_cast<std::size_t>(std::min<std::uint64_t>(length, SIZE_MAX))});
        open.preview.append(reinterpret_cast<const char*>(m_bytes.data() + at), take);
    }
    if (!open.pieces.empty() && open.pieces.back().first + open.pieces.back().second == offset)
        open.pieces.back().second += length; // the same unit, fed in two calls
    else if (open.pieces.size() < k_inner_listed)
        open.pieces.emplace_back(offset, length);
    else
        ++open.unlisted;
    message.length += length;
    message.last_segment = m_segment.index;
    message.last_frame = m_segment.frame;
    message.last_time = m_segment.time;
    open.end = offset + length;
}

void InnerMessages::on_piece(const InnerPiece& piece) {
    m_unit_used = true;
    Open* open = open_for(piece);
    if (open == nullptr)
        return;
    if (open->seen_in != m_segment.index) {
        open->seen_in = m_segment.index;
        ++m_use.touched;
    }
    if (open->units == 0 || open->unit != m_unit) {
        open->unit = m_unit;
        ++open->units;
    }
    if (piece.first && !piece.unit_start)
        open->unit_shared = true;
    if (piece.length > 0)
        add_bytes(*open, m_unit + piece.at, piece.length);
    if (!piece.last)
        return;
    if (piece.reason.empty() && !piece.unit_end)
        open->unit_shared = true;
    finish(piece.key, piece.fields, piece.reason, piece.malformed);
}

void InnerMessages::finish(std::uint64_t key, const std::string& fields, const std::string& reason,
                           bool malformed) {
    const auto found = m_open.find(key);
    if (found == m_open.end())
        return;
    Open& open = found->second;
    Message& message = open.message;
    message.status = reason.empty()
                         ? MessageStatus::complete
                         : (malformed ? MessageStatus::malformed : MessageStatus::truncated);
    message.reason = reason;
    message.span_end = open.end != message.offset + message.length ? open.end : 0;
    std::string json = "{";
    json_field(json, "stream", key);
    if (!fields.empty())
        json += "," + fields;
    json_field(json, "frames", open.units);
    json_field(json, "in_frames",
               json_quote(message_class_name(class_of(open.units > 1, open.unit_shared))));
    std::string pieces = "[";
    for (const auto& [offset, length] : open.pieces)
        pieces += (pieces.size() > 1 ? ",[" : "[") + std::to_string(offset) + "," +
                  std::to_string(length) + "]";
    json_field(json, "pieces", pieces + "]");
    if (open.unlisted > 0)
        json_field(json, "pieces_unlisted", open.unlisted);
    message.header_json = json + "}";
    if (open.seen_in == m_segment.index)
        ++m_use.ends;
    m_done.push_back(std::move(open));
    m_open.erase(found);
}

void InnerMessages::end_all(const std::string& reason) {
    while (!m_open.empty())
        finish(m_open.begin()->first, {}, reason, false);
}

void InnerMessages::end_segment(std::vector<Finished>& out) {
    if (m_use.touched > 1) {
        for (auto& [key, open] : m_open)
            open.shared = open.shared || open.seen_in == m_segment.index;
        for (Open& done : m_done)
            done.shared = done.shared || done.seen_in == m_segment.index;
    }
    for (Open& done : m_done) {
        done.message.message_class =
            class_of(done.message.first_segment != done.message.last_segment, done.shared);
        out.push_back(Finished{std::move(done.message), std::move(done.preview)});
    }
    m_done.clear();
    m_use = SegmentUse{};
}

std::size_t InnerMessages::buffered_bytes() const {
    std::size_t total = m_open.size() * sizeof(Open);
    for (const auto& [key, open] : m_open)
        total += open.preview.capacity() + open.pieces.capacity() * sizeof(open.pieces[0]);
    return total;
}

} // namespace sniff::dissect
