// Real web servers and clients (issue 15): sniff's http, websocket and http2 framings count, per
// direction, the messages tshark's dissectors count on the same captures.

#include "protocols/harness.hpp"
#include "protocols/scratch.hpp"
#include "protocols/web_captures.hpp"
#include "support/process.hpp"
#include "support/tshark.hpp"

#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

using namespace sniff::protocols;

namespace {

long count_of(const std::string& bytes, const std::string& text) {
    long count = 0;
    for (auto at = bytes.find(text); at != std::string::npos; at = bytes.find(text, at + 1))
        ++count;
    return count;
}

// An independent count of HTTP/1 messages in the streams tshark reassembles: request lines end
// with " HTTP/1.1\r\n", status lines begin with "HTTP/1.1 "; no body served here holds either.
DirectionCounts start_lines(const ProtocolCapture& capture) {
    const auto streams = sniff::test::tshark_follow_all(
        capture.file.string(), sniff::test::tshark_tcp_stream_count(capture.file.string()));
    const std::string server = ":" + std::to_string(capture.port);
    DirectionCounts lines;
    for (const auto& stream : streams) {
        const bool node0_is_server = stream.node0.ends_with(server);
        lines.c2s +=
            count_of(node0_is_server ? stream.from_node1 : stream.from_node0, " HTTP/1.1\r\n");
        lines.s2c += count_of(node0_is_server ? stream.from_node0 : stream.from_node1, "HTTP/1.1 ");
    }
    return lines;
}

// The sizes of the chunks (parts) of the chunked messages of `sniff --json`, per direction, in
// order; a message with more chunks than it lists counts as a failure (-1).
std::array<std::vector<long>, 2> sniff_chunk_parts(const std::filesystem::path& file,
                                                   const std::string& framing) {
    const auto json =
        sniff::test::run_command(std::string(SNIFF_BIN) + " -q -r " + shell_quote(file.string()) +
                                 " --framing " + shell_quote(framing) + " --json");
    std::array<std::vector<long>, 2> parts;
    std::istringstream lines(json.out);
    for (std::string line; std::getline(lines, line);) {
        const auto object = nlohmann::json::parse(line, nullptr, false);
        if (!object.is_object() || object.value("type", "") != "message" ||
            !object.contains("header") || !object["header"].contains("parts"))
            continue;
        auto& list = parts[object["dir"] == "c2s" ? 0 : 1];
        const auto& header = object["header"];
        if (header["chunks"].get<long>() != static_cast<long>(header["parts"].size()) + 1)
            list.push_back(-1);
        for (const auto& part : header["parts"])
            list.push_back(part[1].get<long>());
    }
    return parts;
}

} // namespace

TEST_CASE("http counts the requests and responses tshark finds between curl, nc and nginx",
          "[protocols][http]") {
    Scratch dir("nginx");
    const auto capture = capture_nginx(dir.path());
    if (!capture.skip.empty()) {
        WARN(capture.skip);
        return;
    }
    const auto sniff = sniff_report(capture.file, capture.framing());
    DirectionCounts tshark;
    tshark.c2s =
        count_occurrences(tshark_frames(capture.file, capture.port, "http", "http.request")).c2s;
    tshark.s2c =
        count_occurrences(tshark_frames(capture.file, capture.port, "http", "http.response")).s2c;
    const DirectionCounts lines = start_lines(capture);
    INFO(capture.name << ": sniff --framing " << capture.framing() << " complete " << sniff.complete
                      << ", other " << sniff.other.total() << "; tshark " << tshark
                      << "; start lines " << lines << "; SNIFF_KEEP=1 keeps " << capture.file);
    CHECK(sniff.flows == 6);
    // 6 + 3 requests by curl, 4 pipelined by nc and a chunked one; each answered once, plus one
    // 100 Continue.
    CHECK(lines == DirectionCounts{14, 15});
    CHECK(sniff.complete == lines);
    CHECK(sniff.complete.c2s == tshark.c2s);
    // tshark 4.0 pairs the pipelined HEAD with no request, waits for the body its Content-Length
    // announces, and reads the last two answers as that body: it misses three responses there.
    CHECK(tshark.s2c == lines.s2c - 3);
    CHECK(sniff.other.total() == 0);
    CHECK(sniff.skipped_bytes == 0);
    // A chunked message's chunks are its parts: the sizes tshark lists for the chunked request
    // body (curl) and the gzip response (nginx), in order, per direction.
    const auto parts = sniff_chunk_parts(capture.file, capture.framing());
    const auto chunk_frames = tshark_frames(capture.file, capture.port, "http", "http.chunk_size");
    std::array<std::vector<long>, 2> tshark_chunks;
    for (const auto& frame : chunk_frames)
        for (const auto& value : frame.values)
            if (std::stol(value) != 0) // the last chunk, not a part
                tshark_chunks[frame.from_server ? 1 : 0].push_back(std::stol(value));
    CHECK(parts[0] == std::vector<long>{30000, 4, 10, 3});
    CHECK(parts[1].size() == 1); // nginx's gzip response
    CHECK(parts == tshark_chunks);
    // auto names http from the first lines and pairs the same way.
    CHECK(sniff_report(capture.file, "auto").boundaries == sniff.boundaries);
}

TEST_CASE("http then websocket count the frames tshark finds between python3-websockets peers",
          "[protocols][websocket]") {
    Scratch dir("websocket");
    const auto capture = capture_websocket(dir.path());
    if (!capture.skip.empty()) {
        WARN(capture.skip);
        return;
    }
    const auto sniff = sniff_report(capture.file, capture.framing());
    const auto frames =
        count_occurrences(tshark_frames(capture.file, capture.port, "http", "websocket.opcode"));
    INFO(capture.name << ": sniff --framing " << capture.framing() << " complete " << sniff.complete
                      << ", other " << sniff.other.total() << "; tshark websocket frames " << frames
                      << "; SNIFF_KEEP=1 keeps " << capture.file);
    CHECK(sniff.flows == 1);
    // The client: 3 messages, the fragmented one in 4 frames (websockets ends it with an empty
    // FIN continuation), a ping, a close; the server: 4 echoes, a pong, a close. sniff adds the
    // upgrade request and the 101 to each direction.
    CHECK(frames == DirectionCounts{9, 6});
    CHECK(sniff.complete == DirectionCounts{frames.c2s + 1, frames.s2c + 1});
    CHECK(sniff.other.total() == 0);
    CHECK(sniff_report(capture.file, "auto").boundaries == sniff.boundaries);
}

TEST_CASE("http2 counts the frames tshark finds between nghttp, h2load and nghttpd",
          "[protocols][http2]") {
    Scratch dir("http2");
    const auto capture = capture_http2(dir.path());
    if (!capture.skip.empty()) {
        WARN(capture.skip);
        return;
    }
    const std::string framing = std::to_string(capture.port) + "=http2";
    const auto sniff = sniff_report(capture.file, framing);
    const auto via_http = sniff_report(capture.file, capture.framing());
    const auto frames =
        count_occurrences(tshark_frames(capture.file, capture.port, "http2", "http2.type"));
    // tshark lists the client preface as a "Magic" pseudo-frame without http2.type.
    const auto prefaces =
        count_occurrences(tshark_frames(capture.file, capture.port, "http2", "http2.magic"));
    INFO(capture.name << ": sniff --framing " << framing << " complete " << sniff.complete
                      << ", other " << sniff.other.total() << "; via http " << via_http.complete
                      << "; tshark frames " << frames << ", prefaces " << prefaces
                      << "; SNIFF_KEEP=1 keeps " << capture.file);
    CHECK(sniff.flows == 3);
    CHECK(prefaces == DirectionCounts{3, 0});
    CHECK(frames.total() > 100);
    CHECK(sniff.complete == DirectionCounts{frames.c2s + prefaces.c2s, frames.s2c});
    CHECK(sniff.other.total() == 0);
    CHECK(via_http.complete == sniff.complete); // http switches on the preface
    CHECK(sniff_report(capture.file, "auto").boundaries == sniff.boundaries);
}

TEST_CASE("http follows an h2c upgrade into the HTTP/2 frames tshark finds (nghttpx)",
          "[protocols][http2][h2c]") {
    Scratch dir("h2c");
    const auto capture = capture_h2c_upgrade(dir.path());
    if (!capture.skip.empty()) {
        WARN(capture.skip);
        return;
    }
    const auto sniff = sniff_report(capture.file, capture.framing());
    const auto requests =
        count_occurrences(tshark_frames(capture.file, capture.port, "http", "http.request"));
    const auto responses =
        count_occurrences(tshark_frames(capture.file, capture.port, "http", "http.response"));
    const auto frames =
        count_occurrences(tshark_frames(capture.file, capture.port, "http", "http2.type"));
    const auto prefaces =
        count_occurrences(tshark_frames(capture.file, capture.port, "http", "http2.magic"));
    INFO(capture.name << ": sniff --framing " << capture.framing() << " complete " << sniff.complete
                      << ", other " << sniff.other.total() << "; tshark requests " << requests
                      << ", responses " << responses << ", frames " << frames << ", prefaces "
                      << prefaces << "; SNIFF_KEEP=1 keeps " << capture.file);
    // Two clients (the close of the readiness probe's connection may be captured too).
    CHECK(sniff.flows >= 2);
    // One upgrade request and its 101 per connection, then the client's preface.
    CHECK(requests == DirectionCounts{2, 0});
    CHECK(responses == DirectionCounts{0, 2});
    CHECK(prefaces == DirectionCounts{2, 0});
    CHECK(frames.total() > 40); // the 300 KB file in DATA frames
    CHECK(sniff.complete ==
          DirectionCounts{requests.c2s + prefaces.c2s + frames.c2s, responses.s2c + frames.s2c});
    CHECK(sniff.other.total() == 0);
    CHECK(sniff.skipped_bytes == 0);
    CHECK(sniff_report(capture.file, "auto").boundaries == sniff.boundaries);
}

namespace {

// The gRPC messages of `sniff --json` per direction: their lengths (sorted), classes, the most
// DATA frames one spanned, and whether two of different streams overlapped in the stream.
struct GrpcSide {
    std::vector<long> lengths;
    std::map<std::string, long> classes;
    long incomplete = 0;
    long most_frames = 0;
    bool interleaved = false;
};

std::array<GrpcSide, 2> sniff_grpc_messages(const std::filesystem::path& file,
                                            const std::string& framing) {
    const auto json =
        sniff::test::run_command(std::string(SNIFF_BIN) + " -q -r " + shell_quote(file.string()) +
                                 " --framing " + shell_quote(framing) + " --json");
    std::array<GrpcSide, 2> sides;
    std::array<std::vector<std::array<long, 3>>, 2> spans; // offset, end, stream
    std::istringstream lines(json.out);
    for (std::string line; std::getline(lines, line);) {
        const auto object = nlohmann::json::parse(line, nullptr, false);
        if (!object.is_object() || object.value("type", "") != "message")
            continue;
        const int d = object["dir"] == "c2s" ? 0 : 1;
        GrpcSide& side = sides[d];
        if (object.value("status", "") != "complete" || !object.contains("header") ||
            !object["header"].contains("grpc")) {
            ++side.incomplete;
            continue;
        }
        const auto& header = object["header"];
        side.lengths.push_back(header["grpc"]["length"].get<long>());
        ++side.classes[object["class"].get<std::string>()];
        side.most_frames = std::max(side.most_frames, header["frames"].get<long>());
        const long offset = object["offset"].get<long>();
        spans[d].push_back({offset, object.value("end", offset + object["length"].get<long>()),
                            header["stream"].get<long>()});
    }
    for (int d = 0; d < 2; ++d) {
        std::sort(sides[d].lengths.begin(), sides[d].lengths.end());
        for (const auto& a : spans[d])
            for (const auto& b : spans[d])
                sides[d].interleaved =
                    sides[d].interleaved || (a[2] != b[2] && a[0] < b[0] && b[0] < a[1]);
    }
    return sides;
}

std::vector<long> tshark_lengths(const std::vector<TsharkFrame>& frames, bool from_server) {
    std::vector<long> lengths;
    for (const auto& frame : frames)
        if (frame.from_server == from_server)
            for (const auto& value : frame.values)
                lengths.push_back(std::stol(value));
    std::sort(lengths.begin(), lengths.end());
    return lengths;
}

} // namespace

TEST_CASE("grpc: each gRPC message tshark finds between python3-grpcio peers is one message",
          "[protocols][grpc]") {
    Scratch dir("grpc");
    // A loaded machine (the sanitizer suite beside other tests) can make dumpcap drop packets;
    // sniff then rightly finds a gap and one message fewer. Such a capture says nothing about the
    // framing: take another, a few times at most. A capture with no drops is never retried.
    auto capture = capture_grpc(dir.path());
    for (int retry = 0; retry < 3 && capture.skip.empty() && capture.dropped > 0; ++retry) {
        WARN("dumpcap dropped " << capture.dropped << " packets: capturing again");
        const auto again = dir.path() / ("retry" + std::to_string(retry));
        std::filesystem::create_directories(again);
        capture = capture_grpc(again);
    }
    if (!capture.skip.empty()) {
        WARN(capture.skip);
        return;
    }
    REQUIRE(capture.dropped == 0);
    const auto sides = sniff_grpc_messages(capture.file, capture.framing());
    // tshark 4.0 decodes gRPC payloads as protobuf by default; on these raw bytes its protobuf
    // dissector throws, and an exception drops the rest of that TCP segment (its other HTTP/2
    // frames and gRPC messages): the payloads are left undecoded.
    const std::string no_protobuf = "--disable-protocol protobuf";
    const auto tshark_frames_grpc =
        tshark_frames(capture.file, capture.port, "http2", "grpc.message_length", no_protobuf);
    const auto tshark = count_occurrences(tshark_frames_grpc);
    const DirectionCounts grpc{static_cast<long>(sides[0].lengths.size()),
                               static_cast<long>(sides[1].lengths.size())};
    INFO(capture.name << ": sniff gRPC messages " << grpc << "; tshark grpc " << tshark
                      << "; SNIFF_KEEP=1 keeps " << capture.file);
    // Independently, the messages the client sent (and the server echoed): "hello", 1 MB,
    // "s0".."s49", and 100000..100005 bytes; the client checks every answer.
    std::vector<long> sent{5, 1 << 20};
    for (int i = 0; i < 50; ++i)
        sent.push_back(i < 10 ? 2 : 3);
    for (int i = 0; i < 6; ++i)
        sent.push_back(100000 + i);
    std::sort(sent.begin(), sent.end());
    CHECK(sides[0].lengths == sent);
    CHECK(sides[1].lengths == sent);
    CHECK(tshark == DirectionCounts{58, 58});
    CHECK(grpc == tshark);
    CHECK(sides[0].lengths == tshark_lengths(tshark_frames_grpc, false));
    CHECK(sides[1].lengths == tshark_lengths(tshark_frames_grpc, true));
    for (auto side : sides) {
        CHECK(side.incomplete == 0);
        CHECK(side.most_frames >= 64); // the 1 MB message, in DATA frames of at most 16 KB
        CHECK(side.classes["split"] + side.classes["coalesced+split"] >= 7);
    }
    // The concurrent calls' messages overlap in the stream (one stream's frames between
    // another's) at least in the direction where grpcio interleaves them.
    CHECK((sides[0].interleaved || sides[1].interleaved));

    // The layer underneath, framed by `http2`: the frames tshark finds, and the preface.
    const auto frames = count_occurrences(
        tshark_frames(capture.file, capture.port, "http2", "http2.type", no_protobuf));
    const auto http2 = sniff_report(capture.file, std::to_string(capture.port) + "=http2");
    CHECK(http2.complete == DirectionCounts{frames.c2s + 1, frames.s2c});
    CHECK(http2.other.total() == 0);
    CHECK(http2.skipped_bytes == 0);
}
