// Untrusted bytes never reach the terminal unescaped: a capture whose payload and JSON header hold
// ESC sequences, C1 controls and other control bytes is printed by every text view without them.

#include "capture/pcap_writer.hpp"
#include "gencap/case_writer.hpp"
#include "support/process.hpp"

#include <catch2/catch.hpp>

using namespace sniff::test;

namespace {

bool has_control_bytes(const std::string& text) {
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto byte = static_cast<unsigned char>(text[i]);
        if (byte == 0x1b || byte == 0x07 || byte == 0x9b || byte == 0x00 || byte == 0x08 ||
            byte == 0x7f)
            return true;
        if (byte == 0xc2 && i + 1 < text.size() &&
            static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
            static_cast<unsigned char>(text[i + 1]) <= 0x9f)
            return true; // a C1 control encoded in UTF-8
    }
    return false;
}

std::string json_header_message(const std::string& header, const std::string& body) {
    std::string message(4, '\0');
    const auto size = static_cast<std::uint32_t>(header.size());
    for (int i = 0; i < 4; ++i)
        message[static_cast<std::size_t>(i)] = static_cast<char>(size >> (8 * i));
    return message + header + body;
}

} // namespace

TEST_CASE("text views escape every control byte from the network", "[integration][escaping]") {
    using namespace sniff;
    const auto dir = scratch_dir("escaping");
    const auto file = (dir / "hostile.pcap").string();
    capture::PcapWriter writer;
    REQUIRE(writer.open(file, {}));
    gencap::TcpCaseConnection conn([&writer](model::Timestamp time, util::Bytes frame,
                                             std::uint32_t) { writer.write(time, frame); },
                                   gencap::endpoint("10.0.0.1", 40000),
                                   gencap::endpoint("10.0.0.2", 9000), 1, 2);
    conn.handshake();
    const std::string hostile = "\x1b[2J\x1b]0;pwned\x07\xc2\x9b"
                                "31m\b\x7f\r";
    const std::string header = "{\"data_size\":" + std::to_string(hostile.size()) +
                               ",\"name\":\"\xc2\x9b"
                               "2J\"}";
    const std::string message = json_header_message(header, hostile);
    conn.send(model::Direction::c2s, 0, message);
    conn.send(model::Direction::s2c, 0, hostile + "\n" + hostile + "\n");
    REQUIRE(writer.close());

    const std::string sniff = SNIFF_BIN;
    for (const std::string options :
         {" --framing 9000=json-header", " --framing lines", "", " --framing auto", " --json",
          " --json --framing 9000=json-header"}) {
        INFO("sniff -r" << options);
        const auto result = run_command(sniff + " -q -r '" + file + "'" + options);
        CHECK(result.exit_code == 0);
        CHECK_FALSE(has_control_bytes(result.out));
        CHECK_FALSE(has_control_bytes(result.err));
    }
    const auto report = run_command(sniff + " -q -r '" + file + "' --framing 9000=json-header");
    CHECK(report.out.find("\\x1b[2J") != std::string::npos); // shown, escaped
    std::filesystem::remove_all(dir);
}
