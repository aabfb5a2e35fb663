// The re-chunking property: however a stream of messages is cut into segments, the engine finds
// the same messages, and each message's class matches how it was cut.

#include "support.hpp"

#include <catch2/catch.hpp>

using namespace sniff;
using namespace sniff::dissect;
using namespace sniff::dissect::test;

namespace {

struct Expected {
    std::uint64_t offset = 0, length = 0, header = 0;
};

struct Stream {
    std::string bytes;
    std::vector<Expected> messages;
};

// Encodes one message of the given body length under spec; appends to stream. The expectation is
// computed from the layout, independently of the framing code.
void encode(const FramingSpec& spec, std::size_t body, std::mt19937& rng, Stream& out) {
    std::string m;
    std::uint64_t header = 0;
    const auto random_byte = [&] { return static_cast<char>('a' + rng() % 26); };
    switch (spec.family) {
    case Family::len: {
        for (std::uint32_t i = 0; i < spec.off; ++i)
            m += random_byte();
        // rest = value + adj bytes follow the field; a positive adj (a sequence byte, a fixed
        // header) is always present, so rest >= adj keeps value >= 0.
        const std::int64_t rest =
            static_cast<std::int64_t>(body) + std::max<std::int64_t>(0, spec.adj);
        const std::int64_t value = rest - spec.adj;
        if (spec.size == 0)
            put_varint(m, static_cast<std::uint64_t>(value));
        else
            put_uint(m, static_cast<std::uint64_t>(value), spec.size, spec.little_endian);
        header = m.size();
        for (std::int64_t i = 0; i < rest; ++i)
            m += random_byte();
        break;
    }
    case Family::json: {
        const std::string json = R"({"data_size":)" + std::to_string(body) + R"(,"name":"f"})";
        put_uint(m, json.size(), spec.size, spec.little_endian);
        m += json;
        header = m.size();
        for (std::size_t i = 0; i < body; ++i)
            m += random_byte();
        break;
    }
    case Family::delim:
        for (std::size_t i = 0; i < body; ++i)
            m += random_byte(); // letters never contain the separators used here
        m += spec.bytes;
        break;
    case Family::ascii_len:
        m = std::to_string(body) + "\n";
        header = m.size();
        for (std::size_t i = 0; i < body; ++i)
            m += static_cast<char>('0' + rng() % 10); // digits: the header must not eat them
        break;
    default:
        FAIL("no encoder for this family");
    }
    out.messages.push_back({out.bytes.size(), m.size(), header});
    out.bytes += m;
}

Stream make_stream(const FramingSpec& spec, std::size_t count, std::size_t max_body,
                   std::uint32_t seed) {
    std::mt19937 rng(seed);
    Stream stream;
    for (std::size_t i = 0; i < count; ++i)
        encode(spec, rng() % (max_body + 1), rng, stream);
    return stream;
}

std::vector<RecordedMessage> run(const FramingSpec& spec, const std::string& bytes,
                                 const std::vector<std::size_t>& chunks, Recorder& recorder) {
    FramingSelector selector;
    selector.set_default(spec);
    DissectorEngine engine(selector, recorder);
    const model::Flow flow = make_flow();
    Driver driver(engine, flow);
    driver.send_chunks(model::Direction::c2s, bytes, chunks);
    driver.close();
    return recorder.of(model::Direction::c2s);
}

void check_same(const std::vector<RecordedMessage>& got, const Stream& stream) {
    REQUIRE(got.size() == stream.messages.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
        INFO("message " << i);
        CHECK(got[i].index == i);
        CHECK(got[i].offset == stream.messages[i].offset);
        CHECK(got[i].length == stream.messages[i].length);
        CHECK(got[i].header_length == stream.messages[i].header);
        CHECK(got[i].status == MessageStatus::complete);
        // The preview is the message's first bytes however they were chunked.
        const std::string first = stream.bytes.substr(
            stream.messages[i].offset, std::min<std::size_t>(stream.messages[i].length, 48));
        CHECK(got[i].preview ==
              util::escape_bytes(
                  util::Bytes(reinterpret_cast<const std::byte*>(first.data()), first.size())));
    }
}

const char* const k_specs[] = {"struct",
                               "json-header",
                               "json:size=2,be",
                               "dns-tcp",
                               "tls",
                               "mysql",
                               "kafka",
                               "memcache-bin",
                               "mqtt",
                               "lines",
                               "crlf",
                               "delim:\\r\\n\\r\\n",
                               "len:off=1,size=4,be,adj=-4",
                               "len:size=8,le",
                               "len:size=3,be,adj=-3",
                               "ascii-len:noack",
                               "delim:\\0"};

} // namespace

TEST_CASE("every framing finds the same messages however the stream is chunked", "[dissectors]") {
    const std::string text = GENERATE(from_range(std::begin(k_specs), std::end(k_specs)));
    const FramingSpec spec = spec_of(text);
    const Stream stream = make_stream(spec, 12, 300, 7);
    INFO("spec " << text << ", " << stream.bytes.size() << " bytes");

    SECTION("all in one chunk: every message is coalesced") {
        Recorder recorder;
        const auto got = run(spec, stream.bytes, {stream.bytes.size()}, recorder);
        check_same(got, stream);
        for (const auto& message : got)
            CHECK(message.message_class == MessageClass::coalesced);
        REQUIRE(recorder.segments.size() == 1);
        CHECK(recorder.segments[0].message_starts == stream.messages.size());
        CHECK(recorder.segments[0].message_ends == stream.messages.size());
        CHECK(recorder.segments[0].first_message == 0);
        CHECK(recorder.segments[0].last_message == stream.messages.size() - 1);
    }
    SECTION("one byte at a time: every longer message is split") {
        Recorder recorder;
        const auto got =
            run(spec, stream.bytes, std::vector<std::size_t>(stream.bytes.size(), 1), recorder);
        check_same(got, stream);
        for (const auto& message : got) {
            CHECK(message.message_class ==
                  (message.length == 1 ? MessageClass::whole : MessageClass::split));
            CHECK(message.last_segment - message.first_segment + 1 == message.length);
        }
    }
    SECTION("one message per chunk: every message is whole") {
        std::vector<std::size_t> sizes;
        for (const auto& expected : stream.messages)
            sizes.push_back(expected.length);
        Recorder recorder;
        const auto got = run(spec, stream.bytes, sizes, recorder);
        check_same(got, stream);
        for (std::size_t i = 0; i < got.size(); ++i) {
            CHECK(got[i].message_class == MessageClass::whole);
            CHECK(got[i].first_segment == i);
            CHECK(got[i].last_segment == i);
        }
    }
    SECTION("random chunks: classes follow the cuts, segment counts add up") {
        std::mt19937 rng(42);
        std::vector<std::size_t> sizes;
        for (std::size_t total = 0; total < stream.bytes.size();) {
            sizes.push_back(1 + rng() % 200);
            total += sizes.back();
        }
        Recorder recorder;
        const auto got = run(spec, stream.bytes, sizes, recorder);
        check_same(got, stream);
        std::vector<std::uint64_t> ends; // segment end offsets
        for (std::uint64_t at = 0; const std::size_t size : sizes)
            ends.push_back(at = std::min<std::uint64_t>(at + size, stream.bytes.size()));
        const auto segment_of = [&](std::uint64_t offset) {
            return static_cast<std::uint64_t>(std::upper_bound(ends.begin(), ends.end(), offset) -
                                              ends.begin());
        };
        std::uint64_t starts = 0, finishes = 0;
        for (const auto& report : recorder.segments) {
            starts += report.message_starts;
            finishes += report.message_ends;
        }
        CHECK(starts == got.size());
        CHECK(finishes == got.size());
        for (const auto& message : got) {
            const auto first = segment_of(message.offset);
            const auto last = segment_of(message.offset + message.length - 1);
            CHECK(message.first_segment == first);
            CHECK(message.last_segment == last);
            const bool split = first != last;
            const bool starts_at_segment = message.offset == (first == 0 ? 0 : ends[first - 1]);
            const bool ends_at_segment = message.offset + message.length == ends[last];
            const bool coalesced = !starts_at_segment || !ends_at_segment;
            const MessageClass expected =
                split ? (coalesced ? MessageClass::coalesced_split : MessageClass::split)
                      : (coalesced ? MessageClass::coalesced : MessageClass::whole);
            CHECK(message.message_class == expected);
        }
    }
}

TEST_CASE("a small stream split at every point gives the same messages", "[dissectors]") {
    const std::string text = GENERATE(from_range(std::begin(k_specs), std::end(k_specs)));
    const FramingSpec spec = spec_of(text);
    const Stream stream = make_stream(spec, 4, 6, 3);
    for (std::size_t cut = 1; cut < stream.bytes.size(); ++cut) {
        INFO("spec " << text << " cut at " << cut);
        Recorder recorder;
        check_same(run(spec, stream.bytes, {cut}, recorder), stream);
        REQUIRE(recorder.segments.size() == 2);
        CHECK(recorder.segments[0].message_starts + recorder.segments[1].message_starts ==
              stream.messages.size());
    }
}

TEST_CASE("counting instead of building messages gives the same counts and segment reports",
          "[dissectors]") {
    const std::string text = GENERATE(from_range(std::begin(k_specs), std::end(k_specs)));
    const FramingSpec spec = spec_of(text);
    const Stream stream = make_stream(spec, 60, 40, 11);
    const bool one_per_segment = GENERATE(false, true);
    std::vector<std::size_t> sizes;
    if (one_per_segment) { // every message whole: the counted message alone in its segment
        for (const auto& expected : stream.messages)
            sizes.push_back(expected.length);
    } else {
        std::mt19937 rng(5);
        for (std::size_t total = 0; total < stream.bytes.size();) {
            sizes.push_back(1 + rng() % 300); // often several messages a segment: coalesced
            total += sizes.back();
        }
    }
    Recorder every;
    run(spec, stream.bytes, sizes, every);
    for (const std::size_t wanted : {std::size_t{0}, std::size_t{7}}) {
        INFO("spec " << text << ", messages wanted one by one: " << wanted);
        Recorder counting;
        counting.wanted = wanted;
        run(spec, stream.bytes, sizes, counting);
        REQUIRE(counting.summaries.size() == every.summaries.size());
        for (std::size_t i = 0; i < every.summaries.size(); ++i) {
            CHECK(counting.summaries[i].messages == every.summaries[i].messages);
            CHECK(counting.summaries[i].by_class == every.summaries[i].by_class);
            CHECK(counting.summaries[i].by_status == every.summaries[i].by_status);
        }
        REQUIRE(counting.segments.size() == every.segments.size());
        for (std::size_t i = 0; i < every.segments.size(); ++i) {
            CHECK(counting.segments[i].message_starts == every.segments[i].message_starts);
            CHECK(counting.segments[i].message_ends == every.segments[i].message_ends);
            CHECK(counting.segments[i].has_messages == every.segments[i].has_messages);
            CHECK(counting.segments[i].first_message == every.segments[i].first_message);
            CHECK(counting.segments[i].last_message == every.segments[i].last_message);
        }
        // What is still reported keeps its index: the first ones, then split messages only.
        for (std::size_t i = 0; i < counting.messages.size(); ++i) {
            const auto index = counting.messages[i].index;
            REQUIRE(index < every.messages.size());
            CHECK(counting.messages[i].offset == every.messages[index].offset);
            CHECK(counting.messages[i].message_class == every.messages[index].message_class);
        }
    }
}
