#include "app/analyze.hpp"

#include "app/output_set.hpp"
#include "app/packet_pipeline.hpp"
#include "capture/file_reader.hpp"
#include "capture/rotating_writer.hpp"
#include "output/progress.hpp"

#include <cinttypes>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <unistd.h>

namespace sniff::app {

namespace {

nlohmann::json end_object(const PipelineCounts& counts, const capture::FileReader& reader) {
    nlohmann::json end{{"frames", counts.frames},
                       {"decoded", counts.decoded},
                       {"filtered_out", counts.filtered_out},
                       {"not_transport", counts.not_transport},
                       {"truncated", counts.truncated},
                       {"malformed", counts.malformed},
                       {"bytes_read", reader.bytes_consumed()}};
    if (reader.error())
        end["error"] = {{"message", reader.error()->message}, {"offset", reader.error()->offset}};
    return end;
}

} // namespace

int analyze_file(const Options& options) {
    capture::CaptureError open_error;
    auto reader = capture::FileReader::open(options.read_file, open_error);
    if (!reader) {
        std::fprintf(stderr, "sniff: %s: %s\n", options.read_file.c_str(),
                     open_error.to_string().c_str());
        return 1;
    }

    OutputSet outputs;
    if (auto failure = outputs.build(options)) {
        std::fprintf(stderr, "sniff: %s\n", failure->message.c_str());
        return failure->exit_code;
    }

    PacketPipeline pipeline(reassembly_config(options), outputs.sink());
    if (!options.filter.empty()) {
        std::string error;
        auto filter = capture::BpfFilter::compile(options.filter, reader->first_link_type(),
                                                  reader->snap_length(), error);
        if (!filter) {
            std::fprintf(stderr, "sniff: bad filter '%s': %s\n", options.filter.c_str(),
                         error.c_str());
            return 2;
        }
        pipeline.set_filter(std::move(filter));
    }

    // -w with -r: the packets that pass the filter, as tcpdump -r IN -w OUT writes them.
    capture::RotatingWriter saved;
    std::uint64_t not_saved = 0;
    if (!options.write_file.empty()) {
        capture::RotatingWriterOptions save_options;
        save_options.path = options.write_file;
        save_options.pcapng = options.pcapng;
        save_options.link_type = reader->first_link_type();
        save_options.snap_length = reader->snap_length();
        save_options.rotate_bytes = options.rotate_megabytes.value_or(0) * 1'000'000;
        if (!saved.open(save_options)) {
            std::fprintf(stderr, "sniff: %s\n", saved.error().c_str());
            return 1;
        }
    }

    output::Progress progress(!options.quiet && isatty(STDERR_FILENO), reader->file_size());
    capture::RawPacket packet;
    std::uint64_t packets = 0;
    while ((!options.count || packets < *options.count) && reader->next(packet)) {
        ++packets;
        const bool passed = pipeline.add(packet);
        if (passed && !options.write_file.empty()) {
            // One output file has one link type: packets of another interface type are skipped.
            if (packet.link_type == reader->first_link_type())
                saved.write(packet.time, packet.data, packet.original_length);
            else
                ++not_saved;
        }
        progress.update(reader->bytes_consumed(), pipeline.reassembler().flows_seen());
    }
    progress.done();
    pipeline.finish();

    int status = 0;
    std::string error;
    if (!outputs.finish(options.read_file == "-" ? "stdin" : options.read_file,
                        end_object(pipeline.counts(), *reader), error)) {
        std::fprintf(stderr, "sniff: %s\n", error.c_str());
        status = 1;
    }
    print_pipeline_warnings(pipeline.counts());
    if (!options.write_file.empty()) {
        if (!saved.close()) {
            std::fprintf(stderr, "sniff: %s\n", saved.error().c_str());
            status = 1;
        }
        if (not_saved > 0)
            std::fprintf(stderr,
                         "sniff: warning: %" PRIu64
                         " packets of other link types not written to %s\n",
                         not_saved, options.write_file.c_str());
    }
    if (reader->error()) {
        std::fprintf(stderr,
                     "sniff: %s: damaged capture at %s (%" PRIu64 " packets read before it)\n",
                     options.read_file.c_str(), reader->error()->to_string().c_str(), packets);
        status = 1;
    }
    return status;
}

} // namespace sniff::app
