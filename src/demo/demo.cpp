#include "demo/demo.hpp"

#include "demo/steps.hpp"
#include "demo/tui_demo.hpp"
#include "demo/watched_proxy.hpp"

#include <cstdio>
#include <string>

namespace sniff::demo {

namespace {

// The text demo's sniff: one WatchedProxy per step, whose report is printed after the step.
class WatchedFront final : public StepFront {
public:
    std::uint16_t front(std::uint16_t target_port, model::Protocol protocol,
                        const std::string& framing, std::uint64_t udp_bufsize,
                        std::string& error) override {
        WatchOptions options;
        options.protocol = protocol;
        options.framing = framing;
        options.udp_bufsize = udp_bufsize;
        if (!m_watch.start(target_port, options, error))
            return 0;
        return m_watch.port();
    }
    void finish() override { m_report = m_watch.finish(); }
    const std::string& report() const { return m_report; }

private:
    WatchedProxy m_watch;
    std::string m_report;
};

void print_sniff_view(const std::string& report) {
    std::printf("  What sniff saw between them (its proxy's recv() chunks and the messages):\n");
    std::size_t start = 0;
    while (start < report.size()) {
        const auto end = report.find('\n', start);
        const auto line = report.substr(start, end == std::string::npos ? end : end - start);
        if (!line.empty())
            std::printf("  │ %s\n", line.c_str());
        if (end == std::string::npos)
            break;
        start = end + 1;
    }
}

} // namespace

int run_demo(const pipeline::Options& options) {
    if (tui_demo_wanted(options)) // on a terminal: the same steps in the inspector
        return run_tui_demo(options);
    std::printf("sniff demo — TCP is a byte stream: where do messages end?\n"
                "Each step runs a real client and server on 127.0.0.1 with sniff's proxy between "
                "them.\nsegs = the chunks each recv() of sniff's proxy returned; msgs = the "
                "messages a framing finds.\n");
    int heading = 0;
    int failures = 0;
    for (const auto& step : demo_steps()) {
        if (!step.heading.empty())
            std::printf("\n── Step %d: %s ──\n%s\n", ++heading, step.heading.c_str(),
                        step.story.c_str());
        else
            std::putchar('\n');
        WatchedFront sniff;
        const StepOutcome outcome = step.run(sniff);
        for (const auto& line : outcome.lines)
            std::printf("  %s\n", line.c_str());
        if (!outcome.failure.empty()) {
            ++failures;
            std::printf("  !! %s\n", outcome.failure.c_str());
        }
        print_sniff_view(sniff.report());
    }
    std::printf("\n%s\n", failures == 0
                              ? "Done: every framed answer arrived intact. Try it on your own app: "
                                "sniff --proxy 9000:127.0.0.1:8080 --framing auto"
                              : "Done, with problems (see !! above).");
    return failures == 0 ? 0 : 1;
}

} // namespace sniff::demo
