#pragma once
// `sniff exec -i IFACE`: one TCP connection seen from several places at once: as the wire carried
// it (captured segments) and as the program read and wrote it (its own calls, at the client's end,
// the server's end, or both when both ends are in the program). The views are matched by
// protocol, client and server address; each must have seen the connection open, so their stream
// offsets agree. Once all have closed they are printed together, the article's whole story in one
// block per direction, in the order the bytes travelled:
//
//     client writes  |0                          |      1 call
//     wire           |0                          |      1 segment
//     server reads   |0       |1        |2       |      3 calls
//     text           \x00\x00\x00\x05hello\x00...
//     msgs           |0           |1             |      2 messages
//
// Memory is bounded: the first k_picture_bytes of each direction, counters, and at most
// k_max_waiting connections whose views have closed while another view may still come.

#include "dissectors/engine.hpp"
#include "output/boundary_picture.hpp"

#include <cstdio>
#include <deque>
#include <map>
#include <optional>
#include <unordered_map>

namespace sniff::output {

class ConnectionTwins final : public reassembly::StreamSink, public dissect::MessageSink {
public:
    static constexpr std::size_t k_picture_bytes = 96;
    static constexpr std::size_t k_max_waiting = 256;

    // one_line: --summary, a line per connection instead of the pictures.
    ConnectionTwins(std::FILE* out, bool one_line) : m_out(out), m_one_line(one_line) {}

    void on_flow_open(const model::Flow& flow) override;
    void on_data(const model::Flow& flow, model::Direction direction,
                 const model::SegmentInfo& segment, util::Bytes bytes) override;
    void on_flow_close(const model::Flow& flow, reassembly::CloseReason reason) override;

    void on_message(const model::Flow& flow, const dissect::Message& message,
                    util::Bytes preview) override;
    bool wants_each_message(const model::Flow& flow, model::Direction direction) override;
    void on_segment(const model::Flow& flow, const dissect::SegmentReport& report) override;
    void on_direction_end(const model::Flow& flow,
                          const dissect::DirectionSummary& summary) override;

    // Connections printed with both views.
    std::uint64_t matched() const { return m_matched; }

private:
    enum Side : std::uint8_t { wire = 0, client_end = 1, server_end = 2 };
    static constexpr int k_sides = 3;
    struct DirectionView {
        PictureInput picture;
        std::uint64_t chunks = 0;   // segments on the wire, or the program's calls
        std::uint64_t mixed = 0;    // of them, the ones that carried bytes of two messages
        std::uint64_t messages = 0; // from the engine's summary
        bool framed = false;
    };
    struct View {
        std::uint64_t flow_id = 0;
        bool closed = false;
        DirectionView directions[2];
    };
    struct Key {
        model::Protocol protocol;
        model::Endpoint client;
        model::Endpoint server;
        auto operator<=>(const Key&) const = default;
    };
    struct Views {
        std::optional<View> sides[k_sides];
        bool complete() const; // the wire and a program's end, all closed
        bool all_closed() const;
    };

    DirectionView* direction_of(std::uint64_t flow_id, model::Direction direction);
    void print(const Key& key, const Views& views);
    void print_line(const Key& key, const Views& views);
    void print_direction(model::Direction direction, const Views& views);
    void forget_oldest_waiting();

    std::FILE* m_out;
    bool m_one_line;
    std::map<Key, Views> m_connections;
    // Open flows being watched: their key and side.
    std::unordered_map<std::uint64_t, std::pair<Key, Side>> m_open;
    std::deque<Key> m_waiting; // connections whose views all closed, still missing one
    std::uint64_t m_matched = 0;
};

} // namespace sniff::output
