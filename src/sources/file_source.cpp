#include "sources/file_source.hpp"

#include "sources/asio.hpp"
#include "util/plural.hpp"

#include <cinttypes>
#include <cstdio>
#include <nlohmann/json.hpp>

namespace sniff::sources {

namespace {

// A slice of reading between turns of the loop: short enough that keys feel immediate.
constexpr auto k_slice = std::chrono::milliseconds(30);
// The clock is read every this many packets: cheap, and a slice stays close to its budget.
constexpr int k_packets_per_clock = 1024;

} // namespace

FileSource::FileSource(const pipeline::Options& options) : m_options(options) {}
FileSource::~FileSource() = default;

std::string FileSource::label() const {
    return m_options.read_file == "-" ? "stdin" : m_options.read_file;
}

int FileSource::open(const SourceSetup&) {
    capture::CaptureError open_error;
    m_reader = capture::FileReader::open(m_options.read_file, open_error);
    if (!m_reader) {
        std::fprintf(stderr, "sniff: %s: %s\n", m_options.read_file.c_str(),
                     open_error.to_string().c_str());
        return 1;
    }
    if (m_options.filter.empty())
        return 0;
    std::string error;
    m_filter = capture::BpfFilter::compile(m_options.filter, m_reader->first_link_type(),
                                           m_reader->snap_length(), error);
    if (!m_filter) {
        std::fprintf(stderr, "sniff: bad filter '%s': %s\n", m_options.filter.c_str(),
                     error.c_str());
        return 2;
    }
    return 0;
}

int FileSource::open_files() {
    if (m_options.write_file.empty())
        return 0;
    capture::RotatingWriterOptions save;
    save.path = m_options.write_file;
    save.pcapng = m_options.pcapng;
    save.link_type = m_reader->first_link_type();
    save.snap_length = m_reader->snap_length();
    save.rotate_bytes = m_options.rotate_megabytes.value_or(0) * 1'000'000;
    if (!m_saved.open(save)) {
        std::fprintf(stderr, "sniff: %s\n", m_saved.error().c_str());
        return 1;
    }
    return 0;
}

util::Bytes FileSource::stable_bytes() const {
    return m_reader ? m_reader->mapped_data() : util::Bytes{};
}

void FileSource::start(SourceContext& context) {
    m_context = &context;
    m_pipeline = std::make_unique<pipeline::PacketPipeline>(pipeline::reassembly_config(m_options),
                                                            context.sink);
    m_pipeline->set_filter(std::move(m_filter));
    m_progress.emplace(context.status_line, m_reader->file_size());
    // "loading 0%" at once: the key hints come back only once the file is read.
    context.status(status_text(), false);
    boost::asio::post(context.io, [this] { read_slice(); });
}

void FileSource::read_slice() {
    if (m_stopped)
        return;
    const bool more = step(k_slice);
    if (more) {
        m_context->status(status_text(), false);
        boost::asio::post(m_context->io, [this] { read_slice(); });
        return;
    }
    m_progress->done();
    if (m_reader->error())
        m_context->status("damaged capture at " + m_reader->error()->to_string() +
                              "; flows before it are shown",
                          true);
    else
        m_context->status({}, false);
    m_context->ended();
}

bool FileSource::count_reached() const {
    return m_options.count && m_packets >= *m_options.count;
}

void FileSource::read_packet(const capture::RawPacket& packet) {
    ++m_packets;
    const bool passed = m_pipeline->add(packet);
    m_progress->update(m_reader->bytes_consumed(), m_pipeline->reassembler().flows_seen());
    if (!passed || m_options.write_file.empty())
        return;
    // One output file has one link type: packets of another interface type are skipped.
    if (packet.link_type == m_reader->first_link_type())
        m_saved.write(packet.time, packet.data, packet.original_length);
    else
        ++m_not_saved;
}

bool FileSource::step(std::chrono::milliseconds budget) {
    if (m_done)
        return false;
    const auto deadline = std::chrono::steady_clock::now() + budget;
    capture::RawPacket packet;
    for (;;) {
        for (int i = 0; i < k_packets_per_clock; ++i) {
            if (count_reached() || !m_reader->next(packet)) {
                m_pipeline->finish();
                m_done = true;
                return false;
            }
            read_packet(packet);
        }
        if (std::chrono::steady_clock::now() >= deadline)
            return true;
    }
}

std::string FileSource::status_text() const {
    const double total_mb = static_cast<double>(m_reader->file_size()) / 1e6;
    const double read_mb = static_cast<double>(m_reader->bytes_consumed()) / 1e6;
    char text[160];
    if (m_done)
        std::snprintf(text, sizeof text, "read %" PRIu64 " packets (%.0f MB)", m_packets, total_mb);
    else
        std::snprintf(text, sizeof text, "loading %.0f%% (%.0f of %.0f MB): browse while it reads",
                      total_mb > 0 ? 100.0 * read_mb / total_mb : 0.0, read_mb, total_mb);
    return text;
}

bool FileSource::finish() {
    if (m_pipeline && !m_done) { // stopped early (Ctrl-C): the flows read so far still close
        m_pipeline->finish();
        m_done = true;
    }
    bool ok = m_reader && !m_reader->error();
    if (!m_options.write_file.empty() && !m_saved.close()) {
        std::fprintf(stderr, "sniff: %s\n", m_saved.error().c_str());
        ok = false;
    }
    return ok;
}

void FileSource::add_end_fields(nlohmann::json& end) const {
    const auto counts = m_pipeline ? m_pipeline->counts() : pipeline::PipelineCounts{};
    end["frames"] = counts.frames;
    end["decoded"] = counts.decoded;
    end["filtered_out"] = counts.filtered_out;
    end["not_transport"] = counts.not_transport;
    end["truncated"] = counts.truncated;
    end["malformed"] = counts.malformed;
    end["bytes_read"] = m_reader->bytes_consumed();
    if (m_reader->error())
        end["error"] = {{"message", m_reader->error()->message},
                        {"offset", m_reader->error()->offset}};
}

void FileSource::print_summary() const {
    if (m_pipeline)
        pipeline::print_pipeline_warnings(m_pipeline->counts());
    if (m_not_saved > 0)
        std::fprintf(stderr, "sniff: warning: %s of other link types not written to %s\n",
                     util::counted(m_not_saved, "packet").c_str(), m_options.write_file.c_str());
    if (m_reader->error())
        std::fprintf(stderr, "sniff: %s: damaged capture at %s (%s read before it)\n",
                     m_options.read_file.c_str(), m_reader->error()->to_string().c_str(),
                     util::counted(m_packets, "packet").c_str());
}

} // namespace sniff::sources
