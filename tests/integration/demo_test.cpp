// sniff demo without a terminal: it runs every step on real loopback sockets and its report shows
// the sticky-packet effects, sniff's view of them, and every framed answer intact.

#include "support/process.hpp"

#include <catch2/catch.hpp>
#include <regex>

using namespace sniff::test;

TEST_CASE("sniff demo tells the whole story and exits 0", "[integration][demo]") {
    const auto result = run_command(std::string(SNIFF_BIN) + " demo </dev/null");
    INFO(result.out << result.err);
    REQUIRE(result.exit_code == 0);
    const std::string& out = result.out;

    // Step 1: three sends, one read of all of them; sniff's proxy saw three chunks.
    CHECK(out.find("recv(1024) -> 14 bytes \"helloworldegon\"") != std::string::npos);
    CHECK(out.find("14 B in 3 segments") != std::string::npos);
    // Step 2: leftovers come first.
    CHECK(out.find("recv(1) -> 1 byte \"h\"") != std::string::npos); // plural agreement
    CHECK(out.find("recv(5) -> 5 bytes \"ellow\"") != std::string::npos);
    // Step 3 without framing: the large answer bleeds into the next command's read.
    CHECK(out.find("end of answer 2") != std::string::npos);
    CHECK(out.find("corrupt") != std::string::npos);
    // With each framing: all answers intact, and sniff finds the messages with classes.
    for (const char* framing : {"[ascii-len]", "[struct]", "[json-header]"}) {
        INFO(framing);
        const auto at = out.find(framing);
        REQUIRE(at != std::string::npos);
        const auto section = out.substr(at, out.find("\n  [", at + 1) - at);
        CHECK(section.find("corrupt") == std::string::npos);
        CHECK(std::regex_search(section, std::regex("3 messages: \\d+ whole")));
    }
    CHECK(std::regex_search(out, std::regex("\\d+ split")));
    // Step 4: the UDP datagram larger than recvfrom's buffer is cut, and sniff flags it.
    CHECK(out.find("CUT: the rest is lost") != std::string::npos);
    CHECK(out.find("[recvfrom would cut it]") != std::string::npos);
}
