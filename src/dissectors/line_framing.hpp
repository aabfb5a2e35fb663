#pragma once
// The base of the framings for line-based protocols whose commands may announce a data block
// (memcached text, NATS): a message is a command line, plus the data block its line announces,
// plus (for a multi-line reply such as memcached's VALUE ... END) further lines and blocks until
// the protocol says the message ends. A subclass only decides, line by line, what comes next.
// Lines are collected with a bounded copy (LineCollector); data blocks are skipped unread.

#include "dissectors/framing.hpp"
#include "dissectors/line_collector.hpp"

#include <array>

namespace sniff::dissect {

struct LineAction {
    enum class Kind : std::uint8_t {
        complete,      // the message ends with this line
        then_complete, // `data` more bytes follow, then the message ends
        then_line,     // `data` more bytes follow (maybe 0), then another line of the message
        malformed      // `reason`
    };
    Kind kind = Kind::complete;
    std::uint64_t data = 0;
    const char* reason = "";

    static LineAction complete() { return {}; }
    static LineAction then_complete(std::uint64_t bytes) { return {Kind::then_complete, bytes}; }
    static LineAction then_line(std::uint64_t bytes = 0) { return {Kind::then_line, bytes}; }
    static LineAction bad(const char* why) { return {Kind::malformed, 0, why}; }
};

class LineFraming : public Framing {
public:
    explicit LineFraming(std::uint64_t max) : m_max(max) {}
    FrameResult frame(model::Direction direction, util::Bytes bytes, std::uint64_t from) final;

protected:
    // What follows a line (`text` without its line end; `first`: the message's first line).
    // `cut`: the line is longer than LineCollector keeps, so `text` is its beginning only.
    virtual LineAction on_line(model::Direction direction, std::string_view text, bool first,
                               bool cut) = 0;
    std::uint64_t max() const { return m_max; }

private:
    struct State {
        LineCollector line;
        std::uint64_t data_left = 0; // of a block followed by another line
        std::uint64_t header = 0;    // the first line's length
        bool first = true;
    };
    FrameResult finish(std::uint64_t total, std::uint64_t header) const;

    std::uint64_t m_max;
    std::array<State, 2> m_states;
};

} // namespace sniff::dissect
