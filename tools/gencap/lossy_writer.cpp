// A pcap writer that drops and delays frames from a seed (see lossy_writer.hpp).

#include "gencap/lossy_writer.hpp"

#include <algorithm>
#include <stdexcept>

namespace sniff::gencap {

LossyWriter::LossyWriter(const std::string& file, const capture::PcapFileOptions& file_options,
                         const LossOptions& loss)
    : m_file(file), m_loss(loss), m_random(loss.seed) {
    m_loss.reorder_distance = std::max<std::uint32_t>(1, m_loss.reorder_distance);
    if (!m_writer.open(file, file_options))
        throw std::runtime_error(file + ": " + m_writer.error());
}

bool LossyWriter::offer(model::Timestamp time, util::Bytes headers, util::Bytes payload,
                        bool droppable) {
    ++m_counts.offered;
    // Both draws are made for every droppable frame, so a change of one rate does not reshuffle
    // which frames the other one picks.
    const double drop_draw = droppable ? m_chance(m_random) : 1.0;
    const double reorder_draw = droppable ? m_chance(m_random) : 1.0;
    const std::uint64_t distance = droppable ? 1 + m_random() % m_loss.reorder_distance : 0;
    if (drop_draw < m_loss.drop_rate) {
        ++m_counts.dropped;
        return false;
    }
    if (reorder_draw < m_loss.reorder_rate) {
        ++m_counts.reordered;
        Delayed late;
        late.due = m_counts.written + distance;
        late.time = time;
        late.frame.assign(headers.begin(), headers.end());
        late.frame.insert(late.frame.end(), payload.begin(), payload.end());
        // Keep the queue ordered by due, later arrivals after earlier ones with the same due.
        const auto at = std::upper_bound(
            m_delayed.begin(), m_delayed.end(), late.due,
            [](std::uint64_t due, const Delayed& other) { return due < other.due; });
        m_delayed.insert(at, std::move(late));
        return true;
    }
    write(time, headers, payload);
    write_due();
    return true;
}

void LossyWriter::write(model::Timestamp time, util::Bytes headers, util::Bytes payload) {
    if (!m_writer.write(time, headers, payload))
        throw std::runtime_error(m_file + ": " + m_writer.error());
    ++m_counts.written;
}

void LossyWriter::write_due() {
    while (!m_delayed.empty() && m_delayed.front().due <= m_counts.written) {
        const Delayed late = std::move(m_delayed.front());
        m_delayed.pop_front();
        write(late.time, late.frame, {});
    }
}

void LossyWriter::close() {
    while (!m_delayed.empty()) {
        const Delayed late = std::move(m_delayed.front());
        m_delayed.pop_front();
        write(late.time, late.frame, {});
    }
    if (!m_writer.close())
        throw std::runtime_error(m_file + ": " + m_writer.error());
}

} // namespace sniff::gencap
