#pragma once
// sniff -r FILE: a pcap or pcapng file (or standard input) read a slice at a time on the run's
// event loop, so the inspector shows the first flows at once and keys work while a big capture
// loads; the text views get the same slices one after another. Filter → decode → reassemble
// (pipeline::PacketPipeline); -w writes the packets that pass the filter, as tcpdump -r IN -w OUT.

#include "capture/file_reader.hpp"
#include "capture/rotating_writer.hpp"
#include "output/progress.hpp"
#include "pipeline/options.hpp"
#include "pipeline/packet_pipeline.hpp"
#include "sources/source.hpp"

#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace sniff::sources {

class FileSource final : public Source {
public:
    explicit FileSource(const pipeline::Options& options);
    ~FileSource() override;

    model::FlowOrigin origin() const override { return model::FlowOrigin::capture; }
    std::string label() const override;
    std::string title() const override { return label(); }
    // Opens the file and compiles the filter: 1 when the file cannot be read, 2 for a bad filter.
    int open(const SourceSetup& setup) override;
    int open_files() override;
    void start(SourceContext& context) override;
    void stop() override { m_stopped = true; }
    bool finish() override;
    void add_end_fields(nlohmann::json& end) const override;
    void print_summary() const override;

    // The mapped file (empty for a stream).
    util::Bytes stable_bytes() const override;
    // Reads packets for about `budget`; false once the file is read (flows then closed).
    bool step(std::chrono::milliseconds budget);
    // "loading 45% (280 of 616 MB)" while loading, then what was read.
    std::string status_text() const;

private:
    bool count_reached() const;
    void read_packet(const capture::RawPacket& packet);
    void read_slice();

    const pipeline::Options& m_options;
    std::unique_ptr<capture::FileReader> m_reader;
    std::unique_ptr<capture::BpfFilter> m_filter;
    std::unique_ptr<pipeline::PacketPipeline> m_pipeline;
    capture::RotatingWriter m_saved;
    std::optional<output::Progress> m_progress;
    SourceContext* m_context = nullptr;
    std::uint64_t m_packets = 0;
    std::uint64_t m_not_saved = 0;
    bool m_done = false;
    bool m_stopped = false;
};

} // namespace sniff::sources
