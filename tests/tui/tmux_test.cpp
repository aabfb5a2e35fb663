// End-to-end: sniff runs in a detached tmux session; keys go in with send-keys and the screen
// comes back with capture-pane. Every wait is bounded and every session is killed.

#include "support/process.hpp"
#include "tui/tmux_session.hpp"
#include "tui/tui_support.hpp"

#include <catch2/catch.hpp>

using namespace sniff;
using test::session_name;
using test::TmuxSession;

TEST_CASE("tmux: open a flow, step messages, switch framing, search and quit", "[tui][tmux]") {
    REQUIRE(test::have_program("tmux")); // CI installs it
    const auto dir = test::scratch_dir("tui-tmux");
    const auto file = (dir / "lines.pcap").string();
    test::write_flow_capture(file, {"alpha\nbeta\nga", "mma\ndelta\n"}, {"ok\nok\n"});
    // TERM is set so the pane behaves the same under CI as in a terminal.
    TmuxSession tmux(session_name("main"), std::string("TERM=xterm-256color ") + SNIFF_BIN +
                                               " -r " + file + " --framing lines");
    REQUIRE(tmux.started());
    std::string screen;
    REQUIRE(tmux.wait_for("Enter open", &screen));
    CHECK(screen.find("10.1.1.1:40001 → 10.1.1.2:7000") != std::string::npos);

    tmux.keys("Enter");
    // The status bar is the last row painted: once it shows the flow view's keys, so does
    // the whole pane.
    REQUIRE(tmux.wait_for("Esc back", &screen));
    INFO(screen);
    // The text lane and both boundary lanes of the first row.
    CHECK(screen.find("alpha\\n beta\\n ga mma\\n delta\\n") != std::string::npos);
    // Lane widths follow the escaped bytes: "alpha\n" takes 7 columns, so label "#0 coalesced"
    // is cut to 7; segment 0 ("alpha\n beta\n ga", 17 columns) holds its 13-column label and
    // 4 columns of span.
    CHECK(screen.find("┃seg 0 · 13 B ────┃seg 1 · 10 B ┃") != std::string::npos);
    CHECK(screen.find("│#0 coal│#1 coa│#2 coale│#3 coal│") != std::string::npos);
    CHECK(screen.find("message #0 c2s · coalesced") != std::string::npos);

    tmux.keys("n n");
    REQUIRE(tmux.wait_for("message #2 c2s · coalesced+split", &screen));

    tmux.keys("f");
    REQUIRE(tmux.wait_for("framing: delim:\\n"));
    tmux.keys("BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace");
    tmux.text("len:size=9");
    tmux.keys("Enter");
    REQUIRE(tmux.wait_for("framing: len:", &screen)); // the error, in the status line
    tmux.keys("f BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace");
    tmux.text("delim:a");
    tmux.keys("Enter");
    REQUIRE(tmux.wait_for("re-dissected with delim:a", &screen));
    CHECK(screen.find("c2s 10.1.1.1:40001 → 10.1.1.2:7000   delim:a") != std::string::npos);

    tmux.keys("/");
    tmux.text("delta");
    tmux.keys("Enter");
    REQUIRE(tmux.wait_for("found 'delta' at offset 17", &screen));

    tmux.keys("q");
    CHECK(tmux.wait_gone());
    std::filesystem::remove_all(dir);
}

TEST_CASE("tmux: escape sequences in the traffic reach the pane only escaped", "[tui][tmux]") {
    REQUIRE(test::have_program("tmux")); // CI installs it
    const auto dir = test::scratch_dir("tui-tmux-escape");
    const auto file = (dir / "hostile.pcap").string();
    static const char k_c2s[] = "\x1b[2J\x1b]0;pwned\x07\x1b[31mRED\x0e\x9b"
                                "1m\n";
    static const char k_s2c[] = "\x1b"
                                "c\r\x08\x7f\n";
    test::write_flow_capture(file, {std::string(k_c2s, sizeof k_c2s - 1)},
                             {std::string(k_s2c, sizeof k_s2c - 1)});
    TmuxSession tmux(session_name("escape"), std::string("TERM=xterm-256color ") + SNIFF_BIN +
                                                 " -r " + file + " --framing lines");
    REQUIRE(tmux.started());
    REQUIRE(tmux.wait_for("Enter open"));
    tmux.keys("Enter");
    std::string screen;
    // The status bar is the last row painted: once it shows the flow view's keys, so does
    // the whole pane.
    REQUIRE(tmux.wait_for("Esc back", &screen));
    INFO(screen);
    CHECK(screen.find("\\x1b[2J\\x1b]0;pwned\\x07\\x1b[31mRED\\x0e\\x9b1m\\n") !=
          std::string::npos);
    CHECK(screen.find("\\x1bc\\r\\x08\\x7f\\n") != std::string::npos);
    // The screen was not cleared or re-coloured away: the title bar is still on the first line.
    CHECK(screen.rfind(" flow #1 tcp", 0) == 0);
    // The pane title was not set by the OSC sequence.
    const auto title =
        tmux.tmux("display-message -p -t " + session_name("escape") + " '#{pane_title}'").out;
    CHECK(title.find("pwned") == std::string::npos);
    tmux.keys("q");
    CHECK(tmux.wait_gone());
    std::filesystem::remove_all(dir);
}

TEST_CASE("tmux: -r IN -w OUT on a terminal writes OUT while the inspector shows IN",
          "[tui][tmux]") {
    REQUIRE(test::have_program("tmux"));
    const auto dir = test::scratch_dir("tui-tmux-write");
    const auto in = (dir / "in.pcap").string();
    const auto out = (dir / "out.pcap").string();
    test::write_flow_capture(in, {"alpha\n", "beta\n"}, {"ok\n"});
    TmuxSession tmux(session_name("write"),
                     std::string("TERM=xterm-256color ") + SNIFF_BIN + " -r " + in + " -w " + out);
    REQUIRE(tmux.started());
    REQUIRE(tmux.wait_for("Enter open"));
    tmux.keys("q");
    REQUIRE(tmux.wait_gone());
    // The copy holds the same packets: sniff reads both to the same report, names aside.
    const auto report = [](const std::string& file) {
        auto text = test::run_command(std::string(SNIFF_BIN) + " -q -r " + file).out;
        for (auto at = text.find(file); at != std::string::npos; at = text.find(file))
            text.replace(at, file.size(), "FILE");
        return text;
    };
    const std::string copy = report(out);
    CHECK(copy.find("1 flow,") != std::string::npos);
    CHECK(copy == report(in));
    std::filesystem::remove_all(dir);
}
