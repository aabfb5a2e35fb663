#pragma once
// A capture file read into a FlowStore a slice at a time, so the inspector can show the first
// flows at once and stay responsive while a big file loads on the same event loop.
//
//     CaptureLoad load(options, reader, store, engine_config);
//     if (const int status = load.prepare(); status != 0) return status; // bad filter or spec
//     while (load.step(std::chrono::milliseconds(20))) { ...draw, read keys... }

#include "app/options.hpp"
#include "app/packet_pipeline.hpp"
#include "capture/file_reader.hpp"
#include "dissectors/engine.hpp"
#include "reassembly/stream_sink.hpp"
#include "store/flow_store.hpp"

#include <chrono>
#include <memory>
#include <string>

namespace sniff::app {

class CaptureLoad {
public:
    CaptureLoad(const Options& options, capture::FileReader& reader, store::FlowStore& store,
                dissect::EngineConfig engine_config);

    // Sets up framing and filter; prints a usage error and returns 2 when either is bad, else 0.
    int prepare();
    // Reads packets for about `budget`; false once the capture is read (flows closed).
    bool step(std::chrono::milliseconds budget);
    bool done() const { return m_done; }
    // "loading 45% (280 of 616 MB)" while loading, then what was read.
    std::string status_text() const;

private:
    const Options& m_options;
    capture::FileReader& m_reader;
    store::FlowStore& m_store;
    dissect::EngineConfig m_engine_config;
    std::unique_ptr<dissect::DissectorEngine> m_engine;
    reassembly::SinkFanout m_fanout;
    std::unique_ptr<PacketPipeline> m_pipeline;
    std::uint64_t m_packets = 0;
    bool m_done = false;
};

} // namespace sniff::app
