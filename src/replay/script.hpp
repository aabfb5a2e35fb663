#pragma once
// The turns of a captured conversation, as a replay plays them: who sent what, in captured order.
// Consecutive bytes of one side form one step ("the client sent these three requests", "the
// server answered this"); with a framing a step ends on a message boundary, so a request is never
// sent in two turns. A replay sends the steps of its own side and awaits the others.

#include "replay/conversation.hpp"

#include <cstddef>
#include <vector>

namespace sniff::replay {

struct Step {
    model::Direction direction = model::Direction::c2s;
    Span bytes;                // of that direction's stream
    std::size_t messages = 0;  // that direction's complete messages ending by bytes.end()
    model::Timestamp time = 0; // captured time of its first byte
    // The peer's answer to our last bytes before a gap in our stream: it may also hold answers
    // to the bytes lost in the gap, so what does not come is not missing, only not compared.
    bool open_ended = false;
};

struct Script {
    std::vector<Step> steps;
    // The script stops early (a gap in either side, the capture cut): why, for the user; empty
    // when it covers the whole conversation.
    std::string cut_reason;
};

Script build_script(const Conversation& conversation);

// Ends the script of the side `own` plays where a gap makes the rest unknowable: after a gap in
// our stream, the peer's answer to what we could still send is the last turn; after a gap in the
// peer's, we send nothing whose answer we could not compare.
void trim_at_gaps(Script& script, const Conversation& conversation, model::Direction own);

// The message of `messages` that holds byte `offset`, or messages.size() when none does.
std::size_t message_at(const std::vector<Span>& messages, std::uint64_t offset);

} // namespace sniff::replay
