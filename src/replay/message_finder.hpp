#pragma once
// Where the messages of one flow are, by the same engine and framings every view uses: bytes of
// both directions go in as they become known (a captured stream, or a live replay's sends and
// recv()s), complete messages come out per direction. Both directions go in because some
// framings follow the peer (PostgreSQL's start-up, HTTP's answer to HEAD).

#include "dissectors/engine.hpp"
#include "replay/conversation.hpp"

#include <array>
#include <memory>
#include <string>
#include <vector>

namespace sniff::replay {

class MessageFinder {
public:
    // flow: protocol and endpoints as the framing should see them; spec: the framing (auto
    // guesses per direction from the first bytes).
    MessageFinder(const model::Flow& flow, const dissect::FramingSpec& spec);
    ~MessageFinder();
    MessageFinder(const MessageFinder&) = delete;
    MessageFinder& operator=(const MessageFinder&) = delete;

    // The next bytes of a direction (one segment or chunk), its time.
    void add(model::Direction direction, util::Bytes bytes, model::Timestamp time);
    // The stream ended (a message that ends at the close completes now).
    void close();

    // Complete messages of a direction so far, in order.
    const std::vector<Span>& messages(model::Direction direction) const {
        return m_found[static_cast<std::size_t>(direction)].messages;
    }
    // The framing a direction runs with ("raw" when none, known after auto decided).
    const std::string& framing(model::Direction direction) const {
        return m_found[static_cast<std::size_t>(direction)].framing;
    }
    // Why the framing stopped following a direction (a malformed message), or empty.
    const std::string& lost(model::Direction direction) const {
        return m_found[static_cast<std::size_t>(direction)].lost;
    }

    struct Found {
        std::vector<Span> messages;
        std::string framing = "raw";
        std::string lost;
    };

private:
    class Collector;
    std::array<Found, 2> m_found;
    model::Flow m_flow;
    std::unique_ptr<Collector> m_collector;
    std::unique_ptr<dissect::DissectorEngine> m_engine;
    std::array<std::uint64_t, 2> m_offset{};
    std::array<std::uint64_t, 2> m_segments{};
    std::uint64_t m_frame = 0;
    bool m_closed = false;
};

// Runs the framing over a captured conversation and stores its messages and framing per side.
void find_messages(Conversation& conversation, const dissect::FramingSpec& spec);

} // namespace sniff::replay
