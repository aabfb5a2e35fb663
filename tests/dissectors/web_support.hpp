#pragma once
// Helpers for the web-family framing tests: an exchange of both directions run through the
// engine, and encoders for WebSocket and HTTP/2 frames written from the RFCs' layouts.

#include "support.hpp"

#include <catch2/catch.hpp>

namespace sniff::dissect::test {

// Both directions of one flow, each cut into chunks of the given sizes (empty = one chunk),
// client bytes delivered before server bytes chunk by chunk, as a request precedes its answer.
struct Exchange {
    std::string c2s;
    std::string s2c;
};

struct Framed {
    Recorder recorder;
    std::vector<RecordedMessage> c2s, s2c;
};

inline void run_exchange(const std::string& spec, const Exchange& exchange,
                         const std::vector<std::size_t>& c2s_chunks,
                         const std::vector<std::size_t>& s2c_chunks, Framed& out) {
    FramingSelector selector;
    selector.set_default(spec_of(spec));
    DissectorEngine engine(selector, out.recorder);
    Driver driver(engine, make_flow(1, model::Protocol::tcp, 80));
    driver.send_chunks(model::Direction::c2s, exchange.c2s,
                       c2s_chunks.empty() ? std::vector<std::size_t>{exchange.c2s.size()}
                                          : c2s_chunks);
    if (!exchange.s2c.empty())
        driver.send_chunks(model::Direction::s2c, exchange.s2c,
                           s2c_chunks.empty() ? std::vector<std::size_t>{exchange.s2c.size()}
                                              : s2c_chunks);
    driver.close();
    out.c2s = out.recorder.of(model::Direction::c2s);
    out.s2c = out.recorder.of(model::Direction::s2c);
}

// "offset+length/header status" for each message: what the re-chunking property compares.
inline std::vector<std::string> shapes(const std::vector<RecordedMessage>& messages) {
    std::vector<std::string> out;
    for (const auto& message : messages)
        out.push_back(std::to_string(message.offset) + "+" + std::to_string(message.length) + "/" +
                      std::to_string(message.header_length) + " " +
                      message_status_name(message.status) + " " + message.header_json);
    return out;
}

// A WebSocket frame (RFC 6455 5.2); masked with `key` when it is not empty.
inline std::string ws_frame(std::uint8_t opcode, const std::string& payload, bool fin = true,
                            const std::string& key = {}) {
    std::string out;
    out += static_cast<char>((fin ? 0x80 : 0) | opcode);
    const char mask = key.empty() ? 0 : static_cast<char>(0x80);
    if (payload.size() < 126) {
        out += static_cast<char>(mask | static_cast<char>(payload.size()));
    } else if (payload.size() < 65536) {
        out += static_cast<char>(mask | 126);
        put_uint(out, payload.size(), 2, false);
    } else {
        out += static_cast<char>(mask | 127);
        put_uint(out, payload.size(), 8, false);
    }
    out += key;
    for (std::size_t i = 0; i < payload.size(); ++i)
        out += key.empty() ? payload[i] : static_cast<char>(payload[i] ^ key[i % 4]);
    return out;
}

// An HTTP/2 frame (RFC 9113 4.1).
inline std::string h2_frame(std::uint8_t type, std::uint8_t flags, std::uint32_t stream,
                            const std::string& payload) {
    std::string out;
    put_uint(out, payload.size(), 3, false);
    out += static_cast<char>(type);
    out += static_cast<char>(flags);
    put_uint(out, stream, 4, false);
    return out + payload;
}

inline const std::string k_h2_preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

} // namespace sniff::dissect::test
