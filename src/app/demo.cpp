#include "app/demo.hpp"

#include "app/tui_demo.hpp"
#include "app/watched_proxy.hpp"
#include "commands/experiments.hpp"
#include "commands/server.hpp"
#include "util/escape.hpp"

#include <cstdio>
#include <string>

namespace sniff::app {

namespace {

using commands::Framing;

struct DemoContext {
    int step = 0;
    int failures = 0;
};

void heading(DemoContext& demo, const char* title, const char* story) {
    std::printf("\n── Step %d: %s ──\n%s\n", ++demo.step, title, story);
}

void fail(DemoContext& demo, const std::string& why) {
    ++demo.failures;
    std::printf("  !! %s\n", why.c_str());
}

std::string quoted(const std::string& bytes, std::size_t max = 60) {
    return "\"" + util::escape_text(bytes, max) + "\"";
}

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

// Steps 1 and 2: a sender and a slow receiver, with sniff in between.
void read_step(DemoContext& demo, const commands::ReadExperiment& experiment) {
    WatchedProxy watch;
    std::string error;
    commands::FrontHook front = [&](std::uint16_t target) -> std::uint16_t {
        if (!watch.start(target, {}, error))
            return 0;
        return watch.port();
    };
    const auto result = commands::run_read_experiment(experiment, front);
    const std::string report = watch.finish();
    std::printf("  The sender called:");
    for (const auto& sent : experiment.sends)
        std::printf(" send(%s)", quoted(sent).c_str());
    std::printf("\n  The receiver waited %d ms, then read:\n", experiment.server_delay_ms);
    for (const auto& read : result.reads)
        std::printf("    recv(%zu) -> %zu bytes %s\n", read.requested, read.size,
                    quoted(read.bytes).c_str());
    if (!result.error.empty())
        fail(demo, result.error + (error.empty() ? "" : " (" + error + ")"));
    print_sniff_view(report);
}

// Step 3: one connection, three commands, the middle answer larger than recv(1024).
void answer_step(DemoContext& demo, Framing framing) {
    std::string error;
    commands::ServeOptions serve;
    serve.framing = framing;
    auto server = commands::start_loopback_server(serve, error);
    WatchedProxy watch;
    WatchOptions watch_options;
    watch_options.framing = commands::sniff_framing_spec(framing);
    if (!server || !watch.start(server->port(), watch_options, error)) {
        fail(demo, "cannot start: " + error);
        return;
    }
    commands::ScriptOptions script;
    script.port = watch.port();
    script.framing = framing;
    script.recv_size = 1024;
    script.recv_delay_ms = 50; // let the answer pile up in the client's buffer, as a busy app would
    const auto run = commands::run_script(script, commands::large_answer_commands());
    const std::string report = watch.finish();
    server->stop();

    std::printf("\n  [%s] the client's recv(1024) calls:\n", commands::framing_name(framing));
    for (std::size_t i = 0; i < run.recvs.size(); ++i)
        std::printf("    %s\n", commands::describe_recv(run, i).c_str());
    for (const auto& answer : run.answers)
        std::printf("    answer to %-12s %6zu bytes: %s%s%s\n", quoted(answer.command).c_str(),
                    answer.size, commands::answer_check_name(answer.check),
                    answer.note.empty() ? "" : " — ", answer.note.c_str());
    if (!run.error.empty())
        fail(demo, run.error);
    if (framing != Framing::none && !run.all_intact())
        fail(demo, std::string(commands::framing_name(framing)) + ": an answer was not intact");
    print_sniff_view(report);
}

// Step 4: UDP keeps each datagram whole, and cuts one larger than the read buffer.
void udp_step(DemoContext& demo) {
    constexpr std::size_t k_buffer = 1024;
    std::string error;
    commands::ServeOptions serve;
    serve.udp = true;
    auto server = commands::start_loopback_server(serve, error);
    WatchedProxy watch;
    WatchOptions watch_options;
    watch_options.protocol = model::Protocol::udp;
    watch_options.udp_bufsize = k_buffer;
    if (!server || !watch.start(server->port(), watch_options, error)) {
        fail(demo, "cannot start: " + error);
        return;
    }
    const auto result = commands::run_udp_exchange(
        watch.port(), {"echo hello", "bytes 3000", "echo after"}, k_buffer);
    const std::string report = watch.finish();
    server->stop();
    std::printf("  The client sent each command in one datagram and read each answer with "
                "recvfrom(%zu):\n",
                k_buffer);
    for (const auto& datagram : result.datagrams)
        std::printf("    %-14s answer of %5zu bytes -> kept %4zu%s\n",
                    quoted(datagram.command).c_str(), datagram.size, datagram.received.size(),
                    datagram.cut ? "  CUT: the rest is lost" : "");
    if (!result.error.empty())
        fail(demo, result.error);
    print_sniff_view(report);
}

} // namespace

int run_demo(const Options& options) {
    if (tui_demo_wanted(options)) // on a terminal: the same steps in the inspector
        return run_tui_demo(options);
    DemoContext demo;
    std::printf("sniff demo — TCP is a byte stream: where do messages end?\n"
                "Each step runs a real client and server on 127.0.0.1 with sniff's proxy between "
                "them.\nsegs = the chunks each recv() of sniff's proxy returned; msgs = the "
                "messages a framing finds.\n");
    heading(demo, "three small sends, one read",
            "  Sticky packets, sender side merged or receiver late: three send() calls arrive in "
            "one recv().");
    read_step(demo, commands::merge_experiment());
    heading(demo, "a short read leaves leftovers",
            "  recv(1) then recv(5): the unread bytes wait for the next recv, glued to newer "
            "ones.");
    read_step(demo, commands::leftover_experiment());
    heading(demo, "a large answer bleeds into the next one — and how framing fixes it",
            "  Commands: 'echo first', 'bytes 3000', 'echo after'. Without framing the client "
            "takes\n  each recv(1024) as an answer; with a framing it knows where each answer "
            "ends.");
    for (const auto framing :
         {Framing::none, Framing::ascii_len, Framing::struct_len, Framing::json_header})
        answer_step(demo, framing);
    heading(demo, "UDP keeps boundaries, but cuts what does not fit",
            "  One recvfrom() per datagram: never glued, but a datagram larger than the buffer "
            "loses its tail.");
    udp_step(demo);
    std::printf("\n%s\n", demo.failures == 0
                              ? "Done: every framed answer arrived intact. Try it on your own app: "
                                "sniff --proxy 9000:127.0.0.1:8080 --framing auto"
                              : "Done, with problems (see !! above).");
    return demo.failures == 0 ? 0 : 1;
}

} // namespace sniff::app
