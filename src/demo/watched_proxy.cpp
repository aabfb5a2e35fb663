#include "demo/watched_proxy.hpp"

#include "output/message_report.hpp"
#include "proxy/proxy.hpp"
#include "sources/asio.hpp"

#include <chrono>
#include <cstdio>
#include <thread>

namespace sniff::demo {

namespace asio = boost::asio;

struct WatchedProxy::Impl {
    char* report_text = nullptr;
    std::size_t report_size = 0;
    std::FILE* report_file = nullptr;
    std::unique_ptr<output::MessageReport> report;
    std::unique_ptr<dissect::DissectorEngine> engine;
    reassembly::SinkFanout sinks;
    asio::io_context io;
    std::unique_ptr<proxy::Proxy> proxy;
    std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
    std::thread loop;
    std::uint16_t port = 0;

    ~Impl() {
        if (loop.joinable()) {
            io.stop();
            loop.join();
        }
        if (report_file != nullptr)
            std::fclose(report_file);
        std::free(report_text);
    }
};

WatchedProxy::WatchedProxy() : m_impl(std::make_unique<Impl>()) {}
WatchedProxy::~WatchedProxy() = default;

bool WatchedProxy::start(std::uint16_t target_port, const WatchOptions& options,
                         std::string& error) {
    auto& impl = *m_impl;
    impl.report_file = open_memstream(&impl.report_text, &impl.report_size);
    if (impl.report_file == nullptr) {
        error = "cannot open an in-memory report";
        return false;
    }
    dissect::FramingSelector selector;
    if (auto failure = selector.add(options.framing)) {
        error = failure->message;
        return false;
    }
    impl.report = std::make_unique<output::MessageReport>(impl.report_file);
    dissect::EngineConfig config;
    config.udp_bufsize = options.udp_bufsize;
    impl.engine =
        std::make_unique<dissect::DissectorEngine>(std::move(selector), *impl.report, config);
    impl.sinks.add(*impl.engine);
    impl.sinks.add(*impl.report);

    proxy::ProxySpec spec;
    spec.protocol = options.protocol;
    spec.target_host = "127.0.0.1";
    spec.target_port = target_port;
    impl.proxy = std::make_unique<proxy::Proxy>(impl.io, std::vector{spec}, proxy::ProxyOptions{},
                                                impl.sinks);
    if (!impl.proxy->start(error))
        return false;
    impl.port = impl.proxy->listen_endpoints().front().port;
    impl.work.emplace(impl.io.get_executor());
    impl.loop = std::thread([&impl] { impl.io.run(); });
    return true;
}

std::uint16_t WatchedProxy::port() const {
    return m_impl->port;
}

std::string WatchedProxy::finish() {
    auto& impl = *m_impl;
    if (!impl.loop.joinable())
        return {};
    // Let the last forwarded bytes be recorded, then stop on the loop's own thread.
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    asio::post(impl.io, [&impl] {
        impl.proxy->stop();
        impl.work.reset();
    });
    impl.loop.join();
    impl.proxy.reset();
    std::fflush(impl.report_file);
    return std::string(impl.report_text, impl.report_size);
}

} // namespace sniff::demo
