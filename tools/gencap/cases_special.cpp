// Generator cases that need their own file layout: UDP, IP fragments, snap-length cuts, pcapng
// with several sections and interfaces, unknown link types.

#include "gencap/case_writer.hpp"
#include "gencap/cases.hpp"

#include <stdexcept>

namespace sniff::gencap {

using model::Direction;
namespace lt = capture::linktype;

namespace {

const model::Endpoint k_client = endpoint("10.0.0.1", 40000);
const model::Endpoint k_server = endpoint("10.0.0.2", 8080);
const model::Endpoint k_udp_client = endpoint("10.0.0.1", 5353);
const model::Endpoint k_udp_server = endpoint("10.0.0.2", 53);
constexpr model::Timestamp k_start = 1'700'000'000'000'000'000;

ExpectedStream expected(const model::Endpoint& source, const model::Endpoint& destination,
                        std::string bytes, std::string protocol = "tcp") {
    ExpectedStream stream;
    stream.protocol = std::move(protocol);
    stream.source = source;
    stream.destination = destination;
    stream.bytes = std::move(bytes);
    return stream;
}

void open_pcap(capture::PcapWriter& writer, const std::string& file,
               std::uint32_t snap_length = 262144) {
    capture::PcapFileOptions options;
    options.snap_length = snap_length;
    if (!writer.open(file, options))
        throw std::runtime_error(file + ": " + writer.error());
}

void close_writer(auto& writer, const std::string& file) {
    if (!writer.close())
        throw std::runtime_error(file + ": " + writer.error());
}

// An IPv4 fragment: `part` is a slice of the transport datagram at byte offset `offset`.
synth::Frame ipv4_fragment(const model::Endpoint& source, const model::Endpoint& destination,
                           std::uint16_t id, std::size_t offset, bool more_fragments,
                           util::Bytes part) {
    synth::Frame packet = synth::ip_packet(source, destination, 17, part, id);
    const std::uint16_t flags_offset =
        static_cast<std::uint16_t>((more_fragments ? 0x2000 : 0) | (offset / 8));
    packet[6] = std::byte(flags_offset >> 8);
    packet[7] = std::byte(flags_offset & 0xff);
    packet[10] = packet[11] = std::byte{0}; // checksum is not checked by readers here
    return synth::ethernet_frame(packet, 4);
}

GeneratedCase udp_case(const std::string& file) {
    capture::PcapWriter writer;
    open_pcap(writer, file);
    model::Timestamp time = k_start;
    const std::vector<std::string> queries{"query-1", "", "query-3"};
    std::string client_bytes;
    for (const auto& query : queries) {
        writer.write(time += 1000, synth::udp_frame(k_udp_client, k_udp_server, text_bytes(query)));
        client_bytes += query;
    }
    writer.write(time += 1000, synth::udp_frame(k_udp_server, k_udp_client, text_bytes("answer")));
    close_writer(writer, file);
    GeneratedCase result;
    result.streams = {expected(k_udp_client, k_udp_server, client_bytes, "udp"),
                      expected(k_udp_server, k_udp_client, "answer", "udp")};
    result.flows = 1;
    return result;
}

std::string pattern(std::size_t size) {
    std::string text;
    for (std::size_t i = 0; text.size() < size; ++i)
        text += "<" + std::to_string(i) + ">";
    text.resize(size);
    return text;
}

// A 3000-byte UDP datagram in three IPv4 fragments, sent last-first.
GeneratedCase fragments_case(const std::string& file, bool overlap, bool incomplete) {
    capture::PcapWriter writer;
    open_pcap(writer, file);
    const std::string payload = pattern(3000);
    const synth::Frame datagram =
        synth::udp_datagram(k_udp_client, k_udp_server, text_bytes(payload));
    const util::Bytes whole(datagram);
    model::Timestamp time = k_start;
    writer.write(time += 1000,
                 ipv4_fragment(k_udp_client, k_udp_server, 77, 2000, false, whole.subspan(2000)));
    if (!incomplete)
        writer.write(time += 1000, ipv4_fragment(k_udp_client, k_udp_server, 77, 1000, true,
                                                 whole.subspan(1000, 1000)));
    if (overlap) { // a second copy of bytes 1000..1999 with other contents: first copy wins
        synth::Frame other(whole.begin() + 1000, whole.begin() + 2000);
        for (auto& byte : other)
            byte = std::byte{'#'};
        writer.write(time += 1000,
                     ipv4_fragment(k_udp_client, k_udp_server, 77, 1000, true, other));
    }
    writer.write(time += 1000,
                 ipv4_fragment(k_udp_client, k_udp_server, 77, 0, true, whole.first(1000)));
    // A normal datagram afterwards: decoding goes on whatever happened to the fragments.
    writer.write(time += 1000, synth::udp_frame(k_udp_client, k_udp_server, text_bytes("after")));
    close_writer(writer, file);
    GeneratedCase result;
    result.streams = {
        expected(k_udp_client, k_udp_server, incomplete ? "after" : payload + "after", "udp")};
    if (overlap)
        result.anomalies.push_back("fragment-overlap");
    if (incomplete)
        result.anomalies.push_back("fragment-incomplete");
    result.flows = 1;
    return result;
}

// Snap length 200: a 1000-byte segment is cut; the missing bytes are a gap.
GeneratedCase snaplen_case(const std::string& file) {
    capture::PcapWriter writer;
    open_pcap(writer, file, 200);
    TcpCaseConnection conn(
        [&writer](model::Timestamp time, util::Bytes frame, std::uint32_t) {
            writer.write(time, frame, static_cast<std::uint32_t>(frame.size()));
        },
        k_client, k_server, 1000, 9000);
    conn.handshake();
    const std::string big = pattern(1000);
    conn.send(Direction::c2s, 0, big);
    conn.send(Direction::c2s, 1000, "next");
    conn.fin(Direction::c2s, 1004);
    close_writer(writer, file);
    constexpr std::size_t k_captured_payload = 200 - 14 - 20 - 20;
    GeneratedCase result;
    auto stream = expected(k_client, k_server, big.substr(0, k_captured_payload) + "next");
    stream.gaps.push_back({k_captured_payload, 1000 - k_captured_payload});
    stream.tshark_differs = "tshark writes a '[N bytes missing]' note at the gap";
    result.streams = {stream};
    result.flows = 1;
    return result;
}

// Two sections (the second big-endian), interfaces of different link types in one section,
// nanosecond resolution, custom and unknown blocks, a simple packet block.
GeneratedCase pcapng_case(const std::string& file) {
    capture::PcapngWriter writer;
    if (!writer.open(file))
        throw std::runtime_error(file + ": " + writer.error());
    const std::uint32_t ethernet = writer.add_interface(lt::ethernet);
    const std::uint32_t raw = writer.add_interface(lt::raw, 65535, 9);
    auto to = [&writer](std::uint32_t interface_id) {
        return [&writer, interface_id](model::Timestamp time, util::Bytes frame, std::uint32_t) {
            writer.write(interface_id, time, frame);
        };
    };
    TcpCaseConnection on_ethernet(to(ethernet), k_client, k_server, 1000, 9000, lt::ethernet);
    on_ethernet.handshake();
    const std::string custom_body("\x00\x00\x7f\x00custom block", 16); // PEN, then data
    writer.write_raw_block(0x00000bad, text_bytes(custom_body));
    writer.write_raw_block(0x0badf00d, text_bytes("an unknown block type"));
    // The same flow continues on the raw-IP interface.
    TcpCaseConnection on_raw(to(raw), k_client, k_server, 1000, 9000, lt::raw);
    on_raw.clock() = on_ethernet.clock();
    on_raw.send(Direction::c2s, 0, "hello from interface 1 ");
    on_ethernet.clock() = on_raw.clock();
    on_ethernet.send(Direction::c2s, 23, "and interface 0");
    close_writer(writer, file);
    GeneratedCase result;
    result.streams = {expected(k_client, k_server, "hello from interface 1 and interface 0")};
    result.flows = 1;
    return result;
}

// A section with two interfaces, one of an unsupported link type: counted and named, the
// other interface's flow is read.
GeneratedCase unknown_link_case(const std::string& file) {
    capture::PcapngWriter writer;
    if (!writer.open(file))
        throw std::runtime_error(file + ": " + writer.error());
    const std::uint32_t user0 = writer.add_interface(147);
    const std::uint32_t ethernet = writer.add_interface(lt::ethernet);
    const auto packet = synth::ip_packet(
        k_client, k_server, 17, synth::udp_datagram(k_client, k_server, text_bytes("unseen")));
    writer.write(user0, k_start, link_frame(147, packet, 4));
    writer.write(user0, k_start + 1000, link_frame(147, packet, 4));
    TcpCaseConnection conn(
        [&writer, ethernet](model::Timestamp time, util::Bytes frame, std::uint32_t) {
            writer.write(ethernet, time, frame);
        },
        k_client, k_server, 1000, 9000);
    conn.handshake();
    conn.send(Direction::c2s, 0, "still read");
    close_writer(writer, file);
    GeneratedCase result;
    result.streams = {expected(k_client, k_server, "still read")};
    result.anomalies.push_back("unsupported-link-type");
    result.flows = 1;
    return result;
}

// A big-endian file of two sections; the second re-numbers its interfaces and has ns times.
GeneratedCase pcapng_sections_case(const std::string& file) {
    capture::PcapngWriter writer;
    if (!writer.open(file, true))
        throw std::runtime_error(file + ": " + writer.error());
    const std::uint32_t first = writer.add_interface(lt::linux_sll);
    TcpCaseConnection one([&writer, first](model::Timestamp time, util::Bytes frame,
                                           std::uint32_t) { writer.write(first, time, frame); },
                          k_client, k_server, 1000, 9000, lt::linux_sll);
    one.handshake();
    one.send(Direction::c2s, 0, "section one, ");
    writer.begin_section();
    const std::uint32_t second = writer.add_interface(lt::ethernet, 262144, 9);
    TcpCaseConnection two([&writer, second](model::Timestamp time, util::Bytes frame,
                                            std::uint32_t) { writer.write(second, time, frame); },
                          k_client, k_server, 1000, 9000, lt::ethernet);
    two.clock() = one.clock();
    two.send(Direction::c2s, 13, "section two");
    close_writer(writer, file);
    GeneratedCase result;
    result.streams = {expected(k_client, k_server, "section one, section two")};
    result.flows = 1;
    return result;
}

struct SpecialCase {
    const char* name;
    const char* description;
    const char* extension;
    GeneratedCase (*write)(const std::string&);
};

const std::vector<SpecialCase>& special_cases() {
    static const std::vector<SpecialCase> k_cases{
        {"udp", "UDP datagrams both ways, one of them empty", "pcap", udp_case},
        {"ip_fragments", "a UDP datagram in three IPv4 fragments, last first", "pcap",
         [](const std::string& f) { return fragments_case(f, false, false); }},
        {"ip_fragments_overlap", "overlapping IPv4 fragments with different bytes", "pcap",
         [](const std::string& f) { return fragments_case(f, true, false); }},
        {"ip_fragments_incomplete", "a datagram whose middle fragment never comes", "pcap",
         [](const std::string& f) { return fragments_case(f, false, true); }},
        {"snaplen", "a frame cut by the snap length: the rest is a gap", "pcap", snaplen_case},
        {"pcapng_interfaces", "pcapng: interfaces of different link types, custom blocks", "pcapng",
         pcapng_case},
        {"pcapng_sections", "pcapng: two sections, big-endian, nanosecond interface", "pcapng",
         pcapng_sections_case},
        {"unknown_linktype", "pcapng with an unsupported link type beside Ethernet", "pcapng",
         unknown_link_case},
    };
    return k_cases;
}

} // namespace

std::vector<std::string> special_case_names() {
    std::vector<std::string> names;
    for (const auto& entry : special_cases())
        names.emplace_back(entry.name);
    return names;
}

GeneratedCase generate_special_case(const std::string& name, const std::string& directory) {
    for (const auto& entry : special_cases()) {
        if (name == entry.name) {
            const std::string file = directory + "/" + name + "." + entry.extension;
            GeneratedCase result = entry.write(file);
            result.name = name;
            result.description = entry.description;
            result.file = file;
            return result;
        }
    }
    throw std::runtime_error("unknown case '" + name + "'");
}

} // namespace sniff::gencap
