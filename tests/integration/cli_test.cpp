// The command line as a user meets it: help, version, exit codes, damaged files, filters.

#include "gencap/cases.hpp"
#include "support/process.hpp"

#include <catch2/catch.hpp>

using namespace sniff::test;

TEST_CASE("help and version exit 0, usage errors exit 2", "[integration][cli]") {
    const std::string sniff = SNIFF_BIN;
    CHECK(run_command(sniff + " --help").exit_code == 0);
    CHECK(run_command(sniff + " --help").out.find("-r FILE") != std::string::npos);
    CHECK(run_command(sniff + " --version").out.starts_with("sniff "));
    const auto unknown = run_command(sniff + " --no-such-option");
    CHECK(unknown.exit_code == 2);
    CHECK(unknown.err.find("--no-such-option") != std::string::npos);
    CHECK(run_command(sniff + " -r").exit_code == 2);
    CHECK(run_command(sniff + " -c many -r x").exit_code == 2);
    CHECK(run_command(sniff).exit_code == 2);
    // --summary beside --json would do nothing (JSON takes standard output): said, not ignored.
    const auto both = run_command(sniff + " -r x.pcap --summary --json");
    CHECK(both.exit_code == 2);
    CHECK(both.err.find("--summary and --json") != std::string::npos);
}

TEST_CASE("a missing or damaged file is a runtime error naming the byte offset",
          "[integration][cli]") {
    const std::string sniff = SNIFF_BIN;
    const auto dir = scratch_dir("damaged");
    CHECK(run_command(sniff + " -r '" + (dir / "absent.pcap").string() + "'").exit_code == 1);

    const auto bad_magic = dir / "bad_magic.pcap";
    std::ofstream(bad_magic) << std::string(64, 'x');
    const auto magic = run_command(sniff + " -r '" + bad_magic.string() + "'");
    CHECK(magic.exit_code == 1);
    CHECK(magic.err.find("byte 0") != std::string::npos);

    // The in-order case cut in the middle of its sixth record: five packets are reported first.
    const auto generated = sniff::gencap::generate_case("in_order", dir.string());
    const auto whole = read_file(generated.file);
    const auto cut = dir / "cut.pcap";
    std::ofstream(cut, std::ios::binary) << whole.substr(0, whole.size() - 30);
    const auto truncated = run_command(sniff + " -q -r '" + cut.string() + "'");
    CHECK(truncated.exit_code == 1);
    CHECK(truncated.err.find("byte ") != std::string::npos);
    CHECK(truncated.out.find("1 flow,") != std::string::npos); // what was read is reported
    std::filesystem::remove_all(dir);
}

TEST_CASE("a BPF filter applies to files and a bad one is a usage error", "[integration][cli]") {
    const std::string sniff = SNIFF_BIN;
    const auto dir = scratch_dir("filter");
    const auto generated = sniff::gencap::generate_case("fin_rst", dir.string());
    const auto both = run_command(sniff + " -q -r '" + generated.file + "'");
    CHECK(both.out.find("2 flows") != std::string::npos);
    const auto one = run_command(sniff + " -q -r '" + generated.file + "' tcp port 40001");
    CHECK(one.exit_code == 0);
    CHECK(one.out.find("1 flow,") != std::string::npos);
    CHECK(one.out.find("10.0.0.1:40001") != std::string::npos);
    const auto bad = run_command(sniff + " -q -r '" + generated.file + "' -f 'tcp portt 1'");
    CHECK(bad.exit_code == 2);
    CHECK(bad.err.find("bad filter") != std::string::npos);
    std::filesystem::remove_all(dir);
}

TEST_CASE("reading with -r and writing with -w keeps the packets that pass the filter, readable by "
          "sniff and tshark",
          "[integration][cli]") {
    const std::string sniff = SNIFF_BIN;
    const auto dir = scratch_dir("rewrite");
    const auto generated = sniff::gencap::generate_case("fin_rst", dir.string());
    const auto out = (dir / "one.pcap").string();
    REQUIRE(run_command(sniff + " -q -r '" + generated.file + "' -w '" + out + "' tcp port 40001")
                .exit_code == 0);
    const auto again = run_command(sniff + " -q -r '" + out + "'");
    CHECK(again.exit_code == 0);
    CHECK(again.out.find("1 flow,") != std::string::npos);
    CHECK(again.out.find("10.0.0.1:40001") != std::string::npos);
    if (have_program("tshark")) // 3 handshake packets, 2 data, 1 reset
        CHECK(run_command("tshark -r '" + out + "' | grep -c .").out == "6\n");
    std::filesystem::remove_all(dir);
}
