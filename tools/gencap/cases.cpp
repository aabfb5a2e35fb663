#include "gencap/cases.hpp"

#include "gencap/case_writer.hpp"

#include <array>
#include <stdexcept>

namespace sniff::gencap {

using model::Direction;
namespace f = model::tcp_flags;
namespace lt = capture::linktype;

namespace {

const Direction c2s = Direction::c2s;
const Direction s2c = Direction::s2c;

// Opens a pcap file and returns a sink writing to it; the writer lives as long as the case.
struct PcapCase {
    capture::PcapWriter writer;
    GeneratedCase result;

    PcapCase(const std::string& directory, const std::string& name,
             const capture::PcapFileOptions& options = {}) {
        result.name = name;
        result.file = directory + "/" + name + ".pcap";
        if (!writer.open(result.file, options))
            throw std::runtime_error(result.file + ": " + writer.error());
    }
    FrameSink sink() {
        return [this](model::Timestamp time, util::Bytes data, std::uint32_t original_length) {
            writer.write(time, data, original_length);
        };
    }
    ExpectedStream& stream(const model::Endpoint& source, const model::Endpoint& destination,
                           std::string bytes, std::string protocol = "tcp") {
        ExpectedStream expected;
        expected.protocol = std::move(protocol);
        expected.source = source;
        expected.destination = destination;
        expected.bytes = std::move(bytes);
        result.streams.push_back(std::move(expected));
        return result.streams.back();
    }
    GeneratedCase finish(std::uint64_t flows) {
        if (!writer.close())
            throw std::runtime_error(result.file + ": " + writer.error());
        result.flows = flows;
        return result;
    }
};

const model::Endpoint k_client = endpoint("10.0.0.1", 40000);
const model::Endpoint k_server = endpoint("10.0.0.2", 8080);

GeneratedCase in_order(PcapCase& c) {
    TcpCaseConnection conn(c.sink(), k_client, k_server, 1000, 9000);
    conn.handshake();
    conn.send(c2s, 0, "GET /hello ");
    conn.send(c2s, 11, "HTTP/1.0\r\n");
    conn.send(c2s, 21, "\r\n");
    conn.send(s2c, 0, "HTTP/1.0 200 OK\r\n\r\n");
    conn.send(s2c, 19, "hello world");
    conn.fin(c2s, 23);
    conn.fin(s2c, 30);
    c.stream(k_client, k_server, "GET /hello HTTP/1.0\r\n\r\n");
    c.stream(k_server, k_client, "HTTP/1.0 200 OK\r\n\r\nhello world");
    return c.finish(1);
}

GeneratedCase out_of_order(PcapCase& c) {
    TcpCaseConnection conn(c.sink(), k_client, k_server, 1000, 9000);
    conn.handshake();
    conn.send(c2s, 0, "0123456789");
    conn.send(c2s, 20, "klmnopqrst");
    conn.send(c2s, 10, "abcdefghij");
    conn.send(c2s, 30, "uvwxyz");
    conn.fin(c2s, 36);
    conn.fin(s2c, 0);
    c.stream(k_client, k_server, "0123456789abcdefghijklmnopqrstuvwxyz");
    return c.finish(1);
}

GeneratedCase retransmission(PcapCase& c) {
    TcpCaseConnection conn(c.sink(), k_client, k_server, 1000, 9000);
    conn.handshake();
    conn.send(c2s, 0, "first ");
    conn.send(c2s, 6, "second ");
    conn.send(c2s, 6, "second ");
    conn.send(c2s, 13, "third");
    conn.fin(c2s, 18);
    c.stream(k_client, k_server, "first second third");
    return c.finish(1);
}

GeneratedCase retransmission_extra(PcapCase& c) {
    TcpCaseConnection conn(c.sink(), k_client, k_server, 1000, 9000);
    conn.handshake();
    conn.send(c2s, 0, "0123456789");
    // A retransmission that also carries bytes never sent before: only they are new.
    conn.send(c2s, 0, "0123456789ABCDEFGHIJ");
    conn.send(c2s, 20, "tail");
    conn.fin(c2s, 24);
    c.stream(k_client, k_server, "0123456789ABCDEFGHIJtail").tshark_differs =
        "tshark 4.0 drops a retransmission that carries new bytes";
    return c.finish(1);
}

GeneratedCase overlap_conflict(PcapCase& c) {
    TcpCaseConnection conn(c.sink(), k_client, k_server, 1000, 9000);
    conn.handshake();
    conn.send(c2s, 0, "AAAAAAAAAA");
    conn.send(c2s, 5, "XXXXXBBBBB"); // bytes 5..9 differ from the first copy
    conn.fin(c2s, 15);
    c.stream(k_client, k_server, "AAAAAAAAAABBBBB");
    c.result.anomalies.push_back("overlap-conflict");
    return c.finish(1);
}

GeneratedCase partial_overlap(PcapCase& c) {
    TcpCaseConnection conn(c.sink(), k_client, k_server, 1000, 9000);
    conn.handshake();
    conn.send(c2s, 10, "klmnopqrst"); // held: a hole before it
    conn.send(c2s, 5, "fghijklmno");  // overlaps the held piece, fills part of the hole
    conn.send(c2s, 0, "abcde");
    conn.send(c2s, 18, "stuvwx"); // overlaps the end
    conn.fin(c2s, 24);
    c.stream(k_client, k_server, "abcdefghijklmnopqrstuvwx");
    return c.finish(1);
}

GeneratedCase sequence_wraparound(PcapCase& c) {
    TcpCaseConnection conn(c.sink(), k_client, k_server, 0xfffffff0u, 0xffffffffu);
    conn.handshake();
    conn.send(c2s, 0, "before-wrap|");
    conn.send(c2s, 12, "across-the-wrap|");
    conn.send(c2s, 28, "after");
    conn.send(s2c, 0, "server side starts at zero");
    conn.fin(c2s, 33);
    conn.fin(s2c, 26);
    c.stream(k_client, k_server, "before-wrap|across-the-wrap|after");
    c.stream(k_server, k_client, "server side starts at zero");
    return c.finish(1);
}

GeneratedCase mid_connection(PcapCase& c) {
    TcpCaseConnection conn(c.sink(), k_client, k_server, 777, 888);
    conn.send(c2s, 100, "we joined late ");
    conn.send(s2c, 50, "reply");
    conn.send(c2s, 115, "and go on");
    c.stream(k_client, k_server, "we joined late and go on");
    c.stream(k_server, k_client, "reply");
    return c.finish(1);
}

GeneratedCase lost_segment(PcapCase& c) {
    TcpCaseConnection conn(c.sink(), k_client, k_server, 1000, 9000);
    conn.handshake();
    conn.send(c2s, 0, "0123456789");
    // bytes 10..19 never appear in the capture
    conn.send(c2s, 20, "after-the-gap");
    conn.fin(c2s, 33);
    conn.fin(s2c, 0);
    auto& stream = c.stream(k_client, k_server, "0123456789after-the-gap");
    stream.gaps.push_back({10, 10});
    stream.tshark_differs = "tshark writes a '[N bytes missing]' note at the gap";
    return c.finish(1);
}

// A bulk answer as a sender-side capture shows it: delayed pure ACKs, a segment lost on the
// network and sent again after three duplicate ACKs, one sent again after a timeout, a partial
// resend, a closed window and the window update that opens it, and the FIN handshake. For the
// report's time-sequence graph; tshark's analysis is the oracle of its counts.
GeneratedCase acks_retransmissions(PcapCase& c) {
    constexpr std::uint64_t k_segment = 1000;
    constexpr int k_segments = 24;
    TcpCaseConnection conn(c.sink(), k_client, k_server, 1000, 9000);
    conn.handshake();
    const std::string request = "GET /big\n";
    conn.send(c2s, 0, request);
    conn.acknowledge(s2c, request.size());
    std::string body;
    for (int line = 0; body.size() < k_segment * k_segments; ++line) {
        std::string text = "line " + std::to_string(line) + " ";
        text.resize(99, '.');
        body += text + "\n";
    }
    body.resize(k_segment * k_segments);
    const auto piece = [&](int i) { return body.substr(i * k_segment, k_segment); };
    const auto ack = [&](std::uint64_t offset, std::uint16_t window = 65535) {
        conn.acknowledge(c2s, offset);
        conn.send(c2s, request.size(), "", f::ack, window);
    };
    const auto pause = [&](model::Timestamp ns) { conn.clock() += ns; };
    for (int i = 0; i < 6; ++i) { // delayed ACKs: one per two segments
        conn.send(s2c, i * k_segment, piece(i));
        if (i % 2 == 1)
            ack((i + 1) * k_segment);
    }
    conn.send(s2c, 6 * k_segment, piece(6)); // lost on the way: three duplicate ACKs follow
    for (int i = 7; i < 10; ++i) {
        conn.send(s2c, i * k_segment, piece(i));
        ack(6 * k_segment);
    }
    pause(5'000'000);
    conn.send(s2c, 6 * k_segment, piece(6)); // fast retransmission
    ack(10 * k_segment);
    for (int i = 10; i < 14; ++i)
        conn.send(s2c, i * k_segment, piece(i));
    ack(14 * k_segment);
    conn.send(s2c, 14 * k_segment, piece(14)); // lost, and no ACK comes
    pause(200'000'000);
    conn.send(s2c, 14 * k_segment, piece(14)); // sent again at the timeout
    ack(15 * k_segment);
    conn.send(s2c, 15 * k_segment, piece(15));
    pause(200'000'000);
    conn.send(s2c, 15 * k_segment, piece(15) + piece(16)); // resent with new bytes behind it
    ack(17 * k_segment, 0);                                // the client's window closes...
    pause(50'000'000);
    ack(17 * k_segment, 65535); // ...and opens: a window update
    for (int i = 17; i < k_segments; ++i) {
        conn.send(s2c, i * k_segment, piece(i));
        if (i % 2 == 0)
            ack((i + 1) * k_segment);
    }
    ack(k_segment * k_segments);
    conn.acknowledge(s2c, request.size() + 1);
    conn.fin(c2s, request.size());
    conn.acknowledge(c2s, k_segment * k_segments + 1);
    conn.fin(s2c, k_segment * k_segments);
    conn.send(c2s, request.size() + 1, "", f::ack); // the last ACK
    c.stream(k_client, k_server, request);
    c.stream(k_server, k_client, body);
    return c.finish(1);
}

GeneratedCase fin_rst(PcapCase& c) {
    TcpCaseConnection closed(c.sink(), k_client, k_server, 1000, 9000);
    closed.handshake();
    closed.send(c2s, 0, "bye");
    closed.fin(c2s, 3);
    closed.send(s2c, 0, "ok", f::psh | f::ack | f::fin);
    const auto other_client = endpoint("10.0.0.1", 40001);
    TcpCaseConnection reset(c.sink(), other_client, k_server, 2000, 7000);
    reset.handshake();
    reset.send(c2s, 0, "hello?");
    reset.rst(s2c, 0);
    reset.send(c2s, 6, "data after the reset"); // never part of the stream
    c.stream(k_client, k_server, "bye");
    c.stream(k_server, k_client, "ok");
    c.stream(other_client, k_server, "hello?").tshark_differs =
        "tshark follows data sent after a reset";
    c.result.anomalies.push_back("data-after-rst");
    return c.finish(2);
}

GeneratedCase keepalive(PcapCase& c) {
    TcpCaseConnection conn(c.sink(), k_client, k_server, 1000, 9000);
    conn.handshake();
    conn.send(c2s, 0, "0123456789");
    // Keep-alive: seq one below the next byte, one garbage byte.
    conn.send_seq(c2s, conn.seq_at(c2s, 9), std::string(1, '\0'), f::ack);
    conn.send_seq(c2s, conn.seq_at(c2s, 9), "", f::ack);
    conn.send(c2s, 10, "abc");
    conn.fin(c2s, 13);
    c.stream(k_client, k_server, "0123456789abc");
    c.result.anomalies.push_back("keepalive");
    return c.finish(1);
}

GeneratedCase zero_window_probe(PcapCase& c) {
    TcpCaseConnection conn(c.sink(), k_client, k_server, 1000, 9000);
    conn.handshake();
    conn.send(c2s, 0, "0123456789");
    conn.send(s2c, 0, "", f::ack, 0); // the server's window closes
    conn.send(c2s, 10, "a");          // probe: the next byte, sent again below
    conn.send(c2s, 10, "a");
    conn.send(s2c, 0, "", f::ack, 65535);
    conn.send(c2s, 10, "abcdef");
    conn.fin(c2s, 16);
    c.stream(k_client, k_server, "0123456789abcdef");
    c.result.anomalies.push_back("zero-window-probe");
    return c.finish(1);
}

GeneratedCase ethernet_padding(PcapCase& c) {
    auto padded = [&c](model::Timestamp time, util::Bytes frame, std::uint32_t) {
        synth::Frame copy(frame.begin(), frame.end());
        while (copy.size() < 60) // minimum Ethernet frame, padding that is not payload
            copy.push_back(std::byte{0xee});
        c.writer.write(time, copy, 0);
    };
    TcpCaseConnection padded_conn(padded, k_client, k_server, 1000, 9000);
    padded_conn.handshake();
    padded_conn.send(c2s, 0, "hi");
    padded_conn.send(c2s, 2, "!");
    padded_conn.fin(c2s, 3);
    c.stream(k_client, k_server, "hi!");
    return c.finish(1);
}

GeneratedCase syn_with_data(PcapCase& c) {
    TcpCaseConnection conn(c.sink(), k_client, k_server, 1000, 9000);
    conn.send_seq(c2s, 1000, "fast-open data", f::syn);
    conn.send_seq(s2c, 9000, "", f::syn | f::ack);
    conn.send(c2s, 14, " then more");
    conn.fin(c2s, 24);
    c.stream(k_client, k_server, "fast-open data then more");
    return c.finish(1);
}

GeneratedCase ipv6(PcapCase& c) {
    const auto client = endpoint("2001:db8::1", 50000);
    const auto server = endpoint("2001:db8::2", 443);
    TcpCaseConnection conn(c.sink(), client, server, 1, 2);
    conn.handshake();
    conn.send(c2s, 0, "over ipv6");
    conn.send(s2c, 0, "v6 reply");
    conn.fin(c2s, 9);
    conn.fin(s2c, 8);
    c.stream(client, server, "over ipv6");
    c.stream(server, client, "v6 reply");
    return c.finish(1);
}

GeneratedCase vlan_tags(PcapCase& c, std::vector<std::uint16_t> tags) {
    TcpCaseConnection conn(c.sink(), k_client, k_server, 1000, 9000);
    conn.set_vlans(std::move(tags));
    conn.handshake();
    conn.send(c2s, 0, "tagged request");
    conn.send(s2c, 0, "tagged answer");
    c.stream(k_client, k_server, "tagged request");
    c.stream(k_server, k_client, "tagged answer");
    return c.finish(1);
}

GeneratedCase link_type_case(PcapCase& c, std::uint32_t link_type, bool use_ipv6) {
    const auto client = use_ipv6 ? endpoint("fd00::1", 40000) : k_client;
    const auto server = use_ipv6 ? endpoint("fd00::2", 8080) : k_server;
    TcpCaseConnection conn(c.sink(), client, server, 1000, 9000, link_type);
    conn.handshake();
    conn.send(c2s, 0, "link type " + std::to_string(link_type));
    conn.send(s2c, 0, "answer");
    c.stream(client, server, "link type " + std::to_string(link_type));
    c.stream(server, client, "answer");
    return c.finish(1);
}

GeneratedCase port_reuse(PcapCase& c) {
    TcpCaseConnection first(c.sink(), k_client, k_server, 1000, 9000);
    first.handshake();
    first.send(c2s, 0, "first life");
    first.fin(c2s, 10);
    first.fin(s2c, 0);
    TcpCaseConnection second(c.sink(), k_client, k_server, 500000, 600000);
    second.clock() = first.clock() + 1'000'000'000;
    second.handshake();
    second.send(c2s, 0, "second life");
    second.fin(c2s, 11);
    second.fin(s2c, 0);
    c.stream(k_client, k_server, "first life");
    c.stream(k_client, k_server, "second life").reuse = 1;
    return c.finish(2);
}

} // namespace

struct CaseEntry {
    const char* name;
    const char* description;
    GeneratedCase (*write)(PcapCase&);
    capture::PcapFileOptions options;
};

namespace {

capture::PcapFileOptions pcap_options(std::uint32_t link_type, bool nanosecond = false,
                                      bool big_endian = false, std::uint32_t snap = 262144) {
    capture::PcapFileOptions options;
    options.link_type = link_type;
    options.nanosecond = nanosecond;
    options.big_endian = big_endian;
    options.snap_length = snap;
    return options;
}

const std::vector<CaseEntry>& pcap_cases() {
    static const std::vector<CaseEntry> k_cases{
        {"in_order", "segments in order, both directions", in_order, pcap_options(lt::ethernet)},
        {"out_of_order", "a segment arrives after the one behind it", out_of_order,
         pcap_options(lt::ethernet)},
        {"retransmission", "an exact retransmission", retransmission, pcap_options(lt::ethernet)},
        {"retransmission_extra", "a retransmission carrying extra new bytes", retransmission_extra,
         pcap_options(lt::ethernet)},
        {"overlap_conflict", "an overlap with different bytes: first copy wins", overlap_conflict,
         pcap_options(lt::ethernet)},
        {"partial_overlap", "out-of-order pieces overlapping each other", partial_overlap,
         pcap_options(lt::ethernet)},
        {"sequence_wraparound", "sequence numbers wrap past 2^32", sequence_wraparound,
         pcap_options(lt::ethernet)},
        {"mid_connection", "capture starts mid-connection, no SYN", mid_connection,
         pcap_options(lt::ethernet)},
        {"lost_segment", "a segment missing from the capture: a gap", lost_segment,
         pcap_options(lt::ethernet)},
        {"acks_retransmissions", "bulk data with pure ACKs, retransmissions, a window update",
         acks_retransmissions, pcap_options(lt::ethernet)},
        {"fin_rst", "FIN close, RST close, data after RST", fin_rst, pcap_options(lt::ethernet)},
        {"keepalive", "keep-alive probes carrying one garbage byte", keepalive,
         pcap_options(lt::ethernet)},
        {"zero_window_probe", "zero-window probes", zero_window_probe, pcap_options(lt::ethernet)},
        {"ethernet_padding", "short frames with Ethernet padding", ethernet_padding,
         pcap_options(lt::ethernet)},
        {"syn_with_data", "SYN carrying data (TCP Fast Open)", syn_with_data,
         pcap_options(lt::ethernet)},
        {"ipv6", "an IPv6 flow", ipv6, pcap_options(lt::ethernet)},
        {"vlan", "802.1Q-tagged frames", [](PcapCase& c) { return vlan_tags(c, {100}); },
         pcap_options(lt::ethernet)},
        {"qinq", "802.1ad + 802.1Q (QinQ) frames",
         [](PcapCase& c) {
             return vlan_tags(c, {200, 100});
         },
         pcap_options(lt::ethernet)},
        {"linktype_sll", "Linux cooked capture (SLL)",
         [](PcapCase& c) { return link_type_case(c, lt::linux_sll, false); },
         pcap_options(lt::linux_sll)},
        {"linktype_sll2", "Linux cooked capture v2 (SLL2), IPv6",
         [](PcapCase& c) { return link_type_case(c, lt::linux_sll2, true); },
         pcap_options(lt::linux_sll2)},
        {"linktype_null", "BSD loopback (NULL)",
         [](PcapCase& c) { return link_type_case(c, lt::null, false); }, pcap_options(lt::null)},
        {"linktype_loop", "OpenBSD loopback (LOOP), IPv6",
         [](PcapCase& c) { return link_type_case(c, lt::loop, true); }, pcap_options(lt::loop)},
        {"linktype_raw", "raw IP (LINKTYPE_RAW)",
         [](PcapCase& c) { return link_type_case(c, lt::raw, false); }, pcap_options(lt::raw)},
        {"linktype_ipv4", "raw IPv4 (LINKTYPE_IPV4)",
         [](PcapCase& c) { return link_type_case(c, lt::ipv4, false); }, pcap_options(lt::ipv4)},
        {"linktype_ipv6", "raw IPv6 (LINKTYPE_IPV6)",
         [](PcapCase& c) { return link_type_case(c, lt::ipv6, true); }, pcap_options(lt::ipv6)},
        {"pcap_nanosecond_big_endian", "a big-endian nanosecond pcap", in_order,
         pcap_options(lt::ethernet, true, true)},
        {"port_reuse", "a new SYN on a closed 4-tuple: two flows", port_reuse,
         pcap_options(lt::ethernet)},
    };
    return k_cases;
}

} // namespace

// Cases that need more than one pcap writer (pcapng, fragments, snaplen, UDP) live in
// cases_special.cpp.
std::vector<std::string> special_case_names();
GeneratedCase generate_special_case(const std::string& name, const std::string& directory);

std::vector<std::string> case_names() {
    std::vector<std::string> names;
    for (const auto& entry : pcap_cases())
        names.emplace_back(entry.name);
    for (auto& name : special_case_names())
        names.push_back(std::move(name));
    return names;
}

GeneratedCase generate_case(const std::string& name, const std::string& directory) {
    for (const auto& entry : pcap_cases()) {
        if (name == entry.name) {
            PcapCase writer(directory, name, entry.options);
            GeneratedCase result = entry.write(writer);
            result.description = entry.description;
            return result;
        }
    }
    return generate_special_case(name, directory);
}

} // namespace sniff::gencap
