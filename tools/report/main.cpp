// sniff-report: writes the HTML report of a capture file, and says how long it took and how big
// the page is. A stand-in for `sniff -r FILE --report OUT.html` until the option is wired into
// the run loop (issue 13); the bench uses it.
//   sniff-report CAPTURE FRAMING OUT.html [--no-report]
// --no-report runs the same pipeline and engine without the collector, for the baseline time.

#include "capture/file_reader.hpp"
#include "dissectors/message_fanout.hpp"
#include "pipeline/packet_pipeline.hpp"
#include "report/report_collector.hpp"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

namespace {

using namespace sniff;

// Counts nothing: the engine needs a MessageSink when the collector is left out.
struct NoMessages final : dissect::MessageSink {
    void on_message(const model::Flow&, const dissect::Message&, util::Bytes) override {}
    bool wants_each_message(const model::Flow&, model::Direction) override { return false; }
};

int run(const std::string& capture_path, const std::string& framing, const std::string& out,
        bool with_report) {
    capture::CaptureError open_error;
    auto reader = capture::FileReader::open(capture_path, open_error);
    if (!reader) {
        std::fprintf(stderr, "sniff-report: %s: %s\n", capture_path.c_str(),
                     open_error.to_string().c_str());
        return 1;
    }
    dissect::FramingSelector selector;
    if (auto failure = selector.add(framing)) {
        std::fprintf(stderr, "sniff-report: --framing: %s\n", failure->message.c_str());
        return 2;
    }
    const auto start = std::chrono::steady_clock::now();
    report::ReportCollector collector(std::filesystem::path(capture_path).filename().string());
    NoMessages none;
    dissect::MessageFanout messages;
    messages.add(with_report ? static_cast<dissect::MessageSink&>(collector) : none);
    dissect::DissectorEngine engine(std::move(selector), messages);
    reassembly::SinkFanout events;
    events.add(engine);
    if (with_report)
        events.add(collector);
    reassembly::ReassemblyConfig config;
    config.control_events = with_report; // as --report asks
    pipeline::PacketPipeline pipeline(config, events);
    capture::RawPacket packet;
    while (reader->next(packet))
        pipeline.add(packet);
    pipeline.finish();
    const auto read_done = std::chrono::steady_clock::now();
    std::string error;
    if (with_report && !collector.write(out, error)) {
        std::fprintf(stderr, "sniff-report: %s\n", error.c_str());
        return 1;
    }
    const auto done = std::chrono::steady_clock::now();
    const auto seconds = [](auto a, auto b) {
        return std::chrono::duration<double>(b - a).count();
    };
    std::printf("read %.3f s  write %.3f s  report %llu bytes\n", seconds(start, read_done),
                seconds(read_done, done),
                with_report ? static_cast<unsigned long long>(std::filesystem::file_size(out))
                            : 0ull);
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 4 || argc > 5) {
        std::fputs("usage: sniff-report CAPTURE FRAMING OUT.html [--no-report]\n", stderr);
        return 2;
    }
    const bool with_report = argc == 4 || std::string(argv[4]) != "--no-report";
    return run(argv[1], argv[2], argv[3], with_report);
}
