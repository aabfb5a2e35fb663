// The inspector's memory on a capture of millions of small messages (issue 14): the store keeps
// each message in a few bytes, so the peak RSS per message stays far below the 64-byte record it
// once kept, and opening a flow and jumping to its end still land on the right message.

#include "support/process.hpp"
#include "tui/tmux_session.hpp"

#include <catch2/catch.hpp>
#include <fstream>
#include <regex>

using namespace sniff;
using test::session_name;
using test::TmuxSession;

namespace {

// The number after `key` in /proc/PID/status, in kB; 0 when absent.
std::uint64_t status_kib(const std::string& pid, const std::string& key) {
    std::ifstream in("/proc/" + pid + "/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind(key + ":", 0) == 0)
            return std::stoull(line.substr(key.size() + 1));
    return 0;
}

// The number the first (or last) match of `pattern` in the text captures, or 0.
std::uint64_t captured(const std::string& text, const std::string& pattern, bool last = false) {
    const std::regex expression(pattern);
    std::uint64_t found = 0;
    for (auto it = std::sregex_iterator(text.begin(), text.end(), expression);
         it != std::sregex_iterator(); ++it) {
        found = std::stoull((*it)[1].str());
        if (!last)
            break;
    }
    return found;
}

} // namespace

TEST_CASE("tmux: millions of small messages take a few bytes each and G still finds the last",
          "[tui][tmux]") {
    REQUIRE(test::have_program("tmux"));
    const auto dir = test::scratch_dir("tui-memory");
    const auto file = (dir / "traffic.pcap").string();
    // redis-benchmark's shape, ~80 MB: 2.4 million RESP lines with crlf over 20 connections.
    REQUIRE(test::run_command(std::string(SNIFF_GENCAP) + " --traffic " + file +
                              " --connections 20 --packets 100000 --seed 3")
                .exit_code == 0);
    const auto summary =
        test::run_command(std::string(SNIFF_BIN) + " -q -r " + file + " --framing crlf");
    // The totals come last, after each flow's own count.
    const std::uint64_t messages = captured(summary.out, R"((\d+) messages:)", true);
    INFO(summary.out);
    REQUIRE(messages > 2'000'000);

    TmuxSession tmux(session_name("memory"), std::string("TERM=xterm-256color ") + SNIFF_BIN +
                                                 " -r " + file + " --framing crlf");
    REQUIRE(tmux.started());
    std::string screen;
    // The key hints replace the loading status once the whole file is read.
    REQUIRE(tmux.wait_for("q quit", &screen, std::chrono::seconds(300)));
    const std::string pid = tmux.pid();
    const std::uint64_t peak = status_kib(pid, "VmHWM") * 1024;
    INFO("pid " << pid << ": peak RSS " << peak << " B for " << messages << " messages");
    REQUIRE(peak > 0);
    WARN("peak " << peak / messages << " B per message");
    // The mapped capture's pages, the binary and the segments count too; a 64-byte record per
    // message alone would be 64 B per message. AddressSanitizer's shadow memory and redzones
    // double the heap, so there only the navigation below is checked.
#if !defined(__SANITIZE_ADDRESS__)
    CHECK(peak / messages < 32);
#endif

    tmux.keys("Enter");
    REQUIRE(tmux.wait_for("Esc back", &screen));
    const std::uint64_t c2s = captured(screen, R"(delim:\\r\\n\s+(\d+) msgs)");
    INFO(screen);
    REQUIRE(c2s > 10'000);
    tmux.keys("G");
    REQUIRE(tmux.wait_for("message #" + std::to_string(c2s - 1) + " c2s", &screen));
    tmux.keys("g");
    REQUIRE(tmux.wait_for("message #0 c2s", &screen));
    tmux.keys("q");
    CHECK(tmux.wait_gone());
    std::filesystem::remove_all(dir);
}
