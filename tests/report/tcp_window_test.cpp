// The advertised window the time-sequence graph draws, checked against tshark's calculated window
// (`tcp.window_size`) packet by packet: scaled on a real loopback capture whose handshake both
// ends sent a window scale option (Linux on loopback: shift 10) and whose receive window grew past
// 65,535; raw, with the scale said unknown, on a generated capture that starts after the handshake.
// The same capture's packet counts per direction equal tshark's conversation frames.

#include "gencap/cases.hpp"
#include "protocols/harness.hpp"
#include "report/report_support.hpp"
#include "support/tshark.hpp"

#include <arpa/inet.h>
#include <catch2/catch.hpp>
#include <map>
#include <netinet/in.h>
#include <sstream>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

namespace sniff::report::test {

namespace {

using sniff::test::have_program;
using sniff::test::loopback_capture_missing;
using sniff::test::run_command;
using sniff::test::scratch_dir;

int listen_on_loopback(int& port) {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    auto address = protocols::loopback(0);
    socklen_t length = sizeof address;
    REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    REQUIRE(listen(fd, 4) == 0);
    getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    port = ntohs(address.sin_port);
    return fd;
}

int connect_to(int port) {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    const auto address = protocols::loopback(port);
    REQUIRE(connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0);
    return fd;
}

void send_all(int fd, std::size_t size) {
    const std::string chunk(64 * 1024, 'w');
    for (std::size_t sent = 0; sent < size;) {
        const auto got = send(fd, chunk.data(), std::min(chunk.size(), size - sent), MSG_NOSIGNAL);
        if (got <= 0)
            return;
        sent += static_cast<std::size_t>(got);
    }
}

std::size_t read_to_end(int fd) {
    char buffer[16 * 1024];
    std::size_t total = 0;
    for (ssize_t got; (got = recv(fd, buffer, sizeof buffer, 0)) > 0;)
        total += static_cast<std::size_t>(got);
    return total;
}

// A bulk upload (the server's receive window grows as it reads) answered by a smaller download,
// closed with FINs both ways.
void transfer(int listener, int port) {
    constexpr std::size_t k_upload = 16u << 20, k_download = 2u << 20;
    std::thread server([listener] {
        const int fd = accept(listener, nullptr, nullptr);
        const std::size_t got = read_to_end(fd);
        send_all(fd, got / 8);
        close(fd);
    });
    const int fd = connect_to(port);
    send_all(fd, k_upload);
    shutdown(fd, SHUT_WR);
    CHECK(read_to_end(fd) == k_download);
    close(fd);
    server.join();
}

// Frame number → tshark's calculated window and window scale factor (-1 unknown, -2 none).
struct TsharkWindow {
    std::uint64_t window = 0;
    long scale_factor = 0;
    bool syn_only = false; // a SYN without ACK: neither data nor a pure ACK for sniff
};

std::map<std::uint64_t, TsharkWindow> tshark_windows(const std::string& file) {
    const auto fields = run_command("tshark -r '" + file +
                                    "' -T fields -E separator=, -e frame.number "
                                    "-e tcp.window_size -e tcp.window_size_scalefactor "
                                    "-e tcp.flags.syn -e tcp.flags.ack");
    REQUIRE(fields.exit_code == 0);
    std::map<std::uint64_t, TsharkWindow> windows;
    std::istringstream lines(fields.out);
    for (std::string line; std::getline(lines, line);) {
        // A SYN has no scale factor field: "1,65495,,1,0".
        std::vector<std::string> values;
        std::istringstream cells(line);
        for (std::string cell; std::getline(cells, cell, ',');)
            values.push_back(cell);
        REQUIRE(values.size() == 5);
        TsharkWindow window;
        window.window = std::stoull(values[1]);
        window.scale_factor = values[2].empty() ? 0 : std::stol(values[2]);
        window.syn_only = values[3] == "1" && values[4] == "0";
        windows[std::stoull(values[0])] = window;
    }
    return windows;
}

// Frame number → the window sniff's report holds for it: its data segments and its control
// packets (pure ACKs, window updates, retransmissions), [.., frame, ack, window] in both.
std::map<std::uint64_t, std::uint64_t> page_windows(const nlohmann::json& data) {
    std::map<std::uint64_t, std::uint64_t> windows;
    for (const auto& flow : data["flows"])
        for (const auto& dir : flow["dirs"]) {
            for (const auto& segment : dir["segs"])
                windows[segment[4].get<std::uint64_t>()] = segment[6].get<std::uint64_t>();
            for (const auto& note : dir["ctrl"])
                windows[note[5].get<std::uint64_t>()] = note[7].get<std::uint64_t>();
        }
    return windows;
}

// sniff's JSON Lines for a capture: segment windows by frame, and the flow close events.
struct JsonView {
    std::map<std::uint64_t, std::uint64_t> segment_windows;
    std::vector<nlohmann::json> closes;
};

JsonView json_view(const std::string& file) {
    const auto run = run_command(std::string(SNIFF_BIN) + " -q -r '" + file + "' --json");
    REQUIRE(run.exit_code == 0);
    JsonView view;
    std::istringstream lines(run.out);
    for (std::string line; std::getline(lines, line);) {
        const auto event = nlohmann::json::parse(line);
        if (event["type"] == "segment")
            view.segment_windows[event["frame"].get<std::uint64_t>()] =
                event["window"].get<std::uint64_t>();
        else if (event["type"] == "flow" && event["event"] == "close")
            view.closes.push_back(event);
    }
    return view;
}

std::string report_of(const std::string& file) {
    const std::string html = file + ".html";
    const auto run =
        run_command(std::string(SNIFF_BIN) + " -q -r '" + file + "' --report '" + html + "'");
    REQUIRE(run.exit_code == 0);
    return html;
}

// Frames per direction ("ip:port" of the sender) as tshark's conversation counts them.
std::map<std::string, std::uint64_t> tshark_frames_by_sender(const std::string& file) {
    const auto fields =
        run_command("tshark -r '" + file + "' -T fields -E separator=/s -e ip.src -e tcp.srcport");
    REQUIRE(fields.exit_code == 0);
    std::map<std::string, std::uint64_t> frames;
    std::istringstream lines(fields.out);
    std::string ip, port;
    while (lines >> ip >> port)
        ++frames[ip + ":" + port];
    return frames;
}

int shift_of(long scale_factor) {
    int shift = 0;
    while (scale_factor > 1) {
        scale_factor >>= 1;
        ++shift;
    }
    return shift;
}

} // namespace

TEST_CASE("the windows sniff reports equal tshark's calculated window on a real loopback "
          "transfer, scaled",
          "[report][tshark][window]") {
    if (const auto missing = loopback_capture_missing(); !missing.empty()) {
        WARN(missing);
        return;
    }
    const auto dir = scratch_dir("report-window");
    const std::string file = (dir / "bulk.pcapng").string();
    int port = 0;
    const int listener = listen_on_loopback(port);
    {
        protocols::LoopbackCapture capture(file, port);
        REQUIRE(capture.started());
        transfer(listener, port);
        capture.stop();
    }
    close(listener);
    INFO("capture " << file << ": " << run_command("tshark -r " + file + " -q -z conv,tcp").out);

    const auto tshark = tshark_windows(file);
    REQUIRE(tshark.size() > 20);
    std::uint64_t largest = 0;
    long scale_factor = 0;
    for (const auto& [frame, window] : tshark) {
        largest = std::max(largest, window.window);
        if (!window.syn_only && window.scale_factor > 0)
            scale_factor = window.scale_factor;
    }
    CHECK(largest > 65535); // the capture needs scaling: a raw field cannot say this much
    REQUIRE(scale_factor > 1);

    const std::string html = report_of(file);
    const auto data = page_data(html);
    const auto page = page_windows(data);
    const auto json = json_view(file);
    std::size_t compared = 0;
    for (const auto& [frame, window] : tshark) {
        INFO("frame " << frame);
        const auto drawn = page.find(frame);
        if (window.syn_only) {
            CHECK(drawn == page.end());
            continue;
        }
        // Every other packet is a data segment or a control packet of the graph.
        REQUIRE(drawn != page.end());
        CHECK(drawn->second == window.window);
        if (const auto segment = json.segment_windows.find(frame);
            segment != json.segment_windows.end())
            CHECK(segment->second == window.window);
        ++compared;
    }
    CHECK(compared + 1 == tshark.size()); // all but the SYN
    CHECK(json.segment_windows.size() > 10);

    // The shift both views state is tshark's scale factor; the packets counted per direction
    // are tshark's frames of the conversation (the last ACK after the FINs included).
    const auto frames = tshark_frames_by_sender(file);
    REQUIRE(json.closes.size() == 1);
    const auto& close = json.closes.front();
    for (const char* name : {"c2s", "s2c"}) {
        INFO(name);
        CHECK(close[name]["window_shift"] == shift_of(scale_factor));
        const std::string sender = close[name == std::string("c2s") ? "src" : "dst"];
        CHECK(close[name]["packets"].get<std::uint64_t>() == frames.at(sender));
    }
    REQUIRE(data["flows"].size() == 1);
    for (const auto& direction : data["flows"][0]["dirs"]) {
        CHECK(direction["stats"]["window_shift"] == shift_of(scale_factor));
        CHECK(direction["stats"]["packets"].get<std::uint64_t>() ==
              frames.at(direction["src"].get<std::string>()));
    }
    if (have_program("chromium")) {
        const std::string dom = rendered_dom(html);
        CHECK(dom.find("(shift " + std::to_string(shift_of(scale_factor)) + ")") !=
              std::string::npos);
        CHECK(dom.find("data-window-shift=\"" + std::to_string(shift_of(scale_factor)) + "\"") !=
              std::string::npos);
    }
    std::filesystem::remove_all(dir);
}

TEST_CASE("a capture without the handshake keeps raw windows and says the scale is unknown",
          "[report][tshark][window]") {
    if (!have_program("tshark")) {
        WARN("tshark is not installed: no oracle for the windows");
        return;
    }
    const auto dir = scratch_dir("report-window-unknown");
    const auto generated = gencap::generate_case("mid_connection", dir.string());
    const auto tshark = tshark_windows(generated.file);
    REQUIRE(tshark.size() == 3);
    const auto json = json_view(generated.file);
    for (const auto& [frame, window] : tshark) {
        INFO("frame " << frame);
        CHECK(window.scale_factor == -1); // tshark: unknown
        REQUIRE(json.segment_windows.count(frame) == 1);
        CHECK(json.segment_windows.at(frame) == window.window);
    }
    REQUIRE(json.closes.size() == 1);
    CHECK(json.closes[0]["c2s"]["window_shift"].is_null());
    CHECK(json.closes[0]["s2c"]["window_shift"].is_null());

    const std::string html = report_of(generated.file);
    const auto data = page_data(html);
    CHECK(page_windows(data).size() == 3);
    for (const auto& direction : data["flows"][0]["dirs"])
        CHECK(direction["stats"]["window_shift"] == -1);
    if (have_program("chromium")) {
        const std::string dom = rendered_dom(html);
        CHECK(dom.find("window scale unknown (handshake not captured)") != std::string::npos);
        CHECK(dom.find("data-window-shift=\"-1\"") != std::string::npos);
    }
    std::filesystem::remove_all(dir);
}

} // namespace sniff::report::test
