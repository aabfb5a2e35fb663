// sniff-exec-runner: the bench's stand-in for `sniff exec` until the command line has it (issue
// 17). Runs a program under the preload library, frames its calls with the dissector engine and
// prints the collector's counters and the message counts on standard error:
//   sniff-exec-runner [--framing SPEC] -- CMD ARGS...
// Exits with the program's status (2 when it could not start).

#include "dissectors/engine.hpp"
#include "exec/asio.hpp"
#include "exec/exec_process.hpp"
#include "exec/mixed_reads.hpp"

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace {

using namespace sniff;

// Counts messages and keeps none: what a view costs at the least.
class CountingSink final : public dissect::MessageSink {
public:
    void on_message(const model::Flow&, const dissect::Message&, util::Bytes) override {
        ++messages;
    }
    bool wants_each_message(const model::Flow&, model::Direction) override { return false; }
    void on_direction_end(const model::Flow&, const dissect::DirectionSummary& summary) override {
        counted += summary.messages;
    }
    std::uint64_t messages = 0;
    std::uint64_t counted = 0;
};

} // namespace

int main(int argc, char** argv) {
    std::string framing = "raw";
    int first = 1;
    for (; first < argc && std::strcmp(argv[first], "--") != 0; ++first)
        if (std::strcmp(argv[first], "--framing") == 0 && first + 1 < argc)
            framing = argv[++first];
    std::vector<std::string> command(argv + std::min(first + 1, argc), argv + argc);
    dissect::FramingSelector selector;
    if (const auto error = selector.add(framing)) {
        std::fprintf(stderr, "sniff-exec-runner: %s\n", error->message.c_str());
        return 2;
    }
    CountingSink counting;
    exec::MixedReads mixed(counting);
    dissect::DissectorEngine engine(selector, mixed);
    reassembly::SinkFanout fanout;
    fanout.add(mixed); // before the engine: it learns each segment's call first
    fanout.add(engine);
    boost::asio::io_context io;
    exec::ExecProcess process({command, {}, {}});
    if (const std::string error = process.start(io, fanout); !error.empty()) {
        std::fprintf(stderr, "%s\n", error.c_str());
        return 2;
    }
    process.on_exit([&] { io.stop(); });
    io.run();
    process.finish();
    const exec::ExecCounters& c = process.counters();
    std::fprintf(
        stderr,
        "sniff-exec-runner: calls %llu (reads %llu, writes %llu), bytes read %llu, "
        "written %llu, flows %llu, would-block %llu, messages %llu, malformed %llu\n",
        static_cast<unsigned long long>(c.calls), static_cast<unsigned long long>(c.read_calls),
        static_cast<unsigned long long>(c.write_calls),
        static_cast<unsigned long long>(c.bytes_read),
        static_cast<unsigned long long>(c.bytes_written), static_cast<unsigned long long>(c.flows),
        static_cast<unsigned long long>(c.would_block),
        static_cast<unsigned long long>(counting.counted),
        static_cast<unsigned long long>(c.malformed));
    std::fprintf(stderr,
                 "sniff-exec-runner: %llu calls carried bytes of two messages or more, %llu "
                 "ended inside a message\n",
                 static_cast<unsigned long long>(mixed.mixed_reads()),
                 static_cast<unsigned long long>(mixed.reads_ending_inside()));
    for (std::size_t i = 0; i < mixed.listed().size() && i < 5; ++i)
        std::fprintf(stderr, "  %s\n", mixed.listed()[i].c_str());
    return process.exit_status().value_or(2);
}
