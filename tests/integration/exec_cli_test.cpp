// sniff exec as a user runs it: the program's own socket calls are the chunks of its flows, every
// view works on them, and sniff ends with the program's exit status.

#include "support/process.hpp"

#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <unistd.h>

using namespace sniff::test;

namespace {

// The program says something on its standard output first: with --json, sniff gives the
// program's standard output to its standard error, so only JSON lines reach sniff's.
const std::string k_naive_client = "/bin/sh -c 'echo the-program-speaks; exec /usr/bin/python3 " +
                                   std::string(SNIFF_SOURCE_DIR) +
                                   "/tests/exec/programs/naive_client.py'";
const std::string k_node_pair =
    "/usr/bin/node " + std::string(SNIFF_SOURCE_DIR) + "/tests/exec/programs/node_pair.js";

std::vector<nlohmann::json> json_lines(const std::string& text) {
    std::vector<nlohmann::json> events;
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
        auto event = nlohmann::json::parse(line, nullptr, false);
        INFO("not a JSON line on sniff's standard output: " << line);
        REQUIRE_FALSE(event.is_discarded());
        events.push_back(std::move(event));
    }
    return events;
}

} // namespace

TEST_CASE("sniff exec: the naive client's reads are the chunks its messages are classed against",
          "[integration][exec]") {
    const auto result = run_command(std::string(SNIFF_BIN) +
                                    " exec --json --framing len:size=4,be -- " + k_naive_client);
    INFO(result.err);
    REQUIRE(result.exit_code == 0);
    CHECK(result.err.find("the-program-speaks") != std::string::npos);
    int reads = 0;
    int split_answers = 0;
    bool end_seen = false;
    for (const auto& event : json_lines(result.out)) {
        if (event["type"] == "segment" && event.value("call", "") == "recv" &&
            event.value("asked", 0) == 1024)
            ++reads;
        if (event["type"] == "message" && event.value("length", 0) == 3004 &&
            event.value("class", "") != "whole")
            ++split_answers;
        if (event["type"] == "end") {
            end_seen = true;
            CHECK(event["exec"]["exit_status"] == 0);
            CHECK(event["exec"]["calls"].get<int>() > 0);
        }
    }
    CHECK(reads >= 3);         // the client's recv(1024) calls, each one chunk
    CHECK(split_answers >= 2); // a 3004-byte answer never fits one recv(1024)
    CHECK(end_seen);
}

TEST_CASE("sniff exec: the program's exit status is sniff's, a static program is refused",
          "[integration][exec]") {
    const std::string sniff = SNIFF_BIN;
    CHECK(run_command(sniff + " exec --no-tui -- /bin/sh -c 'exit 7'").exit_code == 7);
    CHECK(run_command(sniff + " exec --no-tui -- /bin/true").exit_code == 0);
    const auto missing = run_command(sniff + " exec --no-tui -- /no/such/program");
    CHECK(missing.exit_code == 2);
    const auto no_command = run_command(sniff + " exec --no-tui");
    CHECK(no_command.exit_code == 2);
    CHECK(no_command.err.find("give the command") != std::string::npos);
    // Options that no source of the run uses are refused for exec as for the others.
    const auto ignored = run_command(sniff + " exec --rechunk 1 -- /bin/true");
    CHECK(ignored.exit_code == 2);
    CHECK(ignored.err.find("--rechunk") != std::string::npos);
    if (have_program("gcc")) {
        const auto dir = scratch_dir("exec-static");
        const auto source = dir / "static.c";
        std::ofstream(source) << "int main(void) { return 0; }\n";
        const auto binary = (dir / "static").string();
        if (run_command("gcc -static -o '" + binary + "' '" + source.string() + "'").exit_code ==
            0) {
            const auto refused = run_command(sniff + " exec -- '" + binary + "'");
            CHECK(refused.exit_code == 2);
            CHECK(refused.err.find("--proxy") != std::string::npos);
        }
        std::filesystem::remove_all(dir);
    }
}

TEST_CASE("sniff exec: a Node.js net server and client, both ends of one connection",
          "[integration][exec][node]") {
    if (!have_program("node")) {
        WARN("node not installed: ./run test installs nodejs");
        return;
    }
    const auto result =
        run_command(std::string(SNIFF_BIN) + " exec --json --framing struct -- " + k_node_pair);
    INFO(result.err);
    REQUIRE(result.exit_code == 0);
    CHECK(result.err.find("node: 3 answers") != std::string::npos);
    // libuv reads with read() and writes with write()/writev(): every call is a chunk.
    std::map<std::uint64_t, int> requests; // flow → c2s messages
    std::set<std::string> calls;
    std::uint64_t mixed = 0;
    std::vector<std::string> listed;
    for (const auto& event : json_lines(result.out)) {
        if (event["type"] == "segment" && event.value("origin", "") == "exec")
            calls.insert(event.value("call", ""));
        if (event["type"] == "message" && event.value("dir", "") == "c2s" &&
            event.value("status", "") == "complete")
            ++requests[event["flow"].get<std::uint64_t>()];
        if (event["type"] == "end") {
            mixed = event.value("mixed_reads", 0);
            listed = event.value("mixed_reads_listed", std::vector<std::string>{});
        }
    }
    // The server's one read of all three requests, named as the call it was.
    bool server_read_listed = false;
    for (const auto& line : listed)
        server_read_listed |=
            line.rfind("read #1 of c2s", 0) == 0 &&
            line.find("returned 3 whole messages (0 to 2) at once") != std::string::npos;
    INFO(listed.size() << " listed");
    CHECK(server_read_listed);
    // The text report does not call the program's own calls "what the wire carried".
    const auto text =
        run_command(std::string(SNIFF_BIN) + " exec --framing struct -- " + k_node_pair);
    REQUIRE(text.exit_code == 0);
    CHECK(text.out.find("pairing: 3 requests, 3 answers") != std::string::npos);
    CHECK(text.out.find("what the wire carried") == std::string::npos);
    CHECK(calls.count("read") == 1);
    CHECK((calls.count("write") + calls.count("writev")) >= 1);
    // The client's end and the server's end: two flows, each with the three requests.
    REQUIRE(requests.size() == 2);
    for (const auto& [flow, count] : requests)
        CHECK(count == 3);
    // The client wrote its three requests at once: that write (and the server's read, which
    // returned them together) carried several messages.
    CHECK(mixed >= 1);
}

TEST_CASE("sniff exec -i: one connection as the client wrote it, the wire carried it and the "
          "server read it",
          "[integration][exec][node][live]") {
    if (::geteuid() != 0 || !have_program("node")) {
        WARN("needs root (live capture) and node: skipped");
        return;
    }
    const auto result =
        run_command(std::string(SNIFF_BIN) + " exec -i lo --framing struct -- " + k_node_pair);
    INFO(result.out << result.err);
    REQUIRE(result.exit_code == 0);
    const auto block = result.out.find("same connection, seen three ways:");
    REQUIRE(block != std::string::npos);
    const std::string text = result.out.substr(block);
    for (const char* lane :
         {"client writes", "wire", "server reads", "client reads", "server writes", "msgs"})
        CHECK(text.find(std::string("    ") + lane) != std::string::npos);
    // The client's one write of three requests: one call, three messages.
    CHECK(text.find("c2s  client writes: 1 call (1 with bytes of two or more messages)") !=
          std::string::npos);
    CHECK(text.find("· 3 messages") != std::string::npos);
}
