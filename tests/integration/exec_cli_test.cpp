// sniff exec as a user runs it: the program's own socket calls are the chunks of its flows, every
// view works on them, and sniff ends with the program's exit status.

#include "support/process.hpp"

#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

using namespace sniff::test;

namespace {

// The program's own output goes elsewhere: it shares sniff's standard output, and sniff's
// buffered JSON lines and the program's lines would interleave.
const std::string k_naive_client = "/bin/sh -c '/usr/bin/python3 " + std::string(SNIFF_SOURCE_DIR) +
                                   "/tests/exec/programs/naive_client.py >/dev/null'";

} // namespace

TEST_CASE("sniff exec: the naive client's reads are the chunks its messages are classed against",
          "[integration][exec]") {
    const auto result = run_command(std::string(SNIFF_BIN) +
                                    " exec --json --framing len:size=4,be -- " + k_naive_client);
    INFO(result.err);
    REQUIRE(result.exit_code == 0);
    std::istringstream lines(result.out);
    std::string line;
    int reads = 0;
    int split_answers = 0;
    bool end_seen = false;
    while (std::getline(lines, line)) {
        if (!line.starts_with("{"))
            continue; // the program's own standard output shares sniff's
        const auto event = nlohmann::json::parse(line, nullptr, false);
        REQUIRE_FALSE(event.is_discarded());
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
