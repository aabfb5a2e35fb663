// The dissector engine: flows, framing choice (given or guessed) and event routing to the
// per-direction framers.

#include "dissectors/engine.hpp"

#include "dissectors/auto_detect.hpp"
#include "dissectors/auto_signatures.hpp"
#include "dissectors/direction_framer.hpp"
#include "dissectors/framings.hpp"
#include "dissectors/web_recogniser.hpp"

#include <algorithm>
#include <map>
#include <optional>

namespace sniff::dissect {

namespace {

// A direction's first bytes while `auto` has not decided yet.
struct Sample {
    std::vector<std::byte> bytes;
    std::vector<model::SegmentInfo> segments; // segments wholly inside bytes
    std::vector<std::uint64_t> ends;          // their ends, relative to the sample start
    std::uint64_t start = 0;                  // stream offset of bytes[0]
    bool began = false;
    bool early_refused = false; // a signature matched but its preset did not walk the sample
};

} // namespace

struct DissectorEngine::FlowState {
    FlowState(MessageSink& sink, const EngineConfig& config)
        : framers{DirectionFramer(model::Direction::c2s, sink, config),
                  DirectionFramer(model::Direction::s2c, sink, config)} {}

    FramingSpec spec;
    std::array<std::unique_ptr<Framing>, 2> owned; // shared instance in [0] unless auto
    std::array<DirectionFramer, 2> framers;
    std::array<Sample, 2> samples;
    std::array<std::optional<Guess>, 2> guesses; // auto's choice per direction
};

// auto decides once per service: the first signature decision for a server address and port
// holds for the later flows to it whose own sample only allows an inference.
struct DissectorEngine::Services {
    std::map<model::Endpoint, Guess> decided;
};

DissectorEngine::DissectorEngine(FramingSelector selector, MessageSink& sink, EngineConfig config)
    : m_selector(std::move(selector)), m_sink(sink), m_config(config),
      m_services(std::make_unique<Services>()) {}

DissectorEngine::~DissectorEngine() = default;

namespace {

void start_direction(DissectorEngine::FlowState& state, const model::Flow& flow,
                     model::Direction direction, MessageSink& sink, const FramingSpec& spec,
                     Framing* framing, const Guess* guess) {
    const bool datagrams = flow.protocol == model::Protocol::udp;
    DirectionFramer& framer = state.framers[static_cast<std::size_t>(direction)];
    const std::string text = to_string(spec);
    framer.start(framing, text, datagrams);
    FramingChoice choice;
    choice.direction = direction;
    choice.spec = text;
    if (guess != nullptr) {
        choice.guessed = true;
        choice.confidence = guess->confidence;
        choice.uncertain = guess->uncertain;
        choice.basis = guess->basis;
        choice.disagrees = guess->disagrees;
    }
    sink.on_framing(flow, choice);
}

// Starts a direction on auto's guess. One framing instance serves both directions of a flow
// (http pairs responses with requests, smtp replies with commands): a direction guessed the same
// spec as the other shares its instance.
void start_guessed(DissectorEngine::FlowState& state, const model::Flow& flow,
                   model::Direction direction, MessageSink& sink, const Guess& guess) {
    const auto d = static_cast<std::size_t>(direction);
    Framing* framing = nullptr;
    if (state.owned[1 - d] && state.guesses[1 - d] && state.guesses[1 - d]->spec == guess.spec) {
        framing = state.owned[1 - d].get();
    } else {
        state.owned[d] = make_framing(guess.spec);
        framing = state.owned[d].get();
    }
    state.guesses[d] = guess;
    start_direction(state, flow, direction, sink, guess.spec, framing, &guess);
}

// Hands the direction's sampled segments to its framer, now that it has started.
void replay_sample(DissectorEngine::FlowState& state, const model::Flow& flow,
                   model::Direction direction) {
    const auto d = static_cast<std::size_t>(direction);
    Sample& sample = state.samples[d];
    std::uint64_t at = 0;
    for (const model::SegmentInfo& segment : sample.segments) {
        state.framers[d].data(flow, segment, util::Bytes(sample.bytes).subspan(at, segment.length));
        at += segment.length;
    }
    sample = Sample{};
}

// The service's decision in place of a mere inference; a signature that differs from it is kept
// and says so.
Guess with_service(DissectorEngine::Services& services, const model::Flow& flow, Guess guess) {
    guess.basis = guess.protocol.empty() ? "inferred" : "signature";
    const auto it = services.decided.find(flow.server);
    if (!guess.protocol.empty()) {
        if (it == services.decided.end())
            services.decided.emplace(flow.server, guess);
        else if (it->second.spec != guess.spec)
            guess.disagrees = it->second.text;
        return guess;
    }
    if (it == services.decided.end())
        return guess;
    Guess adopted = it->second;
    adopted.basis = "service";
    adopted.runner_up = guess.text != adopted.text ? guess.text : guess.runner_up;
    return adopted;
}

// A protocol recognised in one direction is the other direction's protocol too: the other
// direction, not started yet, starts on it now (its sample so far replayed), so both are framed
// in the order their bytes came.
void adopt_for_peer(DissectorEngine::FlowState& state, const model::Flow& flow,
                    model::Direction direction, MessageSink& sink, const Guess& guess) {
    const auto peer = static_cast<std::size_t>(1 - static_cast<std::size_t>(direction));
    if (guess.protocol.empty() || guess.spec.family == Family::raw || state.framers[peer].started())
        return;
    Guess adopted = guess;
    adopted.basis = "peer";
    adopted.disagrees.clear();
    start_guessed(state, flow, static_cast<model::Direction>(peer), sink, adopted);
    replay_sample(state, flow, static_cast<model::Direction>(peer));
}

// A direction auto is unsure of (its first message longer than the sample, say) takes the other
// direction's framing when that reads it: the other direction's confident guess, or the one cut
// that fits both samples so far.
Guess with_peer_evidence(const DissectorEngine::FlowState& state, model::Direction direction,
                         Guess guess) {
    const auto d = static_cast<std::size_t>(direction);
    const util::Bytes own(state.samples[d].bytes);
    const std::optional<Guess>& peer_guess = state.guesses[1 - d];
    if (state.framers[1 - d].started()) {
        if (!peer_guess || peer_guess->uncertain || peer_guess->spec.family == Family::raw ||
            !framing_fits(peer_guess->spec, own, direction))
            return guess;
        Guess adopted = *peer_guess;
        adopted.runner_up = guess.text != adopted.text ? guess.text : guess.runner_up;
        adopted.basis = "peer";
        return adopted;
    }
    const Sample& peer = state.samples[1 - d];
    auto joint = guess_with_peer(own, peer.bytes, peer.ends, direction);
    if (!joint)
        return guess;
    joint->runner_up = guess.text != joint->text ? guess.text : guess.runner_up;
    joint->basis = "peer";
    return *joint;
}

// Starts a direction on `guess` (weighed against the service's decision and, when unsure, the
// other direction's bytes), replays its sampled segments, and starts the other direction on a
// recognised protocol.
void commit(DissectorEngine::FlowState& state, const model::Flow& flow, model::Direction direction,
            MessageSink& sink, const Guess& own, DissectorEngine::Services& services) {
    Guess guess = with_service(services, flow, own);
    if (guess.basis == "inferred" && guess.uncertain)
        guess = with_peer_evidence(state, direction, guess);
    start_guessed(state, flow, direction, sink, guess);
    replay_sample(state, flow, direction);
    adopt_for_peer(state, flow, direction, sink, guess);
}

// Decides `auto` for a direction from its sample.
void decide(DissectorEngine::FlowState& state, const model::Flow& flow, model::Direction direction,
            MessageSink& sink, bool whole_stream, DissectorEngine::Services& services) {
    const Sample& sample = state.samples[static_cast<std::size_t>(direction)];
    commit(state, flow, direction, sink,
           guess_framing(sample.bytes, sample.ends, whole_stream, direction), services);
}

} // namespace

DissectorEngine::FlowState& DissectorEngine::state_for(const model::Flow& flow) {
    // A request and its answer usually come one after the other: remember the last flow.
    if (m_last != nullptr && m_last_id == flow.id)
        return *m_last;
    auto& slot = m_flows[flow.id];
    m_last_id = flow.id;
    if (slot) {
        m_last = slot.get();
        return *slot;
    }
    slot = std::make_unique<FlowState>(m_sink, m_config);
    m_last = slot.get();
    slot->spec = m_selector.spec_for(flow);
    const bool udp = flow.protocol == model::Protocol::udp;
    if (slot->spec.family == Family::auto_detect && !udp)
        return *slot; // each direction decides on its own sample
    // UDP under auto is datagrams: one datagram, one message.
    const FramingSpec spec = slot->spec.family == Family::auto_detect ? FramingSpec{} : slot->spec;
    slot->owned[0] = make_framing(spec);
    for (const auto direction : {model::Direction::c2s, model::Direction::s2c})
        start_direction(*slot, flow, direction, m_sink, spec, slot->owned[0].get(), nullptr);
    return *slot;
}

void DissectorEngine::on_flow_open(const model::Flow& flow) {
    (void)state_for(flow);
}

void DissectorEngine::on_data(const model::Flow& flow, model::Direction direction,
                              const model::SegmentInfo& segment, util::Bytes bytes) {
    FlowState& state = state_for(flow);
    const auto d = static_cast<std::size_t>(direction);
    DirectionFramer& framer = state.framers[d];
    if (!framer.started()) {
        Sample& sample = state.samples[d];
        if (!sample.began) {
            sample.began = true;
            sample.start = segment.offset;
        }
        const std::size_t room = m_config.auto_window - sample.bytes.size();
        if (bytes.size() < room) {
            sample.bytes.insert(sample.bytes.end(), bytes.begin(), bytes.end());
            sample.segments.push_back(segment);
            sample.ends.push_back(sample.bytes.size());
            // A protocol named by its first bytes (a web start line, a signature) is decided
            // now, so both directions are framed in the order their bytes came (http pairs
            // responses with requests, smtp replies with commands).
            // (A signature whose preset failed on the first bytes waits for the whole window.)
            if (!sample.early_refused && (recognise_web(sample.bytes, direction) == WebSign::http ||
                                          recognise(sample.bytes, direction))) {
                const Guess guess = guess_framing(sample.bytes, sample.ends, false, direction);
                if (!guess.protocol.empty())
                    commit(state, flow, direction, m_sink, guess, *m_services);
                else
                    sample.early_refused = true;
            }
            return;
        }
        // The window is full: guess on it (this segment's head included), replay, go on.
        sample.bytes.insert(sample.bytes.end(), bytes.begin(),
                            bytes.begin() + static_cast<std::ptrdiff_t>(room));
        const std::size_t held = sample.bytes.size() - room;
        const Guess guess = guess_framing(sample.bytes, sample.ends, false, direction);
        sample.bytes.resize(held);
        commit(state, flow, direction, m_sink, guess, *m_services);
    }
    framer.data(flow, segment, bytes);
    DirectionFramer& peer = state.framers[1 - d];
    if (peer.started())
        peer.peer_data(flow);
}

void DissectorEngine::on_gap(const model::Flow& flow, model::Direction direction,
                             const model::Gap& gap) {
    FlowState& state = state_for(flow);
    const auto d = static_cast<std::size_t>(direction);
    if (!state.framers[d].started())
        decide(state, flow, direction, m_sink, false, *m_services);
    state.framers[d].gap(flow, gap);
}

void DissectorEngine::on_flow_close(const model::Flow& flow, reassembly::CloseReason) {
    const auto it = m_flows.find(flow.id);
    if (it == m_flows.end())
        return;
    FlowState& state = *it->second;
    for (std::size_t d = 0; d < 2; ++d) {
        const auto direction = static_cast<model::Direction>(d);
        if (!state.framers[d].started())
            decide(state, flow, direction, m_sink, true, *m_services);
        state.framers[d].finish(flow);
        m_sink.on_direction_end(flow, state.framers[d].summary());
    }
    m_flows.erase(it);
    m_last = nullptr;
}

std::size_t DissectorEngine::buffered_bytes() const {
    std::size_t total = 0;
    for (const auto& [id, state] : m_flows) {
        for (std::size_t d = 0; d < 2; ++d)
            total += state->framers[d].buffered_bytes() + state->samples[d].bytes.capacity();
    }
    return total;
}

} // namespace sniff::dissect
