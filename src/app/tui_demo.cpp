#include "app/tui_demo.hpp"

#include "app/event_loop.hpp"
#include "app/tui_loop.hpp"
#include "app/tui_proxy.hpp"
#include "commands/experiments.hpp"
#include "commands/server.hpp"

#include <atomic>
#include <cstdio>
#include <future>
#include <thread>
#include <unistd.h>

namespace sniff::app {

namespace asio = boost::asio;
using commands::Framing;

namespace {

// Flow ids of step N are N * k_ids_per_step + the proxy's own id: every step has its own proxy,
// whose ids start at 1, and the shared store needs them apart.
constexpr std::uint64_t k_ids_per_step = 1000;

struct StepInfo {
    std::string tag;
    std::string caption;
};

// Renumbers one proxy's flows into its step's id range, then hands the events on.
class RenumberSink final : public reassembly::StreamSink {
public:
    RenumberSink(std::uint64_t base, reassembly::StreamSink& next) : m_base(base), m_next(next) {}

    void on_flow_open(const model::Flow& flow) override { m_next.on_flow_open(moved(flow)); }
    void on_data(const model::Flow& flow, model::Direction direction,
                 const model::SegmentInfo& segment, util::Bytes bytes) override {
        m_next.on_data(moved(flow), direction, segment, bytes);
    }
    void on_gap(const model::Flow& flow, model::Direction direction,
                const model::Gap& gap) override {
        m_next.on_gap(moved(flow), direction, gap);
    }
    void on_anomaly(const model::Flow* flow, const model::Anomaly& anomaly) override {
        if (flow == nullptr) {
            m_next.on_anomaly(nullptr, anomaly);
            return;
        }
        const model::Flow copy = moved(*flow);
        m_next.on_anomaly(&copy, anomaly);
    }
    void on_flow_close(const model::Flow& flow, reassembly::CloseReason reason) override {
        m_next.on_flow_close(moved(flow), reason);
    }

private:
    model::Flow moved(const model::Flow& flow) const {
        model::Flow copy = flow;
        copy.id += m_base;
        return copy;
    }
    std::uint64_t m_base;
    reassembly::StreamSink& m_next;
};

// One step's proxy and what it feeds: renumbering, then the store and the step's engine.
struct StepTap {
    StepTap(std::uint64_t base, store::FlowStore& store, dissect::FramingSelector selector,
            const dissect::EngineConfig& config)
        : engine(std::move(selector), store, config), renumber(base, fanout) {
        fanout.add(store);
        fanout.add(engine);
    }
    dissect::DissectorEngine engine;
    reassembly::SinkFanout fanout;
    RenumberSink renumber;
    std::unique_ptr<proxy::Proxy> proxy;
};

StepInfo answer_info(Framing framing) {
    switch (framing) {
    case Framing::none:
        return {"step 3a: no framing",
                "Step 3a · no framing: answers to 'echo first', 'bytes 3000', 'echo after' run "
                "together in s2c (Tab to it). The client took each recv(1024) as an answer, so "
                "answer 2 bled into 3. sniff (raw) sees only segments: no message boundaries."};
    case Framing::ascii_len:
        return {"step 3b: ascii-len",
                "Step 3b · length as text + 'ready': the server sends the length, waits for "
                "'ready', then the answer. The msg lane marks each answer; the 3000-byte one is "
                "split over several segments, yet the client read it whole."};
    case Framing::struct_len:
        return {"step 3c: struct",
                "Step 3c · 4-byte length header (struct.pack): each s2c message starts with its "
                "length; look for 'split' (one answer over several segments) and 'coalesced' "
                "(several answers in one segment). Every answer arrived intact."};
    case Framing::json_header:
        return {"step 3d: json-header",
                "Step 3d · length-prefixed JSON header with data_size: the details pane shows the "
                "header; the body follows. Boundaries come from the header, not from recv()."};
    }
    return {};
}

class DemoRun {
public:
    DemoRun(asio::io_context& io, store::FlowStore& store) : m_io(io), m_store(store) {}

    // Runs every step on this (worker) thread; proxies run on the io thread.
    void run_steps() {
        for (std::size_t i = 0; i < m_steps.size() && !m_quit; ++i) {
            status("running " + m_steps[i].tag + " ...");
            m_current = i;
            m_runners[i]();
        }
    }
    void define(StepInfo info, std::function<void()> runner) {
        m_steps.push_back(std::move(info));
        m_runners.push_back(std::move(runner));
    }
    const StepInfo* step_of(std::uint64_t flow_id) const {
        const std::uint64_t index = flow_id / k_ids_per_step;
        return index >= 1 && index <= m_steps.size() ? &m_steps[index - 1] : nullptr;
    }

    // Starts the current step's proxy in front of target_port, on the io thread; 0 on failure.
    std::uint16_t front(std::uint16_t target_port, model::Protocol protocol,
                        const std::string& spec, std::uint64_t udp_bufsize = 0) {
        std::promise<std::uint16_t> started;
        asio::post(m_io, [&] {
            dissect::FramingSelector selector;
            dissect::EngineConfig config;
            config.udp_bufsize = udp_bufsize;
            if (selector.add(spec)) {
                started.set_value(0);
                return;
            }
            const std::uint64_t base = (m_current + 1) * k_ids_per_step;
            auto tap = std::make_unique<StepTap>(base, m_store, std::move(selector), config);
            proxy::ProxySpec target;
            target.protocol = protocol;
            target.target_host = "127.0.0.1";
            target.target_port = target_port;
            tap->proxy = std::make_unique<proxy::Proxy>(m_io, std::vector{target},
                                                        proxy::ProxyOptions{}, tap->renumber);
            std::string error;
            if (!tap->proxy->start(error)) {
                started.set_value(0);
                return;
            }
            started.set_value(tap->proxy->listen_endpoints().front().port);
            m_taps.push_back(std::move(tap));
        });
        return started.get_future().get();
    }
    // Stops the current step's proxy once its last bytes were recorded.
    void finish_step() {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        std::promise<void> stopped;
        asio::post(m_io, [&] {
            if (!m_taps.empty())
                m_taps.back()->proxy->stop();
            stopped.set_value();
        });
        stopped.get_future().get();
    }
    void status(std::string text, bool error = false) {
        asio::post(m_io, [this, text = std::move(text), error] {
            if (on_status)
                on_status(text, error);
        });
    }
    void fail() { ++m_failures; }
    int failures() const { return m_failures; }
    void request_quit() { m_quit = true; }
    std::function<void(const std::string&, bool)> on_status; // set on the io thread

private:
    asio::io_context& m_io;
    store::FlowStore& m_store;
    std::vector<StepInfo> m_steps;
    std::vector<std::function<void()>> m_runners;
    std::vector<std::unique_ptr<StepTap>> m_taps; // used on the io thread only
    std::size_t m_current = 0;
    std::atomic<bool> m_quit{false};
    std::atomic<int> m_failures{0};
};

void define_steps(DemoRun& demo) {
    const auto read_step = [&demo](commands::ReadExperiment experiment) {
        commands::FrontHook front = [&demo](std::uint16_t target) {
            return demo.front(target, model::Protocol::tcp, "raw");
        };
        const auto result = commands::run_read_experiment(experiment, front);
        demo.finish_step();
        if (!result.error.empty()) {
            demo.fail();
            demo.status("step failed: " + result.error, true);
        }
    };
    demo.define({"step 1: three sends, one read",
                 "Step 1 · three send()s, one recv(): c2s shows the segments sniff's proxy read "
                 "('hello', 'world', 'egon'); the receiver, reading 200 ms late, got all 14 bytes "
                 "in ONE recv(1024). TCP keeps no message boundaries."},
                [read_step] { read_step(commands::merge_experiment()); });
    demo.define({"step 2: leftovers",
                 "Step 2 · recv(1) then recv(5): one send of 'helloworldegon'. The receiver read "
                 "'h', then 'ellow', then the rest: unread bytes wait in the buffer, glued to "
                 "whatever comes next."},
                [read_step] { read_step(commands::leftover_experiment()); });
    for (const auto framing :
         {Framing::none, Framing::ascii_len, Framing::struct_len, Framing::json_header}) {
        demo.define(answer_info(framing), [&demo, framing] {
            std::string error;
            commands::ServeOptions serve;
            serve.framing = framing;
            auto server = commands::start_loopback_server(serve, error);
            const std::uint16_t port = server ? demo.front(server->port(), model::Protocol::tcp,
                                                           commands::sniff_framing_spec(framing))
                                              : 0;
            if (port == 0) {
                demo.fail();
                demo.status("cannot start step: " + error, true);
                return;
            }
            commands::ScriptOptions script;
            script.port = port;
            script.framing = framing;
            script.recv_size = 1024;
            script.recv_delay_ms = 50;
            const auto run = commands::run_script(script, commands::large_answer_commands());
            demo.finish_step();
            server->stop();
            if (!run.error.empty() || (framing != Framing::none && !run.all_intact())) {
                demo.fail();
                demo.status(std::string(commands::framing_name(framing)) +
                                ": an answer was not intact " + run.error,
                            true);
            }
        });
    }
    demo.define({"step 4: UDP",
                 "Step 4 · UDP: each datagram is one segment and one message, never glued. The "
                 "3000-byte answer is marked: a recvfrom(1024) would cut it and lose the rest."},
                [&demo] {
                    constexpr std::size_t k_buffer = 1024;
                    std::string error;
                    commands::ServeOptions serve;
                    serve.udp = true;
                    auto server = commands::start_loopback_server(serve, error);
                    const std::uint16_t port =
                        server ? demo.front(server->port(), model::Protocol::udp, "raw", k_buffer)
                               : 0;
                    if (port == 0) {
                        demo.fail();
                        demo.status("cannot start step: " + error, true);
                        return;
                    }
                    const auto result = commands::run_udp_exchange(
                        port, {"echo hello", "bytes 3000", "echo after"}, k_buffer);
                    demo.finish_step();
                    server->stop();
                    if (!result.error.empty()) {
                        demo.fail();
                        demo.status("UDP step: " + result.error, true);
                    }
                });
}

} // namespace

bool tui_demo_wanted(const Options& options) {
    return isatty(STDIN_FILENO) != 0 && isatty(STDOUT_FILENO) != 0 && !options.no_tui &&
           !options.json && !options.summary;
}

int run_tui_demo(const Options&) {
    asio::io_context io;
    store::FlowStore store;
    store.set_byte_budget(ProxyTui::k_default_byte_budget);
    DemoRun demo(io, store);
    define_steps(demo);

    auto work = asio::make_work_guard(io);
    bool steps_done = false;
    bool quit = false;
    TuiLoop tui(io, store);
    asio::signal_set signals(io, SIGINT, SIGTERM);
    // q (or a signal) restores the terminal at once; the loop runs on until the running step
    // ends, since the worker waits on it.
    const auto finish = [&] {
        quit = true;
        demo.request_quit();
        tui.stop();
        signals.cancel();
        if (steps_done)
            work.reset();
    };
    signals.async_wait([&](boost::system::error_code code, int) {
        if (!code)
            finish();
    });
    auto& inspector = tui.session().inspector();
    inspector.set_source("demo: sticky packets in four steps — Enter opens a flow, Tab switches "
                         "panes, ? help");
    inspector.set_captioner(
        [&demo](const store::FlowRecord& record) -> std::optional<tui::Caption> {
            if (const auto* step = demo.step_of(record.flow.id))
                return tui::Caption{step->tag, step->caption};
            return std::nullopt;
        });
    demo.on_status = [&inspector](const std::string& text, bool error) {
        inspector.set_status(text, error);
    };
    std::string error;
    if (!tui.start(finish, error)) {
        std::fprintf(stderr, "sniff: %s\n", error.c_str());
        return 1;
    }
    std::thread worker([&] {
        demo.run_steps();
        asio::post(io, [&] {
            steps_done = true;
            if (quit)
                work.reset();
            else
                inspector.set_status(demo.failures() == 0
                                         ? " all steps done · every framed answer arrived intact "
                                           "· Enter opens a flow · q quits"
                                         : " all steps done, with problems (see the flows) · q "
                                           "quits",
                                     demo.failures() != 0);
        });
    });
    io.run();
    worker.join();
    tui.stop();
    print_store_summary(store, "demo");
    std::printf("%s\n", demo.failures() == 0
                            ? "Done: every framed answer arrived intact. Try it on your own app: "
                              "sniff --proxy 9000:127.0.0.1:8080 --framing auto"
                            : "Done, with problems.");
    return demo.failures() == 0 ? 0 : 1;
}

} // namespace sniff::app
