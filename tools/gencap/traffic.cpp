// A redis-benchmark-shaped conversation over many connections (see traffic.hpp). Requests and
// replies are RESP (https://redis.io/docs/latest/develop/reference/protocol-spec/): arrays of bulk
// strings from the client, simple strings, integers, bulk strings or arrays from the server.

#include "gencap/traffic.hpp"

#include "gencap/case_writer.hpp"
#include "synth/conversation.hpp"

#include <memory>
#include <random>

namespace sniff::gencap {

namespace {

using model::Direction;

constexpr model::Timestamp k_start = 1'700'000'000'000'000'000;
constexpr model::Timestamp k_frame_spacing = 5'000; // ns: ~200k packets/s, as on loopback
constexpr std::uint32_t k_lrange_items = 100;

std::string bulk(const std::string& text) {
    return "$" + std::to_string(text.size()) + "\r\n" + text + "\r\n";
}

std::string command(std::initializer_list<std::string> words) {
    std::string out = "*" + std::to_string(words.size()) + "\r\n";
    for (const auto& word : words)
        out += bulk(word);
    return out;
}

// One request and its reply, by command: set, get, lpush (80 % of requests together, evenly),
// lrange_100 (20 %): that mix gives redis-benchmark's ~840 bytes per frame on loopback.
std::pair<std::string, std::string> exchange(std::mt19937_64& random, std::uint32_t value_size,
                                             std::uint64_t& list_length) {
    char key[32];
    std::snprintf(key, sizeof key, "key:%012llu",
                  static_cast<unsigned long long>(random() % 100'000));
    const std::string value(value_size, 'x');
    switch (random() % 15) {
    case 0:
    case 1:
    case 2:
    case 3:
        return {command({"SET", key, value}), "+OK\r\n"};
    case 4:
    case 5:
    case 6:
    case 7:
        return {command({"GET", key}), bulk(value)};
    case 8:
    case 9:
    case 10:
    case 11:
        return {command({"LPUSH", "mylist", value}), ":" + std::to_string(++list_length) + "\r\n"};
    default: {
        std::string reply = "*" + std::to_string(k_lrange_items) + "\r\n";
        for (std::uint32_t i = 0; i < k_lrange_items; ++i)
            reply += bulk(value);
        return {command({"LRANGE", "mylist", "0", std::to_string(k_lrange_items - 1)}), reply};
    }
    }
}

class TrafficWriter {
public:
    TrafficWriter(const std::string& file, const TrafficOptions& options)
        : m_options(options), m_random(options.loss.seed ^ 0x5eed),
          m_writer(file, capture::PcapFileOptions{}, options.loss) {
        m_result.expected.name = "traffic";
        m_result.expected.file = file;
        m_result.expected.description = "redis-benchmark-shaped traffic";
    }

    TrafficCapture run() {
        open_all();
        while (m_written < m_options.packets)
            request_and_reply(m_random() % m_connections.size());
        for (std::size_t i = 0; i < m_connections.size(); ++i) {
            m_connections[i]->fin(Direction::c2s, tick());
            m_connections[i]->fin(Direction::s2c, tick());
        }
        m_writer.close();
        m_result.counts = m_writer.counts();
        m_result.expected.flows = m_connections.size();
        return std::move(m_result);
    }

private:
    // What the frame being built carries: set around each TcpConversation call.
    struct Current {
        Direction direction = Direction::c2s;
        bool data = false;
    };

    model::Timestamp tick() {
        return k_start + static_cast<model::Timestamp>(m_written) * k_frame_spacing;
    }

    void open_all() {
        const auto server = endpoint("127.0.0.1", 6379);
        for (std::uint32_t i = 0; i < m_options.connections; ++i) {
            const auto client = endpoint("127.0.0.1", static_cast<std::uint16_t>(40000 + i));
            const std::size_t index = m_connections.size();
            auto output = [this, index](model::Timestamp time, util::Bytes headers,
                                        util::Bytes payload) {
                frame(index, time, headers, payload);
            };
            m_connections.push_back(std::make_unique<synth::TcpConversation>(
                output, client, server, 1000 + 7919 * i, 500000 + 104729 * i));
            if (m_options.expect_streams) {
                add_expected(client, server);
                add_expected(server, client);
            }
            m_current.data = false;
            m_connections.back()->handshake(tick());
        }
    }

    void add_expected(const model::Endpoint& source, const model::Endpoint& destination) {
        ExpectedStream stream;
        stream.source = source;
        stream.destination = destination;
        m_result.expected.streams.push_back(std::move(stream));
        m_offsets.push_back(0);
    }

    void request_and_reply(std::size_t connection) {
        const auto [request, reply] = exchange(m_random, m_options.value_size, m_list_length);
        send(connection, Direction::c2s, request);
        send(connection, Direction::s2c, reply);
    }

    void send(std::size_t connection, Direction direction, const std::string& payload) {
        m_current = {direction, true};
        m_connections[connection]->data(direction, tick(), text_bytes(payload));
        m_current.data = false;
    }

    // Every frame of every connection passes here, in capture order.
    void frame(std::size_t connection, model::Timestamp time, util::Bytes headers,
               util::Bytes payload) {
        ++m_written;
        const bool data = m_current.data && !payload.empty();
        const bool kept = m_writer.offer(time, headers, payload, data);
        if (!data)
            return;
        m_result.stream_bytes += payload.size();
        if (!m_options.expect_streams)
            return;
        const std::size_t index = 2 * connection + (m_current.direction == Direction::s2c);
        ExpectedStream& stream = m_result.expected.streams[index];
        if (kept)
            stream.bytes.append(reinterpret_cast<const char*>(payload.data()), payload.size());
        else if (!stream.gaps.empty() &&
                 stream.gaps.back().offset + stream.gaps.back().length == m_offsets[index])
            stream.gaps.back().length += payload.size(); // consecutive drops make one gap
        else
            stream.gaps.push_back({m_offsets[index], payload.size()});
        m_offsets[index] += payload.size();
    }

    TrafficOptions m_options;
    std::mt19937_64 m_random;
    LossyWriter m_writer;
    std::vector<std::unique_ptr<synth::TcpConversation>> m_connections;
    std::vector<std::uint64_t> m_offsets; // per expected stream: offset of its next byte
    Current m_current;
    std::uint64_t m_written = 0;
    std::uint64_t m_list_length = 0;
    TrafficCapture m_result;
};

} // namespace

TrafficCapture generate_traffic(const std::string& file, const TrafficOptions& options) {
    TrafficWriter writer(file, options);
    return writer.run();
}

} // namespace sniff::gencap
