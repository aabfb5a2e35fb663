#pragma once
// Test doubles for reassembly: a sink that records every event per flow and direction (checking
// on the way that data and gaps tile each stream without holes or overlaps), and a maker of
// DecodedPackets for one TCP connection numbered by stream offset.

#include "packet/decoded_packet.hpp"
#include "reassembly/reassembler.hpp"

#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace sniff::reassembly::test {

struct DirectionRecord {
    std::string bytes; // delivered bytes, gaps left out
    std::vector<model::Gap> gaps;
    std::vector<model::SegmentInfo> segments;
    std::uint64_t end = 0;           // offset after the last data or gap event
    std::uint64_t tiling_errors = 0; // events not starting where the previous one ended
};

struct FlowRecord {
    model::Flow opened;
    model::Flow closed;
    std::optional<CloseReason> reason;
    DirectionRecord directions[2];
    DirectionRecord& of(model::Direction d) { return directions[static_cast<int>(d)]; }
};

class RecordingSink : public StreamSink {
public:
    bool keep_bytes = true;
    std::map<std::uint64_t, FlowRecord> flows;                       // by flow id
    std::vector<std::pair<std::uint64_t, model::Anomaly>> anomalies; // flow id (0: none)
    std::uint64_t events_after_close = 0;
    // on_control events: (flow id, direction, note), in order.
    std::vector<std::tuple<std::uint64_t, model::Direction, model::ControlNote>> controls;

    void on_flow_open(const model::Flow& flow) override { flows[flow.id].opened = flow; }
    void on_data(const model::Flow& flow, model::Direction direction,
                 const model::SegmentInfo& segment, util::Bytes bytes) override {
        auto& record = record_of(flow).of(direction);
        if (segment.offset != record.end || segment.length != bytes.size() ||
            segment.index != record.segments.size())
            ++record.tiling_errors;
        record.end = segment.offset + segment.length;
        record.segments.push_back(segment);
        if (keep_bytes)
            record.bytes.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    }
    void on_gap(const model::Flow& flow, model::Direction direction,
                const model::Gap& gap) override {
        auto& record = record_of(flow).of(direction);
        if (gap.offset != record.end || gap.length == 0)
            ++record.tiling_errors;
        record.end = gap.offset + gap.length;
        record.gaps.push_back(gap);
    }
    void on_control(const model::Flow& flow, model::Direction direction,
                    const model::ControlNote& note) override {
        record_of(flow);
        controls.emplace_back(flow.id, direction, note);
    }
    void on_anomaly(const model::Flow* flow, const model::Anomaly& anomaly) override {
        anomalies.emplace_back(flow != nullptr ? flow->id : 0, anomaly);
    }
    void on_flow_close(const model::Flow& flow, CloseReason reason) override {
        auto& record = record_of(flow);
        record.closed = flow;
        record.reason = reason;
    }

    std::size_t count(model::AnomalyKind kind) const {
        std::size_t n = 0;
        for (const auto& [id, anomaly] : anomalies)
            n += anomaly.kind == kind ? 1 : 0;
        return n;
    }
    const model::Anomaly* first(model::AnomalyKind kind) const {
        for (const auto& [id, anomaly] : anomalies)
            if (anomaly.kind == kind)
                return &anomaly;
        return nullptr;
    }
    FlowRecord& flow(std::uint64_t id) { return flows.at(id); }

private:
    FlowRecord& record_of(const model::Flow& flow) {
        auto& record = flows[flow.id];
        if (record.reason)
            ++events_after_close;
        return record;
    }
};

inline util::Bytes bytes_of(std::string_view text) {
    return util::as_bytes(text.data(), text.size());
}

inline model::Endpoint endpoint(std::uint32_t ip, std::uint16_t port) {
    model::Endpoint result;
    result.ip = model::IpAddress::v4(ip);
    result.port = port;
    return result;
}

namespace f = model::tcp_flags;
inline constexpr auto c2s = model::Direction::c2s;
inline constexpr auto s2c = model::Direction::s2c;

// Packets of one TCP connection; data is placed by stream offset (seq = ISN + 1 + offset).
struct Connection {
    model::Endpoint client = endpoint(0x0a000001, 40000);
    model::Endpoint server = endpoint(0x0a000002, 80);
    std::uint32_t isn[2] = {1000, 9000};

    std::uint32_t seq_at(model::Direction d, std::uint64_t offset) const {
        return isn[static_cast<int>(d)] + 1 + static_cast<std::uint32_t>(offset);
    }
    packet::DecodedPacket raw(model::Direction d, std::uint32_t seq, std::string_view payload,
                              std::uint8_t flags, std::uint16_t window = 65535) const {
        packet::DecodedPacket p;
        p.protocol = model::Protocol::tcp;
        p.source = d == c2s ? client : server;
        p.destination = d == c2s ? server : client;
        p.tcp.seq = seq;
        p.tcp.ack = 1;
        p.tcp.flags = flags;
        p.tcp.window = window;
        p.payload = bytes_of(payload);
        return p;
    }
    packet::DecodedPacket syn() const { return raw(c2s, isn[0], "", f::syn); }
    packet::DecodedPacket syn_ack() const { return raw(s2c, isn[1], "", f::syn | f::ack); }
    packet::DecodedPacket data(model::Direction d, std::uint64_t offset, std::string_view payload,
                               std::uint8_t flags = f::psh | f::ack,
                               std::uint16_t window = 65535) const {
        return raw(d, seq_at(d, offset), payload, flags, window);
    }
    packet::DecodedPacket fin(model::Direction d, std::uint64_t offset) const {
        return data(d, offset, "", f::fin | f::ack);
    }
    packet::DecodedPacket rst(model::Direction d, std::uint64_t offset) const {
        return data(d, offset, "", f::rst);
    }
    packet::DecodedPacket ack(model::Direction d, std::uint64_t offset,
                              std::uint16_t window = 65535) const {
        return data(d, offset, "", f::ack, window);
    }
};

struct Harness {
    explicit Harness(ReassemblyConfig config = {}) : reassembler(config, sink) {}

    void feed(const packet::DecodedPacket& packet) {
        reassembler.add(packet, ++frame, time += 1000);
    }
    void handshake(const Connection& c) {
        feed(c.syn());
        feed(c.syn_ack());
        feed(c.ack(c2s, 0));
    }

    RecordingSink sink;
    Reassembler reassembler;
    std::uint64_t frame = 0;
    model::Timestamp time = 1'000'000;
};

} // namespace sniff::reassembly::test
