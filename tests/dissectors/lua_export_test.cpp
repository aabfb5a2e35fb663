// The exported Wireshark Lua dissector finds the same messages as the engine: a pcap of a framed
// stream cut into random segments is read by tshark with the script.

#include "capture/pcap_writer.hpp"
#include "dissectors/lua_export.hpp"
#include "support.hpp"

#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <unistd.h>

using namespace sniff;
using namespace sniff::dissect;
using namespace sniff::dissect::test;

namespace {

constexpr std::uint16_t k_port = 7777;

void put16(std::string& out, unsigned value) {
    put_uint(out, value, 2, false);
}
void put32(std::string& out, std::uint32_t value) {
    put_uint(out, value, 4, false);
}

// IPv4 + TCP (no options) carrying payload, client 10.0.0.1:40000 -> server 10.0.0.2:k_port.
std::string ip_tcp(std::uint32_t seq, std::uint32_t ack, std::uint8_t flags, bool to_server,
                   const std::string& payload) {
    std::string tcp;
    put16(tcp, to_server ? 40000 : k_port);
    put16(tcp, to_server ? k_port : 40000);
    put32(tcp, seq);
    put32(tcp, ack);
    tcp += static_cast<char>(5 << 4);
    tcp += static_cast<char>(flags);
    put16(tcp, 65535);
    put16(tcp, 0); // checksum: Wireshark does not check it by default
    put16(tcp, 0);
    std::string ip;
    ip += static_cast<char>(0x45);
    ip += '\0';
    put16(ip, static_cast<unsigned>(20 + tcp.size() + payload.size()));
    put16(ip, 0);
    put16(ip, 0x4000);
    ip += static_cast<char>(64);
    ip += static_cast<char>(6);
    put16(ip, 0);
    put32(ip, to_server ? 0x0a000001 : 0x0a000002);
    put32(ip, to_server ? 0x0a000002 : 0x0a000001);
    std::uint32_t sum = 0;
    for (std::size_t i = 0; i < 20; i += 2)
        sum += (static_cast<std::uint8_t>(ip[i]) << 8) | static_cast<std::uint8_t>(ip[i + 1]);
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    ip[10] = static_cast<char>((~sum >> 8) & 0xff);
    ip[11] = static_cast<char>(~sum & 0xff);
    return ip + tcp + payload;
}

void write_pcap(const std::string& path, const std::vector<std::string>& chunks) {
    capture::PcapWriter writer;
    capture::PcapFileOptions options;
    options.link_type = 101; // LINKTYPE_RAW: IPv4 packets
    REQUIRE(writer.open(path, options));
    model::Timestamp time = 1'700'000'000'000'000'000;
    const auto write = [&](const std::string& packet) {
        time += 1'000'000;
        REQUIRE(writer.write(
            time, util::Bytes(reinterpret_cast<const std::byte*>(packet.data()), packet.size())));
    };
    const std::uint32_t client_isn = 1000, server_isn = 5000;
    write(ip_tcp(client_isn, 0, 0x02, true, ""));
    write(ip_tcp(server_isn, client_isn + 1, 0x12, false, ""));
    std::uint32_t seq = client_isn + 1;
    write(ip_tcp(seq, server_isn + 1, 0x10, true, ""));
    for (const std::string& chunk : chunks) {
        write(ip_tcp(seq, server_isn + 1, 0x18, true, chunk));
        seq += static_cast<std::uint32_t>(chunk.size());
    }
    REQUIRE(writer.close());
}

std::vector<std::uint64_t> tshark_lengths(const std::string& script, const std::string& pcap) {
    const std::string command = "tshark -X lua_script:" + script + " -r " + pcap +
                                " -Y sniff_framing -T fields -e sniff_framing.length 2>/dev/null";
    std::FILE* pipe = ::popen(command.c_str(), "r");
    REQUIRE(pipe != nullptr);
    std::string output;
    char buffer[4096];
    while (const std::size_t got = std::fread(buffer, 1, sizeof buffer, pipe))
        output.append(buffer, got);
    ::pclose(pipe);
    std::vector<std::uint64_t> lengths;
    std::string field;
    std::istringstream lines(output);
    for (std::string line; std::getline(lines, line);) {
        std::istringstream fields(line);
        while (std::getline(fields, field, ','))
            if (!field.empty())
                lengths.push_back(std::stoull(field));
    }
    return lengths;
}

std::string message_for(const std::string& spec, std::size_t body, std::mt19937& rng) {
    std::string payload;
    for (std::size_t i = 0; i < body; ++i)
        payload += static_cast<char>('a' + rng() % 26);
    std::string m;
    if (spec == "struct") {
        put_uint(m, body, 4, true);
    } else if (spec == "json-header") {
        const std::string json = R"({"data_size":)" + std::to_string(body) + "}";
        put_uint(m, json.size(), 4, true);
        m += json;
    } else if (spec == "mqtt") {
        m += '\x30';
        put_varint(m, body);
    } else if (spec == "lines") {
        return payload + "\n";
    } else if (spec == "amqp") {
        // A content body frame on channel 1; the payload is followed by the end octet.
        m += '\x03';
        put_uint(m, 1, 2, false);
        put_uint(m, body, 4, false);
        return m + payload + '\xCE';
    }
    return m + payload;
}

} // namespace

TEST_CASE("the exported Lua dissector finds the engine's messages in tshark", "[dissectors][lua]") {
    if (std::system("tshark --version >/dev/null 2>&1") != 0) {
        WARN("tshark not installed: skipped");
        return;
    }
    const std::string spec_name = GENERATE("struct", "json-header", "mqtt", "lines", "amqp");
    const FramingSpec spec = spec_of(spec_name);
    std::mt19937 rng(11);
    std::string stream;
    std::vector<std::uint64_t> expected;
    for (int i = 0; i < 30; ++i) {
        const std::string m = message_for(spec_name, 1 + rng() % 600, rng);
        expected.push_back(m.size());
        stream += m;
    }
    std::vector<std::string> chunks;
    for (std::size_t at = 0; at < stream.size();) {
        const std::size_t size = std::min<std::size_t>(1 + rng() % 900, stream.size() - at);
        chunks.push_back(stream.substr(at, size));
        at += size;
    }
    const std::string base = "/tmp/sniff-lua-" + std::to_string(::getpid()) + "-" + spec_name;
    const auto lua = export_lua(spec, k_port);
    REQUIRE(lua);
    std::ofstream(base + ".lua") << *lua;
    write_pcap(base + ".pcap", chunks);

    Recorder recorder;
    DissectorEngine engine(selector_of(spec_name), recorder);
    Driver driver(engine, make_flow(1, model::Protocol::tcp, k_port));
    for (const std::string& chunk : chunks)
        driver.send(model::Direction::c2s, chunk);
    driver.close();
    std::vector<std::uint64_t> ours;
    for (const auto& message : recorder.messages)
        ours.push_back(message.length);

    INFO("spec " << spec_name);
    CHECK(ours == expected);
    CHECK(tshark_lengths(base + ".lua", base + ".pcap") == expected);
    std::remove((base + ".lua").c_str());
    std::remove((base + ".pcap").c_str());
}

TEST_CASE("Lua export refuses framings it cannot express", "[dissectors][lua]") {
    std::string error;
    CHECK_FALSE(export_lua(spec_of("pgsql"), 5432, &error));
    CHECK(error.find("len:, json:, delim: and amqp:") != std::string::npos);
    const auto lua = export_lua(spec_of("tls"), 443);
    REQUIRE(lua);
    CHECK(lua->find("dissect_tcp_pdus(tvb, tree, 5, get_len, dissect_one)") != std::string::npos);
    CHECK(lua->find("DissectorTable.get(\"tcp.port\"):add(443, proto)") != std::string::npos);
}
