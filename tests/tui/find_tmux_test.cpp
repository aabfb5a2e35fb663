// End-to-end through tmux: the inspector's prompts (filter, framing, go to, save) keep their keys
// to themselves, the wide terminal is used, and the keys that find things (class filter, next
// anomaly or gap, go to frame or offset, save the view) do what the help says.

#include "support/process.hpp"
#include "tui/tmux_session.hpp"
#include "tui/tui_support.hpp"

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

using namespace sniff;
using test::session_name;
using test::TmuxSession;

namespace {

struct Piece {
    model::Direction direction;
    std::uint64_t offset;
    std::string text;
};

// One TCP connection per client port; each piece is one segment at its stream offset, so an
// offset past the previous piece's end leaves a gap. Frames: 3 for each handshake, then one per
// piece, in order.
void write_connections(const std::string& path,
                       const std::vector<std::pair<std::uint16_t, std::vector<Piece>>>& flows) {
    capture::PcapWriter writer;
    REQUIRE(writer.open(path, {}));
    for (const auto& [port, pieces] : flows) {
        gencap::TcpCaseConnection conn(
            [&](model::Timestamp time, util::Bytes bytes, std::uint32_t original) {
                writer.write(time, bytes, original);
            },
            gencap::endpoint("10.1.1.1", port), gencap::endpoint("10.1.1.2", 7000), 100, 900);
        conn.handshake();
        for (const auto& piece : pieces)
            conn.send(piece.direction, piece.offset, piece.text);
    }
    REQUIRE(writer.close());
}

std::string inspector_command(const std::string& file) {
    // TERM is set so the pane behaves the same under CI as in a terminal.
    return std::string("TERM=xterm-256color ") + SNIFF_BIN + " -r " + file + " --framing lines";
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::string backspaces(int count) {
    std::string keys;
    for (int i = 0; i < count; ++i)
        keys += " BSpace";
    return keys;
}

constexpr auto c2s = model::Direction::c2s;
constexpr auto s2c = model::Direction::s2c;

} // namespace

TEST_CASE("tmux: prompts keep their keys, an empty filter with Enter clears it", "[tui][tmux]") {
    REQUIRE(test::have_program("tmux"));
    const auto dir = test::scratch_dir("tui-tmux-prompt");
    const auto file = (dir / "two.pcap").string();
    write_connections(file, {{40001, {{c2s, 0, "one\n"}}}, {40002, {{c2s, 0, "two\n"}}}});
    TmuxSession tmux(session_name("prompt"), inspector_command(file));
    REQUIRE(tmux.started());
    std::string screen;
    REQUIRE(tmux.wait_for("2 flows (2 shown)"));

    tmux.keys("/");
    tmux.text("40002");
    tmux.keys("Enter");
    REQUIRE(tmux.wait_for("2 flows (1 shown)", &screen));
    CHECK(screen.find("filter: 40002") != std::string::npos);
    CHECK(screen.find("10.1.1.1:40001") == std::string::npos);

    // Backspaces beyond the text stay in the prompt: none reaches the list (where s would
    // re-sort and Enter would open a flow).
    tmux.keys("/" + backspaces(9));
    tmux.text("s");
    tmux.keys("BSpace BSpace");
    REQUIRE(tmux.wait_for("filter (empty + Enter clears, Esc cancels): _", &screen));
    // An empty filter submitted clears it.
    tmux.keys("Enter");
    REQUIRE(tmux.wait_for("filter cleared", &screen));
    CHECK(screen.find("2 flows (2 shown) · sort: id") != std::string::npos);
    CHECK(screen.find(" flow #") == std::string::npos); // nothing was opened

    // Esc leaves the filter prompt and keeps the filter as it was.
    tmux.keys("/");
    tmux.text("40001");
    REQUIRE(tmux.wait_for("2 flows (1 shown)"));
    tmux.keys("Escape");
    REQUIRE(tmux.wait_for("Enter open", &screen));
    CHECK(screen.find("2 flows (2 shown)") != std::string::npos);

    // The framing prompt: Backspace on an empty prompt does not close it or go back to the list.
    tmux.keys("Enter");
    REQUIRE(tmux.wait_for("Esc back"));
    tmux.keys("f" + backspaces(14));
    REQUIRE(tmux.wait_for("framing: _", &screen));
    CHECK(screen.rfind(" flow #1 tcp", 0) == 0);
    tmux.keys("Escape");
    REQUIRE(tmux.wait_for("Esc back", &screen));
    CHECK(screen.rfind(" flow #1 tcp", 0) == 0); // Esc closed the prompt, not the flow

    tmux.keys("?");
    REQUIRE(tmux.wait_for("an empty filter + Enter clears it", &screen));
    tmux.keys("q"); // closes the help
    tmux.keys("q");
    CHECK(tmux.wait_gone());
    std::filesystem::remove_all(dir);
}

TEST_CASE("tmux: at 160 columns the lines are whole and hex rows hold 32 bytes", "[tui][tmux]") {
    REQUIRE(test::have_program("tmux"));
    const auto dir = test::scratch_dir("tui-tmux-wide");
    const auto file = (dir / "wide.pcap").string();
    std::string long_line;
    for (int i = 0; i < 10; ++i)
        long_line += "0123456789";
    write_connections(file, {{40001, {{c2s, 0, long_line + "\n"}, {s2c, 0, "ok\n"}}}});
    TmuxSession tmux(session_name("wide"), inspector_command(file));
    REQUIRE(tmux.started());
    REQUIRE(tmux.wait_for("Enter open"));
    tmux.keys("Enter");
    std::string screen;
    REQUIRE(tmux.wait_for("Esc back", &screen));
    INFO(screen);
    // tshark's index of the stream beside sniff's flow number.
    CHECK(screen.find(" flow #1 tcp 10.1.1.1:40001 ⇄ 10.1.1.2:7000 · closed (end-of-input) · "
                      "tshark tcp.stream 0 · text") != std::string::npos);
    // The stats line and the key line end where they should, not cut at the edge.
    CHECK(screen.find("1 gap") == std::string::npos);
    CHECK(screen.find(" c2s 101 B, 1 seg: 1 whole 0 coal. 0 split 0 both, 0 gaps, 0 bad · "
                      "s2c 3 B, 1 seg: 1 whole 0 coal. 0 split 0 both, 0 gaps, 0 bad · "
                      "0 anomalies\n") != std::string::npos);
    CHECK(screen.find("w save  x hex  f framing  / search\n") != std::string::npos);

    tmux.keys("x");
    REQUIRE(tmux.wait_for("· hex", &screen));
    // 32 bytes a row: the pane's three rows start at 0x00, 0x20 and 0x40.
    CHECK(screen.find("00000020 ") != std::string::npos);
    CHECK(screen.find("00000040 ") != std::string::npos);
    CHECK(screen.find("00000010 ") == std::string::npos);
    CHECK(screen.find("00000030 ") == std::string::npos);
    // The first row's ASCII column holds 32 characters.
    CHECK(screen.find(" 01234567890123456789012345678901\n") != std::string::npos);
    tmux.keys("q");
    CHECK(tmux.wait_gone());
    std::filesystem::remove_all(dir);
}

TEST_CASE("tmux: c lists split or coalesced messages, a/A step to gaps and bad messages, "
          ": goes to a frame or an offset",
          "[tui][tmux]") {
    REQUIRE(test::have_program("tmux"));
    const auto dir = test::scratch_dir("tui-tmux-find");
    const auto file = (dir / "find.pcap").string();
    // c2s: "one\n" whole (frame 4); "two\n" split over frames 5-6; "three\n" and "four\n"
    // coalesced in frame 7; then bytes 19-22 are lost and "five\n" follows at 23 (frame 8).
    write_connections(file, {{40001,
                              {{c2s, 0, "one\n"},
                               {c2s, 4, "tw"},
                               {c2s, 6, "o\n"},
                               {c2s, 8, "three\nfour\n"},
                               {c2s, 23, "five\n"},
                               {s2c, 0, "ok\n"}}}});
    TmuxSession tmux(session_name("find"), inspector_command(file));
    REQUIRE(tmux.started());
    REQUIRE(tmux.wait_for("Enter open"));
    tmux.keys("Enter");
    std::string screen;
    REQUIRE(tmux.wait_for("Esc back", &screen));

    tmux.keys("c");
    REQUIRE(tmux.wait_for("listing split messages only", &screen));
    INFO(screen);
    CHECK(screen.find("messages c2s (") != std::string::npos);
    CHECK(screen.find("split only (c)") != std::string::npos);
    CHECK(screen.find("message #1 c2s · split") != std::string::npos);
    CHECK(screen.find(" coalesced       ") == std::string::npos); // no coalesced row listed
    tmux.keys("n");
    REQUIRE(tmux.wait_for("no next message"));
    tmux.keys("c");
    REQUIRE(tmux.wait_for("listing coalesced messages only", &screen));
    CHECK(screen.find("message #2 c2s · coalesced") != std::string::npos);
    tmux.keys("n");
    REQUIRE(tmux.wait_for("message #3 c2s · coalesced", &screen));
    CHECK(screen.find(" split           ") == std::string::npos); // no split row listed
    tmux.keys("c");
    REQUIRE(tmux.wait_for("listing all messages"));

    tmux.keys("g a");
    REQUIRE(tmux.wait_for("at offset 19", &screen));
    CHECK(screen.find("gap of 4 B (lost) at offset 19") != std::string::npos);
    tmux.keys("A");
    REQUIRE(tmux.wait_for("no previous anomaly, gap or bad message in c2s", &screen));

    tmux.keys(":");
    tmux.text("7");
    tmux.keys("Enter");
    REQUIRE(tmux.wait_for("frame 7: c2s segment 3 at offset 8", &screen));
    CHECK(screen.find("message #2 c2s") != std::string::npos);
    tmux.keys(":");
    tmux.text("9");
    tmux.keys("Enter");
    REQUIRE(tmux.wait_for("frame 9: s2c segment 0 at offset 0", &screen));
    CHECK(screen.find("messages s2c (1)") != std::string::npos);
    tmux.keys("Tab Tab Tab"); // back to the c2s bytes
    tmux.keys(":");
    tmux.text("@0x6");
    tmux.keys("Enter");
    REQUIRE(tmux.wait_for("c2s offset 6", &screen));
    CHECK(screen.find("message #1 c2s · split") != std::string::npos);
    tmux.keys(":");
    tmux.text("frame");
    tmux.keys("Enter");
    REQUIRE(tmux.wait_for("go to: give a frame number"));
    tmux.keys("q");
    CHECK(tmux.wait_gone());
    std::filesystem::remove_all(dir);
}

TEST_CASE("tmux: w saves the boundary picture, the message list and the flow list", "[tui][tmux]") {
    REQUIRE(test::have_program("tmux"));
    const auto dir = test::scratch_dir("tui-tmux-save");
    const auto file = (dir / "save.pcap").string();
    write_connections(file,
                      {{40001, {{c2s, 0, "one\ntw"}, {c2s, 6, "o\n"}, {s2c, 0, "\x1b[2Jok\n"}}}});
    TmuxSession tmux(session_name("save"), inspector_command(file));
    REQUIRE(tmux.started());
    REQUIRE(tmux.wait_for("Enter open"));
    const auto list_file = (dir / "list.txt").string();
    tmux.keys("w");
    REQUIRE(tmux.wait_for("save view to file: sniff-flows.txt_"));
    tmux.keys(backspaces(20));
    tmux.text(list_file);
    tmux.keys("Enter");
    REQUIRE(tmux.wait_for("saved to " + list_file));
    CHECK(read_file(list_file).find("10.1.1.1:40001 → 10.1.1.2:7000") != std::string::npos);

    tmux.keys("Enter");
    REQUIRE(tmux.wait_for("Esc back"));
    const auto picture_file = (dir / "picture.txt").string();
    tmux.keys("w");
    REQUIRE(tmux.wait_for("save view to file: sniff-flow-1-boundaries.txt_"));
    tmux.keys(backspaces(30));
    tmux.text(picture_file);
    tmux.keys("Enter");
    REQUIRE(tmux.wait_for("saved to " + picture_file));
    const auto picture = read_file(picture_file);
    INFO(picture);
    // "one\n" shares segment 0 with "tw": coalesced; "two\n" spans both segments.
    CHECK(picture.find("     seg ┃seg 0 · ┃seg┃") != std::string::npos);
    CHECK(picture.find("00000000  one\\n tw o\\n") != std::string::npos);
    CHECK(picture.find("     msg │#0 co│#1 coa│") != std::string::npos);
    CHECK(picture.find("s2c 10.1.1.2:7000 → 10.1.1.1:40001") != std::string::npos);
    CHECK(picture.find("\\x1b[2Jok\\n") != std::string::npos);
    CHECK(picture.find('\x1b') == std::string::npos); // escaped, never raw

    const auto messages_file = (dir / "messages.txt").string();
    tmux.keys("BTab BTab w"); // c2s bytes → c2s segments → c2s messages
    REQUIRE(tmux.wait_for("save view to file: sniff-flow-1-messages.txt_"));
    tmux.keys(backspaces(30));
    tmux.text(messages_file);
    tmux.keys("Enter");
    REQUIRE(tmux.wait_for("saved to " + messages_file));
    const auto messages = read_file(messages_file);
    INFO(messages);
    CHECK(messages.find("messages c2s\n") != std::string::npos);
    CHECK(messages.find("     0          0        4 coalesced         0-0") != std::string::npos);
    CHECK(messages.find("     1          4        4 coalesced+split   0-1") != std::string::npos);

    tmux.keys("w");
    tmux.keys(backspaces(30));
    tmux.text("/nonexistent-dir/x.txt");
    tmux.keys("Enter");
    REQUIRE(tmux.wait_for("save: cannot write /nonexistent-dir/x.txt"));
    tmux.keys("q");
    CHECK(tmux.wait_gone());
    std::filesystem::remove_all(dir);
}
