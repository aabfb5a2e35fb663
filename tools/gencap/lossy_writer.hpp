#pragma once
// A capture writer that loses and locally reorders frames the way a busy capturing host does
// (tcpdump dropping packets, per-CPU queues recording them out of order), deterministically from a
// seed, so that a test can know exactly which bytes the file lacks.
//
// Only frames offered as droppable (the caller's data segments) are dropped or delayed; a delayed
// frame is written after the next 1..reorder_distance frames, with its own (earlier) timestamp,
// as a real reordered capture shows it.

#include "capture/pcap_writer.hpp"

#include <cstdint>
#include <deque>
#include <random>
#include <string>
#include <vector>

namespace sniff::gencap {

struct LossOptions {
    std::uint64_t seed = 1;
    double drop_rate = 0.0;             // fraction of droppable frames left out of the file
    double reorder_rate = 0.0;          // fraction of droppable frames written late
    std::uint32_t reorder_distance = 4; // a late frame comes after at most this many others
};

struct LossCounts {
    std::uint64_t offered = 0;
    std::uint64_t written = 0;
    std::uint64_t dropped = 0;
    std::uint64_t reordered = 0;
};

class LossyWriter {
public:
    LossyWriter(const std::string& file, const capture::PcapFileOptions& file_options,
                const LossOptions& loss);

    // Offers one frame made of headers followed by payload. Returns false when it was dropped
    // (never for a frame that is not droppable).
    bool offer(model::Timestamp time, util::Bytes headers, util::Bytes payload, bool droppable);
    // Writes the frames still delayed and closes the file; throws std::runtime_error on failure.
    void close();

    const LossCounts& counts() const { return m_counts; }

private:
    struct Delayed {
        std::uint64_t due = 0; // written once this many frames have been written
        model::Timestamp time = 0;
        std::vector<std::byte> frame;
    };

    void write(model::Timestamp time, util::Bytes headers, util::Bytes payload);
    void write_due();

    std::string m_file;
    capture::PcapWriter m_writer;
    LossOptions m_loss;
    std::mt19937_64 m_random;
    std::uniform_real_distribution<double> m_chance{0.0, 1.0};
    std::deque<Delayed> m_delayed; // in order of due
    LossCounts m_counts;
};

} // namespace sniff::gencap
