#include "app/tui_entry.hpp"

#include "app/output_set.hpp"
#include "app/packet_pipeline.hpp"
#include "capture/file_reader.hpp"
#include "output/progress.hpp"
#include "store/flow_store.hpp"
#include "tui/session.hpp"

#include <cstdio>
#include <unistd.h>

namespace sniff::app {

namespace {

// Reads the whole capture into the store. Returns an exit code; 0 on success.
int load(const Options& options, capture::FileReader& reader, store::FlowStore& store,
         const dissect::EngineConfig& engine_config) {
    std::string error;
    auto selector = framing_selector(options, error);
    if (!selector) {
        std::fprintf(stderr, "sniff: %s\n", error.c_str());
        return 2;
    }
    // The inspector is about message boundaries: without --framing it guesses one per flow.
    if (options.framings.empty())
        selector->set_default(std::get<dissect::FramingSpec>(dissect::parse_spec("auto")));
    dissect::DissectorEngine engine(std::move(*selector), store, engine_config);
    reassembly::SinkFanout fanout;
    fanout.add(store); // first: the store knows a flow before the engine reports its messages
    fanout.add(engine);
    PacketPipeline pipeline(reassembly_config(options), fanout);
    if (!options.filter.empty()) {
        auto filter = capture::BpfFilter::compile(options.filter, reader.first_link_type(),
                                                  reader.snap_length(), error);
        if (!filter) {
            std::fprintf(stderr, "sniff: bad filter '%s': %s\n", options.filter.c_str(),
                         error.c_str());
            return 2;
        }
        pipeline.set_filter(std::move(filter));
    }
    output::Progress progress(!options.quiet && isatty(STDERR_FILENO), reader.file_size());
    capture::RawPacket packet;
    std::uint64_t packets = 0;
    while ((!options.count || packets < *options.count) && reader.next(packet)) {
        ++packets;
        pipeline.add(packet);
        progress.update(reader.bytes_consumed(), pipeline.reassembler().flows_seen());
    }
    progress.done();
    pipeline.finish();
    return 0;
}

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
    if (const int status = load(options, *reader, store, engine_config); status != 0)
        return status;

    tui::Session session(store);
    if (reader->error())
        session.inspector().set_status("damaged capture at " + reader->error()->to_string() +
                                           "; flows before it are shown",
                                       true);
    std::string error;
    if (!session.start(error)) {
        std::fprintf(stderr, "sniff: %s\n", error.c_str());
        return 1;
    }
    return session.run();
}

} // namespace sniff::app
