#include "app/capture_load.hpp"

#include "app/output_set.hpp"

#include <cinttypes>
#include <cstdio>

namespace sniff::app {

CaptureLoad::CaptureLoad(const Options& options, capture::FileReader& reader,
                         store::FlowStore& store, dissect::EngineConfig engine_config)
    : m_options(options), m_reader(reader), m_store(store), m_engine_config(engine_config) {}

int CaptureLoad::prepare() {
    std::string error;
    auto selector = framing_selector(m_options, error);
    if (!selector) {
        std::fprintf(stderr, "sniff: %s\n", error.c_str());
        return 2;
    }
    // The inspector is about message boundaries: without --framing it guesses one per flow.
    if (m_options.framings.empty())
        selector->set_default(std::get<dissect::FramingSpec>(dissect::parse_spec("auto")));
    m_engine =
        std::make_unique<dissect::DissectorEngine>(std::move(*selector), m_store, m_engine_config);
    m_fanout.add(m_store); // first: the store knows a flow before the engine reports messages
    m_fanout.add(*m_engine);
    m_pipeline = std::make_unique<PacketPipeline>(reassembly_config(m_options), m_fanout);
    if (!m_options.filter.empty()) {
        auto filter = capture::BpfFilter::compile(m_options.filter, m_reader.first_link_type(),
                                                  m_reader.snap_length(), error);
        if (!filter) {
            std::fprintf(stderr, "sniff: bad filter '%s': %s\n", m_options.filter.c_str(),
                         error.c_str());
            return 2;
        }
        m_pipeline->set_filter(std::move(filter));
    }
    return 0;
}

bool CaptureLoad::step(std::chrono::milliseconds budget) {
    if (m_done)
        return false;
    const auto deadline = std::chrono::steady_clock::now() + budget;
    capture::RawPacket packet;
    // The clock is read every 1024 packets: cheap, and a slice stays close to its budget.
    for (;;) {
        for (int i = 0; i < 1024; ++i) {
            if ((m_options.count && m_packets >= *m_options.count) || !m_reader.next(packet)) {
                m_pipeline->finish();
                m_done = true;
                return false;
            }
            ++m_packets;
            m_pipeline->add(packet);
        }
        if (std::chrono::steady_clock::now() >= deadline)
            return true;
    }
}

std::string CaptureLoad::status_text() const {
    const double total_mb = static_cast<double>(m_reader.file_size()) / 1e6;
    char text[160];
    if (m_done)
        std::snprintf(text, sizeof text, "read %" PRIu64 " packets (%.0f MB)", m_packets, total_mb);
    else
        std::snprintf(text, sizeof text, "loading %.0f%% (%.0f of %.0f MB): browse while it reads",
                      total_mb > 0
                          ? 100.0 * static_cast<double>(m_reader.bytes_consumed()) / 1e6 / total_mb
                          : 0.0,
                      static_cast<double>(m_reader.bytes_consumed()) / 1e6, total_mb);
    return text;
}

} // namespace sniff::app
