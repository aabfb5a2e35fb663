// How a live capture fails: a bad filter is a usage error with libpcap's reason, a missing
// privilege says how to get it, -Z drops root after opening; and -D lists the interfaces.

#include "live/live_support.hpp"

#include <sys/stat.h>

using namespace sniff::test;
using namespace sniff::test::live;
using namespace std::chrono_literals;

TEST_CASE("a filter libpcap cannot compile is a usage error with libpcap's message", "[live]") {
    LIVE_REQUIRE_ROOT();
    const auto result = run_command(sniff_bin() + " -i lo -c 1 -f 'tcp port 80 and'");
    CHECK(result.exit_code == 2);
    CHECK(result.err.find("bad filter 'tcp port 80 and'") != std::string::npos);
    CHECK(result.err.find("syntax error") != std::string::npos); // libpcap's own words
}

TEST_CASE("capturing without privilege says how to get it and exits 1", "[live]") {
    LIVE_REQUIRE_ROOT(); // root is needed to become an unprivileged user
    if (!have_program("setpriv")) {
        WARN("setpriv not installed: unprivileged run skipped");
        return;
    }
    const auto result = run_command("setpriv --reuid=65534 --regid=65534 --clear-groups " +
                                    sniff_bin() + " -i lo -c 1");
    CHECK(result.exit_code == 1);
    CHECK(result.err.find("needs privilege") != std::string::npos);
    CHECK(result.err.find("root") != std::string::npos);
    CHECK(result.err.find("setcap cap_net_raw,cap_net_admin=eip") != std::string::npos);
}

TEST_CASE("an interface that does not exist is an error pointing at -D", "[live]") {
    LIVE_REQUIRE_ROOT();
    const auto result = run_command(sniff_bin() + " -i sniffnosuch0 -c 1");
    CHECK(result.exit_code == 1);
    CHECK(result.err.find("sniffnosuch0") != std::string::npos);
    CHECK(result.err.find("sniff -D") != std::string::npos);
}

TEST_CASE("option -Z with an unknown user refuses to start", "[live]") {
    const auto result = run_command(sniff_bin() + " -i lo -c 1 -Z sniff-no-such-user");
    CHECK(result.exit_code == 1);
    CHECK(result.err.find("unknown user 'sniff-no-such-user'") != std::string::npos);
}

TEST_CASE("option -Z drops root after the capture is open: the saved file belongs to the user",
          "[live]") {
    LIVE_REQUIRE_ROOT();
    const auto dir = scratch_dir("live-dropuser");
    std::filesystem::permissions(dir, std::filesystem::perms::all); // writable by nobody
    const auto file = dir / "as-nobody.pcap";
    FramedServer server;
    Background sniff(sniff_bin() + " -i lo -Z nobody -f 'tcp port " +
                         std::to_string(server.port()) + "' -w '" + file.string() + "' --json",
                     dir);
    REQUIRE(sniff.wait_for_err("listening on lo", 10s));
    const auto sent = server.exchange({10, 20});
    std::this_thread::sleep_for(300ms);
    sniff.signal(SIGINT);
    INFO(sniff.err());
    REQUIRE(sniff.wait(10s) == 0);
    struct stat status {};
    REQUIRE(::stat(file.c_str(), &status) == 0);
    CHECK(status.st_uid == 65534); // created after setuid(nobody), as tcpdump does
    // The capture kept working after the switch.
    const auto end = of_type(json_lines(sniff.out()), "end");
    REQUIRE(end.size() == 1);
    CHECK(end[0]["stream_bytes"] == sent.client_bytes.size() + sent.server_bytes.size());
}

TEST_CASE("option -D lists the loopback interface with its address", "[live]") {
    const auto result = run_command(sniff_bin() + " -D");
    REQUIRE(result.exit_code == 0);
    CHECK(result.out.starts_with("1. "));
    const auto lo = result.out.find(". lo [");
    REQUIRE(lo != std::string::npos);
    const auto line_end = result.out.find('\n', lo);
    CHECK(result.out.substr(lo, line_end - lo).find("Loopback") != std::string::npos);
    // Its addresses follow on indented lines, before the next numbered interface.
    std::istringstream rest(result.out.substr(line_end + 1));
    std::string addresses;
    for (std::string line; std::getline(rest, line) && line.starts_with("    ");)
        addresses += line + "\n";
    CHECK(addresses.find("inet 127.0.0.1 netmask 255.0.0.0") != std::string::npos);
}
