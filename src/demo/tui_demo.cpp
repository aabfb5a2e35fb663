#include "demo/tui_demo.hpp"

#include "demo/steps.hpp"
#include "pipeline/origin_sink.hpp"
#include "proxy/proxy.hpp"
#include "runtime/inspector_view.hpp"
#include "runtime/tui_loop.hpp"
#include "sources/asio.hpp"

#include <atomic>
#include <cstdio>
#include <future>
#include <thread>
#include <unistd.h>

namespace sniff::demo {

namespace asio = boost::asio;

namespace {

// One step's proxy and what it feeds: run-wide numbering, then the store and the step's engine.
struct StepTap {
    StepTap(pipeline::FlowIds& ids, store::FlowStore& store, dissect::FramingSelector selector,
            const dissect::EngineConfig& config)
        : engine(std::move(selector), store, config),
          numbering(ids, model::FlowOrigin::proxy, fanout) {
        fanout.add(store);
        fanout.add(engine);
    }
    dissect::DissectorEngine engine;
    reassembly::SinkFanout fanout;
    pipeline::OriginSink numbering;
    std::unique_ptr<proxy::Proxy> proxy;
};

// The steps of demo_steps() on a worker thread; each step's proxy runs on the inspector's loop
// and feeds the shared store.
class DemoRun final : public StepFront {
public:
    DemoRun(asio::io_context& io, store::FlowStore& store) : m_io(io), m_store(store) {}

    // Runs every step on this (worker) thread; proxies run on the io thread.
    void run_steps() {
        const auto& steps = demo_steps();
        for (std::size_t i = 0; i < steps.size() && !m_quit; ++i) {
            status("running " + steps[i].tag + " ...");
            m_current = i;
            const StepOutcome outcome = steps[i].run(*this);
            if (!outcome.failure.empty()) {
                ++m_failures;
                status(steps[i].tag + " failed: " + outcome.failure, true);
            }
        }
    }
    // Steps run one after another, so a step's flows are numbered after the flows of the step
    // before it.
    const DemoStep* step_of(std::uint64_t flow_id) const {
        const DemoStep* found = nullptr;
        for (std::size_t i = 0; i < m_first_ids.size(); ++i)
            if (flow_id >= m_first_ids[i])
                found = &demo_steps()[i];
        return found;
    }

    std::uint16_t front(std::uint16_t target_port, model::Protocol protocol,
                        const std::string& framing, std::uint64_t udp_bufsize,
                        std::string& error) override {
        std::promise<std::uint16_t> started;
        asio::post(m_io, [&] {
            started.set_value(start_proxy(target_port, protocol, framing, udp_bufsize, error));
        });
        return started.get_future().get();
    }
    // Stops the current step's proxy once its last bytes were recorded.
    void finish() override {
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
    int failures() const { return m_failures; }
    void request_quit() { m_quit = true; }
    std::function<void(const std::string&, bool)> on_status; // set on the io thread

private:
    // On the io thread: the step's proxy in front of target_port; its port, or 0.
    std::uint16_t start_proxy(std::uint16_t target_port, model::Protocol protocol,
                              const std::string& framing, std::uint64_t udp_bufsize,
                              std::string& error) {
        dissect::FramingSelector selector;
        dissect::EngineConfig config;
        config.udp_bufsize = udp_bufsize;
        if (auto failure = selector.add(framing)) {
            error = failure->message;
            return 0;
        }
        m_first_ids.resize(m_current + 1, m_flow_ids.last() + 1);
        auto tap = std::make_unique<StepTap>(m_flow_ids, m_store, std::move(selector), config);
        proxy::ProxySpec target;
        target.protocol = protocol;
        target.target_host = "127.0.0.1";
        target.target_port = target_port;
        tap->proxy = std::make_unique<proxy::Proxy>(m_io, std::vector{target},
                                                    proxy::ProxyOptions{}, tap->numbering);
        if (!tap->proxy->start(error))
            return 0;
        const std::uint16_t port = tap->proxy->listen_endpoints().front().port;
        m_taps.push_back(std::move(tap));
        return port;
    }

    asio::io_context& m_io;
    store::FlowStore& m_store;
    std::vector<std::unique_ptr<StepTap>> m_taps; // used on the io thread only
    pipeline::FlowIds m_flow_ids;                 // used on the io thread only
    std::vector<std::uint64_t> m_first_ids;       // per step started: its first flow id
    std::size_t m_current = 0;
    std::atomic<bool> m_quit{false};
    std::atomic<int> m_failures{0};
};

} // namespace

bool tui_demo_wanted(const pipeline::Options& options) {
    return isatty(STDIN_FILENO) != 0 && isatty(STDOUT_FILENO) != 0 && !options.no_tui &&
           !options.json && !options.summary;
}

int run_tui_demo(const pipeline::Options&) {
    asio::io_context io;
    store::FlowStore store;
    store.set_byte_budget(runtime::InspectorView::k_default_byte_budget);
    DemoRun demo(io, store);

    auto work = asio::make_work_guard(io);
    bool steps_done = false;
    bool quit = false;
    runtime::TuiLoop tui(io, store);
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
    runtime::print_store_summary(store, "demo");
    std::printf("%s\n", demo.failures() == 0
                            ? "Done: every framed answer arrived intact. Try it on your own app: "
                              "sniff --proxy 9000:127.0.0.1:8080 --framing auto"
                            : "Done, with problems.");
    return demo.failures() == 0 ? 0 : 1;
}

} // namespace sniff::demo
