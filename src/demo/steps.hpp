#pragma once
// The demo's story as one table: each step's titles, captions and experiment, shared by the text
// demo (demo.cpp, a WatchedProxy per step and a printed report) and the inspector demo
// (tui_demo.cpp, every step's proxy on the inspector's loop). A step runs a real client and
// server on 127.0.0.1 with sniff in front of the receiver, through a StepFront.

#include "model/endpoint.hpp"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace sniff::demo {

// How a step puts sniff between its peers; the text and the inspector demo each have their own.
class StepFront {
public:
    virtual ~StepFront() = default;
    // Starts sniff in front of 127.0.0.1:target_port with `framing` for its flows; returns the
    // port to connect to, 0 (and error) when it cannot.
    virtual std::uint16_t front(std::uint16_t target_port, model::Protocol protocol,
                                const std::string& framing, std::uint64_t udp_bufsize,
                                std::string& error) = 0;
    // The step's traffic is over: sniff's flows close.
    virtual void finish() = 0;
};

// What a step's application did and read, for the text demo, and whether it went as it should.
struct StepOutcome {
    std::vector<std::string> lines; // "recv(1024) -> 14 bytes ..."
    std::string failure;            // empty when the step showed what it should
};

struct DemoStep {
    std::string tag;     // "step 1: three sends, one read": the inspector's flow tag
    std::string heading; // the text demo's heading, or empty for a step that continues one
    std::string story;   // under the heading
    std::string caption; // the inspector's caption for the step's flows
    std::function<StepOutcome(StepFront&)> run;
};

const std::vector<DemoStep>& demo_steps();

} // namespace sniff::demo
