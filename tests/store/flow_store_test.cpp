#include "gencap/cases.hpp"
#include "store/store_support.hpp"
#include "support/process.hpp"

#include <catch2/catch.hpp>

using namespace sniff;
using model::Direction;

TEST_CASE("stream bytes reference a stable region and copy everything else", "[store]") {
    const std::string region = "0123456789abcdefghij";
    store::StreamBytes bytes(test::bytes_of(region));
    bytes.append(0, test::bytes_of(region).subspan(0, 5)); // "01234", in the region
    const std::string outside = "XYZ";
    bytes.append(5, test::bytes_of(outside));               // a copy
    bytes.append(8, test::bytes_of(region).subspan(10, 4)); // "abcd", in the region
    CHECK(bytes.referenced_bytes() == 9);
    CHECK(bytes.copied_bytes() == 3);
    CHECK(bytes.end() == 12);
    CHECK(test::text_of(bytes.read(0, 100)) == "01234XYZabcd");
    CHECK(test::text_of(bytes.read(4, 5)) == "4XYZa");
    SECTION("reading stops at a hole") {
        bytes.append(20, test::bytes_of(outside));
        CHECK(test::text_of(bytes.read(10, 100)) == "cd");
        CHECK(bytes.read(12, 4).empty());
        CHECK(test::text_of(bytes.read(20, 4)) == "XYZ");
        CHECK_FALSE(bytes.has(15));
        CHECK(bytes.has(21));
    }
    SECTION("bytes already stored are not stored twice") {
        bytes.append(10, test::bytes_of(std::string("cdEF")));
        CHECK(test::text_of(bytes.read(0, 100)) == "01234XYZabcdEF");
    }
}

TEST_CASE("stream bytes copied across arena chunks read back whole", "[store]") {
    store::StreamBytes bytes;
    std::string big(store::StreamBytes::k_chunk_size + 1000, 'a');
    for (std::size_t i = 0; i < big.size(); ++i)
        big[i] = static_cast<char>('a' + i % 26);
    // Two appends so the second starts mid-chunk and must spill into a new chunk.
    bytes.append(0, test::bytes_of(big).subspan(0, 1000));
    bytes.append(1000, test::bytes_of(big).subspan(1000));
    CHECK(bytes.copied_bytes() == big.size());
    CHECK(test::text_of(bytes.read(0, big.size())) == big);
    const std::size_t edge = store::StreamBytes::k_chunk_size - 3;
    CHECK(test::text_of(bytes.read(edge, 6)) == big.substr(edge, 6));
}

TEST_CASE("flow store keeps segments, messages and maps offsets to them", "[store]") {
    store::FlowStore store;
    dissect::FramingSelector selector;
    REQUIRE_FALSE(selector.add("lines"));
    dissect::DissectorEngine engine(std::move(selector), store);
    reassembly::SinkFanout fanout;
    fanout.add(store);
    fanout.add(engine);
    const auto flow = test::test_flow();
    fanout.on_flow_open(flow);
    // "one\ntwo\n" arrives coalesced, then "three\n" split over two segments.
    test::feed_segments(fanout, flow, Direction::c2s, {"one\ntwo\nthr", "ee\n"});
    fanout.on_flow_close(flow, reassembly::CloseReason::fin);

    REQUIRE(store.size() == 1);
    const auto& record = store.at(0);
    CHECK(record.closed);
    const auto& c2s = record.of(Direction::c2s);
    REQUIRE(c2s.segments.size() == 2);
    REQUIRE(c2s.messages.size() == 3);
    CHECK(c2s.messages[2].offset == 8);
    CHECK(c2s.messages[2].message_class == dissect::MessageClass::coalesced_split);
    CHECK(c2s.message_at(9) == std::optional<std::size_t>(2));
    CHECK(c2s.message_at(3) == std::optional<std::size_t>(0));
    CHECK(c2s.segment_at(11) == std::optional<std::size_t>(1));
    CHECK_FALSE(c2s.segment_at(14).has_value());
    CHECK(c2s.first_message_from(5) == 2);
    CHECK(c2s.class_counts()[static_cast<int>(dissect::MessageClass::coalesced)] == 2);
    CHECK(test::text_of(c2s.bytes.read(0, 14)) == "one\ntwo\nthree\n");
    REQUIRE(c2s.framing.has_value());
    CHECK(c2s.framing->spec == "delim:\\n");
}

TEST_CASE("re-dissecting a flow replaces its messages with the new framing's", "[store]") {
    store::FlowStore store;
    dissect::DissectorEngine engine(dissect::FramingSelector{}, store); // raw: no messages
    reassembly::SinkFanout fanout;
    fanout.add(store);
    fanout.add(engine);
    const auto flow = test::test_flow();
    fanout.on_flow_open(flow);
    test::feed_segments(fanout, flow, Direction::c2s,
                        {std::string("\0\0\0\x03"
                                     "abc\0\0",
                                     9),
                         std::string("\0\x01z", 3)});
    test::feed_segments(fanout, flow, Direction::s2c, {"ok\n"}, 10);
    fanout.on_flow_close(flow, reassembly::CloseReason::fin);
    CHECK(store.at(0).message_count() == 0);

    const auto spec = std::get<dissect::FramingSpec>(dissect::parse_spec("len:size=4,be"));
    const auto version = store.version();
    REQUIRE(store.redissect(1, spec));
    CHECK(store.version() > version);
    const auto& c2s = store.at(0).of(Direction::c2s);
    REQUIRE(c2s.messages.size() == 2);
    CHECK(c2s.messages[0].length == 7);
    CHECK(c2s.messages[1].offset == 7);
    CHECK(c2s.messages[1].length == 5);
    CHECK(c2s.messages[1].message_class == dissect::MessageClass::coalesced_split);
    CHECK(store.at(0).framing_override == "len:size=4,be");
    // Re-dissecting again with another framing replaces, not appends.
    REQUIRE(store.redissect(1, std::get<dissect::FramingSpec>(dissect::parse_spec("lines"))));
    CHECK(store.at(0).of(Direction::s2c).messages.size() == 1);
    CHECK_FALSE(store.redissect(99, spec));
}

TEST_CASE("a store built from a mapped capture references its bytes", "[store]") {
    const auto dir = test::scratch_dir("store-in-order");
    const auto generated = gencap::generate_case("in_order", dir.string());
    auto loaded = test::load_capture(generated.file, "lines");
    REQUIRE(loaded.store->size() == 1);
    const auto& record = loaded.store->at(0);
    const auto& c2s = record.of(Direction::c2s);
    const auto& s2c = record.of(Direction::s2c);
    CHECK(test::text_of(c2s.bytes.read(0, 1000)) == "GET /hello HTTP/1.0\r\n\r\n");
    CHECK(test::text_of(s2c.bytes.read(0, 1000)) == "HTTP/1.0 200 OK\r\n\r\nhello world");
    CHECK(c2s.bytes.copied_bytes() == 0);
    CHECK(c2s.bytes.referenced_bytes() == 23);
    CHECK(c2s.segments.size() == 3);
    REQUIRE(c2s.messages.size() == 2);
    CHECK(c2s.messages[0].message_class == dissect::MessageClass::split);
    std::filesystem::remove_all(dir);
}

TEST_CASE("out-of-order bytes held by reassembly are copied and still read back", "[store]") {
    const auto dir = test::scratch_dir("store-ooo");
    const auto generated = gencap::generate_case("out_of_order", dir.string());
    auto loaded = test::load_capture(generated.file, "");
    REQUIRE(loaded.store->size() == 1);
    const auto& c2s = loaded.store->at(0).of(Direction::c2s);
    CHECK(test::text_of(c2s.bytes.read(0, 100)) == "0123456789abcdefghijklmnopqrstuvwxyz");
    CHECK(c2s.bytes.referenced_bytes() + c2s.bytes.copied_bytes() == 36);
    std::filesystem::remove_all(dir);
}
