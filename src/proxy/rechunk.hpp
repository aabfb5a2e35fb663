#pragma once
// Re-chunking: how the proxy splits (or merges) the bytes it forwards, to reproduce sticky-packet
// and split-message bugs on purpose. It never changes the bytes or their order, only where one
// write() ends and the next begins.
//
// Each recv() result is planned on its own: fixed:N cuts one read into N-byte writes (the last
// one shorter) and never holds bytes back waiting for more, so a request/response protocol never
// stalls. coalesce is the one mode that waits: it keeps reading for up to MS milliseconds (or
// until BYTES are held) and writes everything in one go.

#include "model/flow.hpp"
#include "util/byte_reader.hpp"

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace sniff::proxy {

enum class RechunkMode : std::uint8_t { none, fixed, random, coalesce, adversarial };

struct RechunkSpec {
    RechunkMode mode = RechunkMode::none;
    std::size_t min_size = 0;       // fixed: N (= max_size); random: A
    std::size_t max_size = 0;       // fixed: N; random: B
    int coalesce_ms = 0;            // coalesce: how long to keep merging after the first read
    std::size_t coalesce_bytes = 0; // coalesce: stop merging at this many bytes; 0 = buffer size

    std::string to_string() const; // "fixed:3", "coalesce:10:4096", "none"
};

// The same spec for both directions unless one is given with a c2s=/s2c= prefix.
using RechunkPair = std::array<RechunkSpec, 2>; // indexed by model::Direction

// Parses one --rechunk value: "1" (= fixed:1), "fixed:N", "random:A-B", "coalesce:MS[:BYTES]",
// "adversarial" or "none", optionally prefixed "c2s=" or "s2c=" to set only that direction.
// Updates the direction(s) in out; on failure leaves out alone and names the bad part in error.
bool parse_rechunk(const std::string& text, RechunkPair& out, std::string& error);

// Where framing code is most likely to break. One planner per connection direction sees that
// direction's stream in order, one recv() result at a time, so it may keep state (a message
// that spans reads). The CLI passes a framing-aware planner (inside the length field, between
// header and body, one byte before and after each message boundary); without --framing the
// generic planner below is used.
class CutPlanner {
public:
    virtual ~CutPlanner() = default;
    // Appends cut positions for this read: ascending, each in (0, data.size()). Bytes between two
    // cuts go out in one write, so leaving several messages uncut sends them together.
    virtual void plan(util::Bytes data, std::vector<std::size_t>& cuts) = 0;
};
using CutPlannerFactory = std::function<std::unique_ptr<CutPlanner>(model::Direction)>;

// Knows nothing of the framing: cuts one byte after the start, in the middle and one byte
// before the end of each read, the places where a reader that assumes "one read = one message"
// or "the header arrives whole" fails first.
class GenericCutPlanner final : public CutPlanner {
public:
    void plan(util::Bytes data, std::vector<std::size_t>& cuts) override;
};

// Deterministic 64-bit generator (splitmix64): the same seed gives the same chunking on every
// platform, unlike std::uniform_int_distribution.
class SplitMix64 {
public:
    explicit SplitMix64(std::uint64_t seed) : m_state(seed) {}
    std::uint64_t next();
    // Uniform enough in [low, high] for chunk sizes (modulo bias is below 2^-40 here).
    std::size_t between(std::size_t low, std::size_t high);

private:
    std::uint64_t m_state;
};

// Turns one read into the sizes of the writes that forward it. Pure: no sockets, so tests check
// every mode directly. The sizes always add up to data.size().
class Rechunker {
public:
    // planner is used in adversarial mode only; null there means the generic planner.
    Rechunker(const RechunkSpec& spec, std::uint64_t seed, std::unique_ptr<CutPlanner> planner);

    void plan(util::Bytes data, std::vector<std::size_t>& sizes);
    const RechunkSpec& spec() const { return m_spec; }

private:
    RechunkSpec m_spec;
    SplitMix64 m_random;
    std::unique_ptr<CutPlanner> m_planner;
    std::vector<std::size_t> m_cuts; // reused: no allocation per read once warmed up
};

// Seed of one connection direction's generator, derived from the run's seed so that --seed N
// replays the same chunking for the Nth connection whatever the interleaving of connections.
std::uint64_t direction_seed(std::uint64_t run_seed, std::uint64_t flow_id,
                             model::Direction direction);

} // namespace sniff::proxy
