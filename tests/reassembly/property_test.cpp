// Randomized reassembly: a random payload cut at random boundaries, sent shuffled with duplicates
// and re-cut retransmissions, must come out as the exact original; with segments dropped, the
// stream is the original with gaps exactly where the dropped bytes were. Plus a direction longer
// than 4 GiB.

#include "reassembly/reassembly_fixture.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstring>
#include <random>

using namespace sniff;
using namespace sniff::reassembly;
using namespace sniff::reassembly::test;

namespace {

struct Range {
    std::uint64_t offset = 0;
    std::uint64_t length = 0;
};

struct Scenario {
    std::string payload;
    std::vector<Range> segments;
    std::vector<bool> dropped;
};

Scenario make_scenario(std::mt19937_64& rng, bool with_drops) {
    Scenario s;
    const std::size_t size = std::uniform_int_distribution<std::size_t>(1, 30000)(rng);
    std::uniform_int_distribution<int> byte(0, 255);
    for (std::size_t i = 0; i < size; ++i)
        s.payload.push_back(static_cast<char>(byte(rng)));
    std::uniform_int_distribution<std::uint64_t> cut(1, 1460);
    for (std::uint64_t at = 0; at < size;) {
        const std::uint64_t length = std::min<std::uint64_t>(cut(rng), size - at);
        s.segments.push_back({at, length});
        at += length;
    }
    std::bernoulli_distribution drop(with_drops ? 0.15 : 0.0);
    for (std::size_t i = 0; i < s.segments.size(); ++i)
        s.dropped.push_back(drop(rng));
    return s;
}

// The packets sent, in a shuffled order: every kept segment, some twice, and (without drops)
// retransmissions cut at other boundaries. The FIN travels in the shuffle too.
std::vector<Range> sends_of(const Scenario& s, std::mt19937_64& rng, bool with_drops) {
    std::vector<Range> sends;
    std::bernoulli_distribution duplicate(0.3);
    for (std::size_t i = 0; i < s.segments.size(); ++i) {
        if (s.dropped[i])
            continue;
        sends.push_back(s.segments[i]);
        if (duplicate(rng))
            sends.push_back(s.segments[i]);
    }
    if (!with_drops) {
        const std::uint64_t size = s.payload.size();
        std::uniform_int_distribution<std::uint64_t> at(0, size - 1);
        for (std::uint64_t n = size / 1500; n > 0; --n) {
            const std::uint64_t offset = at(rng);
            sends.push_back({offset, std::min<std::uint64_t>(size - offset, 1 + at(rng) % 2000)});
        }
    }
    sends.push_back({s.payload.size(), 0}); // the FIN
    std::shuffle(sends.begin(), sends.end(), rng);
    return sends;
}

// What a correct reassembler delivers: kept bytes, and dropped runs merged into gaps.
void expected_of(const Scenario& s, std::string& bytes, std::vector<Range>& gaps) {
    for (std::size_t i = 0; i < s.segments.size(); ++i) {
        const Range& r = s.segments[i];
        if (!s.dropped[i]) {
            bytes += s.payload.substr(r.offset, r.length);
        } else if (!gaps.empty() && gaps.back().offset + gaps.back().length == r.offset) {
            gaps.back().length += r.length;
        } else {
            gaps.push_back(r);
        }
    }
}

// Returns the number of gaps expected (and found).
std::size_t run_scenario(std::uint64_t seed, bool with_drops) {
    std::mt19937_64 rng(seed);
    const Scenario s = make_scenario(rng, with_drops);
    Connection c;
    // Half of the runs start close to 2^32 so the sequence numbers wrap inside the payload.
    c.isn[0] = seed % 2 == 0 ? static_cast<std::uint32_t>(rng())
                             : 0xffffffffu - static_cast<std::uint32_t>(rng() % 20000);
    Harness h;
    h.handshake(c);
    for (const Range& send : sends_of(s, rng, with_drops)) {
        if (send.length == 0)
            h.feed(c.fin(c2s, send.offset));
        else
            h.feed(c.data(c2s, send.offset,
                          std::string_view(s.payload).substr(send.offset, send.length)));
    }
    h.feed(c.fin(s2c, 0));
    h.reassembler.finish();

    std::string bytes;
    std::vector<Range> gaps;
    expected_of(s, bytes, gaps);
    INFO("seed " << seed << ", " << s.payload.size() << " bytes in " << s.segments.size()
                 << " segments");
    REQUIRE(h.sink.flows.size() == 1);
    auto& flow = h.sink.flow(1);
    auto& out = flow.of(c2s);
    REQUIRE(out.tiling_errors == 0);
    REQUIRE(out.bytes == bytes);
    REQUIRE(out.gaps.size() == gaps.size());
    for (std::size_t i = 0; i < gaps.size(); ++i) {
        CHECK(out.gaps[i].offset == gaps[i].offset);
        CHECK(out.gaps[i].length == gaps[i].length);
    }
    CHECK(out.end == s.payload.size());
    CHECK(h.sink.count(model::AnomalyKind::overlap_conflict) == 0);
    CHECK(flow.reason == (gaps.empty() ? CloseReason::fin : CloseReason::end_of_input));
    CHECK(flow.closed.of(c2s).stream_bytes == bytes.size());
    CHECK(h.sink.events_after_close == 0);
    CHECK(h.reassembler.buffered_bytes() == 0);
    return gaps.size();
}

} // namespace

TEST_CASE("shuffled and duplicated segments reassemble into the exact original",
          "[reassembly][property]") {
    for (std::uint64_t seed = 1; seed <= 60; ++seed)
        run_scenario(seed, false);
}

TEST_CASE("dropped segments leave gaps exactly at the dropped ranges", "[reassembly][property]") {
    std::size_t gaps = 0;
    for (std::uint64_t seed = 101; seed <= 160; ++seed)
        gaps += run_scenario(seed, true);
    CHECK(gaps > 60); // the runs did drop segments
}

namespace {

// Checks that each 64 KiB segment carries its own number at its offset, without keeping bytes.
class NumberedSink : public StreamSink {
public:
    static constexpr std::uint64_t k_size = 64 * 1024;
    std::uint64_t end = 0;
    std::uint64_t errors = 0;
    std::uint64_t segments = 0;
    std::uint64_t gaps = 0;

    void on_data(const model::Flow&, model::Direction, const model::SegmentInfo& segment,
                 util::Bytes bytes) override {
        std::uint64_t number = 0;
        std::memcpy(&number, bytes.data(), sizeof number);
        if (segment.offset != end || bytes.size() != k_size || number != segment.offset / k_size)
            ++errors;
        end = segment.offset + segment.length;
        ++segments;
    }
    void on_gap(const model::Flow&, model::Direction, const model::Gap&) override { ++gaps; }
};

} // namespace

TEST_CASE("a direction may carry more than 4 GiB", "[reassembly]") {
    NumberedSink sink;
    Reassembler reassembler({}, sink);
    Connection c;
    c.isn[0] = 0x80000000u;
    std::vector<char> buffer(NumberedSink::k_size, 'x');
    std::uint64_t frame = 0;
    auto send = [&](std::uint64_t number) {
        std::memcpy(buffer.data(), &number, sizeof number);
        reassembler.add(c.data(c2s, number * NumberedSink::k_size,
                               std::string_view(buffer.data(), buffer.size())),
                        frame + 1, static_cast<model::Timestamp>(frame + 1));
        ++frame;
    };
    reassembler.add(c.syn(), ++frame, 0);
    constexpr std::uint64_t k_count = (4ull << 30) / NumberedSink::k_size + 4;
    for (std::uint64_t number = 0; number < k_count; ++number) {
        // The pair straddling 4 GiB arrives swapped: held across the 32-bit boundary.
        if (number == k_count - 5)
            send(k_count - 4);
        else if (number == k_count - 4)
            send(k_count - 5);
        else
            send(number);
    }
    reassembler.finish();
    CHECK(sink.errors == 0);
    CHECK(sink.gaps == 0);
    CHECK(sink.segments == k_count);
    CHECK(sink.end == k_count * NumberedSink::k_size);
    CHECK(sink.end > (4ull << 30));
}
