#include "demo/steps.hpp"

#include "commands/experiments.hpp"
#include "commands/server.hpp"
#include "util/escape.hpp"
#include "util/plural.hpp"

#include <cstdio>

namespace sniff::demo {

namespace {

using commands::Framing;

std::string quoted(const std::string& bytes, std::size_t max = 60) {
    return "\"" + util::escape_text(bytes, max) + "\"";
}

// Steps 1 and 2: a sender and a slow receiver, with sniff in between.
StepOutcome read_step(StepFront& sniff, const commands::ReadExperiment& experiment) {
    std::string error;
    commands::FrontHook front = [&](std::uint16_t target) {
        return sniff.front(target, model::Protocol::tcp, "raw", 0, error);
    };
    const auto result = commands::run_read_experiment(experiment, front);
    sniff.finish();
    StepOutcome outcome;
    std::string sends = "The sender called:";
    for (const auto& sent : experiment.sends)
        sends += " send(" + quoted(sent) + ")";
    outcome.lines.push_back(sends);
    outcome.lines.push_back("The receiver waited " + std::to_string(experiment.server_delay_ms) +
                            " ms, then read:");
    for (const auto& read : result.reads)
        outcome.lines.push_back("  recv(" + std::to_string(read.requested) + ") -> " +
                                util::counted(read.size, "byte") + " " + quoted(read.bytes));
    if (!result.error.empty())
        outcome.failure = result.error + (error.empty() ? "" : " (" + error + ")");
    return outcome;
}

// Step 3: one connection, three commands, the middle answer larger than recv(1024).
StepOutcome answer_step(StepFront& sniff, Framing framing) {
    StepOutcome outcome;
    std::string error;
    commands::ServeOptions serve;
    serve.framing = framing;
    auto server = commands::start_loopback_server(serve, error);
    const std::uint16_t port = server ? sniff.front(server->port(), model::Protocol::tcp,
                                                    commands::sniff_framing_spec(framing), 0, error)
                                      : 0;
    if (port == 0) {
        outcome.failure = "cannot start: " + error;
        return outcome;
    }
    commands::ScriptOptions script;
    script.port = port;
    script.framing = framing;
    script.recv_size = 1024;
    script.recv_delay_ms = 50; // let the answer pile up in the client's buffer, as a busy app would
    const auto run = commands::run_script(script, commands::large_answer_commands());
    sniff.finish();
    server->stop();
    outcome.lines.push_back("[" + std::string(commands::framing_name(framing)) +
                            "] the client's recv(1024) calls:");
    for (std::size_t i = 0; i < run.recvs.size(); ++i)
        outcome.lines.push_back("  " + commands::describe_recv(run, i));
    for (const auto& answer : run.answers) {
        char line[160];
        std::snprintf(line, sizeof line, "  answer to %-12s %6zu bytes: %s",
                      quoted(answer.command).c_str(), answer.size,
                      commands::answer_check_name(answer.check));
        outcome.lines.push_back(line + (answer.note.empty() ? "" : " — " + answer.note));
    }
    if (!run.error.empty())
        outcome.failure = run.error;
    else if (framing != Framing::none && !run.all_intact())
        outcome.failure =
            std::string(commands::framing_name(framing)) + ": an answer was not intact";
    return outcome;
}

// Step 4: UDP keeps each datagram whole, and cuts one larger than the read buffer.
StepOutcome udp_step(StepFront& sniff) {
    constexpr std::size_t k_buffer = 1024;
    StepOutcome outcome;
    std::string error;
    commands::ServeOptions serve;
    serve.udp = true;
    auto server = commands::start_loopback_server(serve, error);
    const std::uint16_t port =
        server ? sniff.front(server->port(), model::Protocol::udp, "raw", k_buffer, error) : 0;
    if (port == 0) {
        outcome.failure = "cannot start: " + error;
        return outcome;
    }
    const auto result =
        commands::run_udp_exchange(port, {"echo hello", "bytes 3000", "echo after"}, k_buffer);
    sniff.finish();
    server->stop();
    outcome.lines.push_back("The client sent each command in one datagram and read each answer "
                            "with recvfrom(" +
                            std::to_string(k_buffer) + "):");
    for (const auto& datagram : result.datagrams) {
        char line[160];
        std::snprintf(line, sizeof line, "  %-14s answer of %5zu bytes -> kept %4zu%s",
                      quoted(datagram.command).c_str(), datagram.size, datagram.received.size(),
                      datagram.cut ? "  CUT: the rest is lost" : "");
        outcome.lines.push_back(line);
    }
    if (!result.error.empty())
        outcome.failure = result.error;
    return outcome;
}

// The four framings of step 3: the first carries the heading and the story.
DemoStep framing_step(Framing framing, std::string tag, std::string heading, std::string caption) {
    std::string story = heading.empty() ? ""
                                        : "  Commands: 'echo first', 'bytes 3000', 'echo after'. "
                                          "Without framing the client takes\n  each recv(1024) "
                                          "as an answer; with a framing it knows where each "
                                          "answer ends.";
    return {std::move(tag), std::move(heading), std::move(story), std::move(caption),
            [framing](StepFront& sniff) { return answer_step(sniff, framing); }};
}

std::vector<DemoStep> make_steps() {
    std::vector<DemoStep> steps;
    steps.push_back(
        {"step 1: three sends, one read", "three small sends, one read",
         "  Sticky packets, sender side merged or receiver late: three send() calls arrive in one "
         "recv().",
         "Step 1 · three send()s, one recv(): c2s shows the segments sniff's proxy read ('hello', "
         "'world', 'egon'); the receiver, reading 200 ms late, got all 14 bytes in ONE "
         "recv(1024). TCP keeps no message boundaries.",
         [](StepFront& sniff) { return read_step(sniff, commands::merge_experiment()); }});
    steps.push_back(
        {"step 2: leftovers", "a short read leaves leftovers",
         "  recv(1) then recv(5): the unread bytes wait for the next recv, glued to newer ones.",
         "Step 2 · recv(1) then recv(5): one send of 'helloworldegon'. The receiver read 'h', "
         "then 'ellow', then the rest: unread bytes wait in the buffer, glued to whatever comes "
         "next.",
         [](StepFront& sniff) { return read_step(sniff, commands::leftover_experiment()); }});
    steps.push_back(framing_step(
        Framing::none, "step 3a: no framing",
        "a large answer bleeds into the next one — and how framing fixes it",
        "Step 3a · no framing: answers to 'echo first', 'bytes 3000', 'echo after' run together "
        "in s2c (Tab to it). The client took each recv(1024) as an answer, so answer 2 bled into "
        "3. sniff (raw) sees only segments: no message boundaries."));
    steps.push_back(framing_step(
        Framing::ascii_len, "step 3b: ascii-len", "",
        "Step 3b · length as text + 'ready': the server sends the length, waits for 'ready', "
        "then the answer. The msg lane marks each answer; the 3000-byte one is split over "
        "several segments, yet the client read it whole."));
    steps.push_back(framing_step(
        Framing::struct_len, "step 3c: struct", "",
        "Step 3c · 4-byte length header (struct.pack): each s2c message starts with its length; "
        "look for 'split' (one answer over several segments) and 'coalesced' (several answers "
        "in one segment). Every answer arrived intact."));
    steps.push_back(framing_step(
        Framing::json_header, "step 3d: json-header", "",
        "Step 3d · length-prefixed JSON header with data_size: the details pane shows the "
        "header; the body follows. Boundaries come from the header, not from recv()."));
    steps.push_back(
        {"step 4: UDP", "UDP keeps boundaries, but cuts what does not fit",
         "  One recvfrom() per datagram: never glued, but a datagram larger than the buffer loses "
         "its tail.",
         "Step 4 · UDP: each datagram is one segment and one message, never glued. The 3000-byte "
         "answer is marked: a recvfrom(1024) would cut it and lose the rest.",
         udp_step});
    return steps;
}

} // namespace

const std::vector<DemoStep>& demo_steps() {
    static const std::vector<DemoStep> k_steps = make_steps();
    return k_steps;
}

} // namespace sniff::demo
