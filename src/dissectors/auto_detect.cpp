// `auto`: scores candidate framings on a direction's first bytes (see auto_detect.hpp).

#include "dissectors/auto_detect.hpp"

#include "dissectors/auto_signatures.hpp"
#include "dissectors/framings.hpp"
#include "dissectors/web_recogniser.hpp"

#include <algorithm>
#include <cstring>
#include <functional>
#include <optional>

namespace sniff::dissect {

namespace {

// Two different cuts whose scores differ by less than this are a tie.
constexpr double k_tie_margin = 0.05;
// The confidence in a self-describing header whose body is still arriving (as for a signature).
constexpr double k_header_alone = 0.8;

struct Candidate {
    FramingSpec spec;
    double cost = 0; // preference for plain parameters when candidates explain the same bytes
};

struct Walk {
    std::vector<std::uint64_t> ends;   // message ends, ascending
    std::uint64_t explained = 0;       // bytes in complete messages
    std::size_t empty = 0;             // messages with no body (a header alone)
    bool valid_tail = false;           // the bytes after the last end start a plausible message
    bool header_tail = false;          // ...whose header was read: its length is known, not whole
    std::uint64_t tail_header_end = 0; // where that header ends in the sample
};

// Walks a framing over the sample from its start, as the given direction (pgsql's rules differ
// per side). Only the direction's own bytes are seen, so handshake framings walk without peer.
Walk walk_framing(Framing& framing, util::Bytes sample, model::Direction direction) {
    Walk walk;
    std::uint64_t pos = 0;
    while (pos < sample.size()) {
        const FrameResult result = framing.frame(direction, sample.subspan(pos), 0);
        if (result.kind == FrameResult::Kind::malformed)
            break;
        if (result.kind == FrameResult::Kind::need_more || pos + result.total > sample.size()) {
            walk.valid_tail = true;
            walk.header_tail = result.kind == FrameResult::Kind::message;
            walk.tail_header_end = pos + result.header;
            break;
        }
        pos += result.total;
        walk.ends.push_back(pos);
        walk.empty += result.total == result.header;
    }
    walk.explained = pos;
    return walk;
}

Walk walk_delimiter(const std::string& separator, util::Bytes sample) {
    Walk walk;
    const auto* data = reinterpret_cast<const char*>(sample.data());
    const std::string_view text(data, sample.size());
    for (std::size_t pos = 0;;) {
        const std::size_t hit = text.find(separator, pos);
        if (hit == std::string_view::npos)
            break;
        pos = hit + separator.size();
        walk.ends.push_back(pos);
    }
    walk.explained = walk.ends.empty() ? 0 : walk.ends.back();
    walk.valid_tail = true;
    return walk;
}

double text_share(util::Bytes sample) {
    std::size_t text = 0;
    for (const std::byte b : sample) {
        const auto c = std::to_integer<unsigned>(b);
        text += (c >= 0x20 && c < 0x7f) || c == '\n' || c == '\r' || c == '\t' || c >= 0x80;
    }
    return sample.empty() ? 0 : static_cast<double>(text) / static_cast<double>(sample.size());
}

struct Scored {
    FramingSpec spec;
    double value = 0;
    double per_message = 0;     // share of message ends on segment ends: breaks near-ties
    std::size_t boundaries = 0; // hash of message ends, to tell different cuts apart
    std::vector<std::uint64_t> ends;
};

Scored score(const Walk& walk, util::Bytes sample, std::span<const std::uint64_t> segment_ends,
             bool whole_stream) {
    Scored scored;
    if (walk.ends.empty() || sample.empty())
        return scored;
    const std::uint64_t tail = sample.size() - walk.explained;
    double coverage = static_cast<double>(walk.explained + (walk.valid_tail ? tail : 0)) /
                      static_cast<double>(sample.size());
    if (whole_stream && tail != 0)
        coverage *= 0.8; // the stream really ended inside a message: possible, but a flaw
    // How many segment ends fall on message ends, seen from both sides.
    std::size_t hits = 0, considered = 0;
    for (std::size_t i = 0, j = 0; i < segment_ends.size(); ++i) {
        if (segment_ends[i] > walk.explained)
            break;
        ++considered;
        while (j < walk.ends.size() && walk.ends[j] < segment_ends[i])
            ++j;
        hits += j < walk.ends.size() && walk.ends[j] == segment_ends[i];
    }
    if (hits == 0)
        return scored;
    const double messages = static_cast<double>(walk.ends.size());
    const double per_segment = static_cast<double>(hits) / static_cast<double>(considered);
    const double per_message = static_cast<double>(hits) / messages;
    const double evidence = std::min(1.0, static_cast<double>(hits) / 3.0);
    // Either ratio alone: many small messages per segment (pipelined commands) leave only
    // per_segment high, many segments per message only per_message.
    const double alignment = std::max(per_segment, per_message);
    // Messages with no body are legal (PostgreSQL's Terminate) but a cut that makes many of
    // them is usually reading a length's zero high byte as a length of its own.
    const double empty = 1.0 - 0.5 * static_cast<double>(walk.empty) / messages;
    scored.value = coverage * alignment * evidence * empty;
    scored.per_message = per_message;
    return scored;
}

FramingSpec len_spec(std::uint32_t off, std::uint8_t size, bool little, bool is_signed,
                     std::int64_t adj) {
    FramingSpec spec;
    spec.family = Family::len;
    spec.off = off;
    spec.size = size;
    spec.little_endian = little;
    spec.is_signed = is_signed;
    spec.adj = adj;
    return spec;
}

void add_len_candidates(util::Bytes sample, std::span<const std::uint64_t> segment_ends,
                        std::vector<Candidate>& out) {
    for (std::uint32_t off = 0; off <= 8; ++off) {
        for (const std::uint8_t size : {1, 2, 3, 4, 8, 0}) {
            for (const bool little : {false, true}) {
                if ((size == 1 || size == 0) && little)
                    continue;
                const double base = 0.01 * off + (size == 8 ? 0.01 : 0) + (size == 0 ? 0.01 : 0);
                std::vector<std::pair<std::int64_t, double>> adjs{
                    {0, 0},
                    {-static_cast<std::int64_t>(size), 0.03},
                    {-static_cast<std::int64_t>(off + size), 0.03}};
                // The adjustment that ends the first message on the first segment end.
                util::ByteReader reader(sample);
                reader.skip(off);
                const std::uint64_t value =
                    size == 0 ? reader.read_u8() : reader.read_uint(size, little);
                if (reader.ok() && !segment_ends.empty() && value < (1u << 30)) {
                    const auto derived =
                        static_cast<std::int64_t>(segment_ends[0]) -
                        static_cast<std::int64_t>(off + (size == 0 ? 1 : size) + value);
                    if (derived >= -64 && derived <= 64)
                        adjs.emplace_back(derived, 0.05);
                }
                for (const auto& [adj, adj_cost] : adjs) {
                    // The article's struct.pack('i') is signed little-endian: prefer signed there.
                    const bool struct_like = size == 4 && little;
                    out.push_back({len_spec(off, size, little, struct_like, adj), base + adj_cost});
                }
            }
        }
    }
}

// Presets with rules beyond one length field, walked as themselves: PostgreSQL's untyped first
// message then typed ones, and the article's decimal length line (without its peer's ack, which
// a direction's own sample cannot show; "3\n" + 3 bytes cuts alike with or without it).
void add_preset_candidates(std::vector<Candidate>& out) {
    FramingSpec pgsql;
    pgsql.family = Family::pgsql;
    out.push_back({pgsql, 0.01});
    FramingSpec ascii_len;
    ascii_len.family = Family::ascii_len;
    out.push_back({ascii_len, 0.01});
}

std::vector<Scored> score_all(util::Bytes sample, std::span<const std::uint64_t> segment_ends,
                              bool whole_stream, model::Direction direction) {
    std::vector<Candidate> candidates;
    add_len_candidates(sample, segment_ends, candidates);
    for (const bool little : {true, false}) {
        FramingSpec json;
        json.family = Family::json;
        json.little_endian = little;
        candidates.push_back({json, 0});
    }
    add_preset_candidates(candidates);
    const double text = text_share(sample);
    std::vector<Scored> scored;
    const auto add = [&](const FramingSpec& spec, const Walk& walk, double cost) {
        std::size_t hash = walk.ends.size();
        for (const std::uint64_t end : walk.ends)
            hash = hash * 1000003u ^ std::hash<std::uint64_t>{}(end);
        Scored one = score(walk, sample, segment_ends, whole_stream);
        one.spec = spec;
        one.value -= cost;
        one.boundaries = hash;
        one.ends = walk.ends;
        scored.push_back(std::move(one));
    };
    // Binary lengths in all-text data are coincidences too (repeated Redis commands read '$' as
    // a length that happens to group them); random bytes score about 0.88 here, text near 1.
    const double binary_length = text >= 0.97 ? 0.9 : 1.0;
    for (const Candidate& candidate : candidates) {
        const auto framing = make_framing(candidate.spec);
        const Walk walk = walk_framing(*framing, sample, direction);
        add(candidate.spec, walk, candidate.cost);
        if (candidate.spec.family == Family::len)
            scored.back().value *= binary_length;
        // A first message longer than the sample leaves no end to score. A header that parses
        // and names the size of a body still arriving is evidence when it says more than a
        // length field of random bytes would: a length whose exact span is a JSON object with a
        // size field, or a line of nothing but a decimal length.
        const bool length_line = candidate.spec.family == Family::ascii_len &&
                                 walk.tail_header_end > 1 &&
                                 walk.tail_header_end <= sample.size() &&
                                 sample[walk.tail_header_end - 1] == std::byte{'\n'};
        const bool self_describing = candidate.spec.family == Family::json || length_line;
        if (self_describing && walk.ends.empty() && walk.header_tail && !whole_stream)
            scored.back().value = k_header_alone;
    }
    for (const auto& [separator, cost] : {std::pair<std::string, double>{"\r\n", 0.005},
                                          {"\n", 0.01},
                                          {std::string(1, '\0'), 0.01}}) {
        FramingSpec spec;
        spec.family = Family::delim;
        spec.max = k_default_delim_max;
        spec.bytes = separator;
        // Line framings on binary data are coincidences: discount them unless the data is text.
        const double textual = separator[0] == '\0' ? 1.0 : (text >= 0.9 ? 1.0 : 0.5);
        add(spec, walk_delimiter(separator, sample), cost);
        scored.back().value *= textual;
    }
    // Equal scores: the cut whose message ends fall on segment ends is the sender's own.
    std::stable_sort(scored.begin(), scored.end(), [](const Scored& a, const Scored& b) {
        return a.value != b.value ? a.value > b.value : a.per_message > b.per_message;
    });
    return scored;
}

// One cut refines the other: every end of the coarser is an end of the finer (pipelined lines
// that a coincidental length groups by threes). Such candidates agree on every boundary they
// both draw; crossing cuts disagree about where messages are.
bool nested(const std::vector<std::uint64_t>& a, const std::vector<std::uint64_t>& b) {
    const auto& fine = a.size() >= b.size() ? a : b;
    const auto& coarse = a.size() >= b.size() ? b : a;
    return std::includes(fine.begin(), fine.end(), coarse.begin(), coarse.end());
}

// The signature step: a recognised protocol whose preset walks the whole sample without a
// malformed message (its last message may still be arriving: a plausible header is evidence).
std::optional<Guess> guess_by_signature(util::Bytes sample, model::Direction direction) {
    const auto row = recognise(sample, direction);
    if (!row)
        return std::nullopt;
    const auto parsed = parse_spec(row->preset);
    const auto* spec = std::get_if<FramingSpec>(&parsed);
    const auto framing = spec != nullptr ? make_framing(*spec) : nullptr;
    if (framing == nullptr)
        return std::nullopt;
    const Walk walk = walk_framing(*framing, sample, direction);
    if (walk.explained != sample.size() && !walk.valid_tail)
        return std::nullopt;
    Guess guess;
    guess.spec = *spec;
    guess.text = to_string(guess.spec);
    guess.protocol = std::string(row->protocol);
    // A header alone (the first message still arriving) is good evidence, not proof.
    guess.confidence = walk.ends.empty() ? 0.8 : 0.95;
    guess.uncertain = false;
    return guess;
}

// Whether the walk cut the peer's sample into whole messages, each ending on a segment end.
bool whole_on_segments(const Walk& walk, util::Bytes sample, std::span<const std::uint64_t> ends) {
    if (walk.ends.empty() || walk.explained != sample.size())
        return false;
    return std::all_of(walk.ends.begin(), walk.ends.end(), [ends](std::uint64_t end) {
        return std::binary_search(ends.begin(), ends.end(), end);
    });
}

} // namespace

bool framing_fits(const FramingSpec& spec, util::Bytes sample, model::Direction direction) {
    const auto framing = make_framing(spec);
    if (framing == nullptr || sample.empty())
        return false;
    const Walk walk = walk_framing(*framing, sample, direction);
    const bool consistent = walk.explained == sample.size() || walk.valid_tail;
    return consistent && (!walk.ends.empty() || walk.header_tail);
}

std::optional<Guess> guess_with_peer(util::Bytes sample, util::Bytes peer_sample,
                                     std::span<const std::uint64_t> peer_ends,
                                     model::Direction direction) {
    if (sample.empty() || peer_sample.empty())
        return std::nullopt;
    std::vector<Candidate> candidates;
    add_len_candidates(sample, {}, candidates);
    for (const bool little : {true, false}) {
        FramingSpec json;
        json.family = Family::json;
        json.little_endian = little;
        candidates.push_back({json, 0});
    }
    const model::Direction peer = model::opposite(direction);
    std::optional<Candidate> best;
    std::vector<std::uint64_t> best_cut;
    std::uint64_t best_header = 0;
    for (const Candidate& candidate : candidates) {
        const auto own = make_framing(candidate.spec);
        const Walk walk = walk_framing(*own, sample, direction);
        // Only a first message longer than the sample: its header, no end.
        if (!walk.ends.empty() || !walk.header_tail)
            continue;
        const auto other = make_framing(candidate.spec);
        const Walk peer_walk = walk_framing(*other, peer_sample, peer);
        if (!whole_on_segments(peer_walk, peer_sample, peer_ends))
            continue;
        if (best && (peer_walk.ends != best_cut || walk.tail_header_end != best_header))
            return std::nullopt; // two cuts fit: the samples cannot tell them apart
        if (!best || candidate.cost < best->cost) {
            best = candidate;
            best_cut = peer_walk.ends;
            best_header = walk.tail_header_end;
        }
    }
    if (!best)
        return std::nullopt;
    Guess guess;
    guess.spec = best->spec;
    guess.text = to_string(guess.spec);
    guess.confidence = best_cut.size() >= 2 ? k_uncertain_below : k_uncertain_below * 0.9;
    guess.uncertain = guess.confidence < k_uncertain_below;
    return guess;
}

Guess guess_framing(util::Bytes sample, std::span<const std::uint64_t> segment_ends,
                    bool whole_stream, model::Direction direction) {
    // HTTP/1, HTTP/2 and their upgrades first: their start lines also read as lines.
    if (recognise_web(sample, direction) == WebSign::http)
        return web_guess();
    const auto recognised = sample.empty() ? std::nullopt : guess_by_signature(sample, direction);
    Guess inferred = infer_framing(sample, segment_ends, whole_stream, direction);
    if (!recognised)
        return inferred;
    // The inference's answer stays visible as the runner-up when it differs.
    Guess guess = *recognised;
    guess.runner_up = inferred.text != guess.text ? inferred.text : inferred.runner_up;
    return guess;
}

Guess infer_framing(util::Bytes sample, std::span<const std::uint64_t> segment_ends,
                    bool whole_stream, model::Direction direction) {
    const std::vector<Scored> scored = score_all(sample, segment_ends, whole_stream, direction);
    Guess guess;
    if (scored.empty() || scored.front().value < k_raw_below) {
        guess.confidence = scored.empty() ? 0 : std::max(0.0, scored.front().value);
        if (!scored.empty() && scored.front().value > 0)
            guess.runner_up = to_string(scored.front().spec);
    } else {
        guess.spec = scored.front().spec;
        guess.confidence = std::clamp(scored.front().value, 0.0, 1.0);
        // A different cut that explains the bytes nearly as well lowers the confidence; when
        // the two cuts cross, the sample cannot tell where messages are: the guess is uncertain.
        for (std::size_t i = 1; i < scored.size(); ++i) {
            if (scored[i].boundaries == scored.front().boundaries)
                continue;
            guess.runner_up = to_string(scored[i].spec);
            if (scored[i].value > scored.front().value - k_tie_margin) {
                guess.confidence *= 0.7;
                if (!nested(scored[i].ends, scored.front().ends))
                    guess.confidence = std::min(guess.confidence, k_uncertain_below * 0.95);
            }
            break;
        }
    }
    guess.text = to_string(guess.spec);
    guess.uncertain = guess.confidence < k_uncertain_below;
    return guess;
}

} // namespace sniff::dissect
