#pragma once
// Internal: what the pcap and pcapng readers share — the input bytes, the read position, the
// frame counter and the sticky error. Not part of the public interface (file_reader.hpp is).

#include "capture/file_reader.hpp"
#include "capture/input_buffer.hpp"

#include <cstddef>
#include <memory>
#include <utility>

namespace sniff::capture {

// Larger records than this are treated as damage, not data: no link layer comes close, and a
// corrupt length field must not make us hand out a view over most of the file.
inline constexpr std::uint32_t k_max_capture_length = 256u * 1024 * 1024;

class ReaderBase : public FileReader {
public:
    explicit ReaderBase(std::unique_ptr<InputBuffer> input) : m_input(std::move(input)) {}

    const std::optional<CaptureError>& error() const override { return m_error; }
    std::uint64_t file_size() const override { return m_input->size_known(); }
    std::uint64_t bytes_consumed() const override { return m_pos; }
    util::Bytes mapped_data() const override { return m_input->mapped(); }

protected:
    // The input's bytes from offset, at least `want` of them unless the input ends first.
    util::Bytes bytes_from(std::size_t offset, std::size_t want) {
        return m_input->window(offset, want);
    }

    // Called at each next(), when the previous packet's views are no longer used: releases the
    // bytes well behind the read position (mapped pages, or a stream's window).
    void release_consumed() {
        constexpr std::size_t k_release_step = 8u << 20;
        if (m_pos >= m_release_mark + 2 * k_release_step) {
            m_release_mark = m_pos - k_release_step;
            m_input->release_before(m_release_mark);
        }
    }

    // Records the error (the first one wins) and returns false so callers can `return fail(..)`.
    // Bytes missing because reading the input failed are named as that failure.
    bool fail(std::string message, std::uint64_t offset) {
        if (!m_error)
            m_error = CaptureError{
                m_input->read_error().empty() ? std::move(message) : m_input->read_error(), offset};
        return false;
    }

    std::unique_ptr<InputBuffer> m_input;
    std::size_t m_pos = 0;          // offset of the next record or block
    std::uint64_t m_frame = 0;      // number of the last packet handed out
    std::size_t m_release_mark = 0; // mapped bytes before this were released
    std::optional<CaptureError> m_error;
};

} // namespace sniff::capture
