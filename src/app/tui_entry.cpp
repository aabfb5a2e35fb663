#include "app/tui_entry.hpp"

#include "app/capture_load.hpp"
#include "app/event_loop.hpp"
#include "app/tui_loop.hpp"
#include "capture/file_reader.hpp"
#include "store/flow_store.hpp"

#include <csignal>
#include <cstdio>
#include <functional>
#include <unistd.h>

namespace sniff::app {

namespace {

// A slice of reading between looks at the keyboard: short enough that keys feel immediate.
constexpr int k_slice_ms = 30;

} // namespace

bool tui_wanted(const Options& options) {
    // The keys come from standard input, so it must be the terminal too (not `-r -`).
    if (isatty(STDOUT_FILENO) == 0 || isatty(STDIN_FILENO) == 0 || options.no_tui || options.json ||
        options.summary || !options.write_streams.empty())
        return false;
    // The proxy and the live capture run the inspector on their own event loop
    // (app/tui_proxy.hpp).
    if (!options.proxies.empty() || !options.interface_name.empty())
        return true;
    return !options.read_file.empty() && options.read_file != "-" && options.interface_name.empty();
}

int run_tui_on_file(const Options& options) {
    capture::CaptureError open_error;
    auto reader = capture::FileReader::open(options.read_file, open_error);
    if (!reader) {
        std::fprintf(stderr, "sniff: %s: %s\n", options.read_file.c_str(),
                     open_error.to_string().c_str());
        return 1;
    }
    dissect::EngineConfig engine_config;
    engine_config.udp_bufsize = options.udp_bufsize.value_or(0);
    // The store points into the reader's mapping, so the reader lives as long as the store.
    store::FlowStore store(reader->mapped_data(), engine_config);
    CaptureLoad load(options, *reader, store, engine_config);
    if (const int status = load.prepare(); status != 0)
        return status;

    // The file is read in slices on the inspector's event loop: the first flows show at once and
    // keys work while a big capture is still loading.
    boost::asio::io_context io;
    boost::asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&io](boost::system::error_code code, int) {
        if (!code)
            io.stop();
    });
    TuiLoop tui(io, store);
    auto& inspector = tui.session().inspector();
    inspector.set_status(load.status_text());
    std::string error;
    if (!tui.start([&io] { io.stop(); }, error)) {
        std::fprintf(stderr, "sniff: %s\n", error.c_str());
        return 1;
    }
    std::function<void()> read_slice = [&] {
        const bool more = load.step(std::chrono::milliseconds(k_slice_ms));
        if (more) {
            inspector.set_status(load.status_text());
            boost::asio::post(io, read_slice);
        } else if (reader->error()) {
            inspector.set_status("damaged capture at " + reader->error()->to_string() +
                                     "; flows before it are shown",
                                 true);
        } else {
            inspector.set_status({}); // loaded: the key hints come back
        }
    };
    boost::asio::post(io, read_slice);
    io.run();
    tui.stop();
    return 0;
}

} // namespace sniff::app
