// Captures of real programs, rewritten with their frames locally reordered as a busy capturing
// host records them (sniff-gencap --reshuffle): sniff must find exactly the same flows and
// messages, with the same classes and segments, in every reordered copy. This catches a dissector
// whose state depends on how the two directions' bytes interleave, and reassembly that mistakes a
// late handshake packet for something else.

#include "protocols/captures.hpp"
#include "protocols/datastore_captures.hpp"
#include "protocols/harness.hpp"
#include "protocols/scratch.hpp"
#include "protocols/web_captures.hpp"
#include "support/process.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>

using namespace sniff::protocols;

namespace {

// sniff's messages (`--json`), without what a reordered file changes on purpose: frame numbers
// and times. Sorted, so two runs compare as sets of lines.
std::vector<std::string> messages_of(const std::filesystem::path& file,
                                     const std::string& framing) {
    const auto run =
        sniff::test::run_command(std::string(SNIFF_BIN) + " -q -r " + shell_quote(file.string()) +
                                 " --framing " + shell_quote(framing) + " --json");
    std::vector<std::string> lines;
    std::istringstream out(run.out);
    for (std::string line; std::getline(out, line);) {
        auto object = nlohmann::json::parse(line, nullptr, false);
        if (!object.is_object() || object.value("type", "") != "message")
            continue;
        for (const char* changed : {"flow", "frames", "first_time", "last_time"})
            object.erase(changed);
        lines.push_back(object.dump());
    }
    std::sort(lines.begin(), lines.end());
    return lines;
}

std::string reshuffle(const std::filesystem::path& in, const std::filesystem::path& out, int seed) {
    const auto run = sniff::test::run_command(
        std::string(SNIFF_GENCAP) + " --reshuffle " + shell_quote(in.string()) + " " +
        shell_quote(out.string()) + " --seed " + std::to_string(seed) +
        " --reorder 0.2 --reorder-distance 6");
    REQUIRE(run.exit_code == 0);
    return run.out;
}

using CaptureFunction = std::function<ProtocolCapture(const std::filesystem::path&)>;

void check_reordered(const std::string& name, const CaptureFunction& make) {
    Scratch dir("reorder-" + name);
    const auto capture = make(dir.path());
    if (!capture.skip.empty()) {
        WARN(capture.skip);
        return;
    }
    const auto original = messages_of(capture.file, capture.framing());
    INFO(capture.name << ": " << original.size() << " messages; SNIFF_KEEP=1 keeps " << dir.path());
    REQUIRE(original.size() >= 4);
    for (int seed = 1; seed <= 3; ++seed) {
        const auto copy = dir.path() / ("reordered" + std::to_string(seed) + ".pcap");
        const std::string said = reshuffle(capture.file, copy, seed);
        INFO("seed " << seed << ": " << said);
        const auto reordered = messages_of(copy, capture.framing());
        CHECK(reordered.size() == original.size());
        // The first line that differs, rather than two whole lists.
        const auto differ =
            std::mismatch(original.begin(), original.end(), reordered.begin(), reordered.end());
        if (differ.first != original.end() || differ.second != reordered.end()) {
            FAIL_CHECK("first difference:\n  original:  "
                       << (differ.first != original.end() ? *differ.first : "(none)")
                       << "\n  reordered: "
                       << (differ.second != reordered.end() ? *differ.second : "(none)"));
        }
    }
}

} // namespace

TEST_CASE("reordered captures of gRPC and HTTP/2 and WebSocket give the same messages",
          "[protocols][reorder]") {
    check_reordered("grpc", capture_grpc);
    check_reordered("http2", capture_http2);
    check_reordered("websocket", capture_websocket);
}

TEST_CASE("reordered captures of nginx and Redis and NATS and SMTP give the same messages",
          "[protocols][reorder]") {
    check_reordered("nginx", capture_nginx);
    check_reordered("redis", capture_redis_sessions);
    check_reordered("nats", capture_nats);
    check_reordered("smtp", capture_smtp);
}

TEST_CASE("reordered captures of PostgreSQL and DNS and TLS give the same messages",
          "[protocols][reorder]") {
    check_reordered("pgsql", capture_pgsql);
    check_reordered("dns", capture_dns);
    check_reordered("tls", capture_tls);
}
