// The store's compact message records: notes beside them, counts that survive dropping, every
// number read back as it was added, lookups by offset, and a few bytes per message.

#include "store/message_list.hpp"

#include <catch2/catch.hpp>
#include <random>

namespace sniff::store {

namespace {

dissect::Message message(std::uint64_t index, dissect::MessageClass message_class,
                         dissect::MessageStatus status = dissect::MessageStatus::complete) {
    dissect::Message m;
    m.index = index;
    m.offset = index * 10;
    m.length = 10;
    m.header_length = 4;
    m.first_segment = index;
    m.last_segment = index + 1;
    m.first_time = 100 + index;
    m.last_time = 200 + index;
    m.message_class = message_class;
    m.status = status;
    return m;
}

} // namespace

TEST_CASE("a message list keeps each message's numbers and only the notes there are", "[store]") {
    MessageList list;
    list.add(message(0, dissect::MessageClass::whole));
    auto bad = message(1, dissect::MessageClass::split, dissect::MessageStatus::malformed);
    bad.reason = "length 99 over max 8";
    list.add(bad);
    auto json = message(2, dissect::MessageClass::coalesced);
    json.header_json = R"({"data_size":5})";
    json.would_truncate = true;
    json.recv_buffer = 1024;
    list.add(json);

    REQUIRE(list.size() == 3);
    CHECK(list[1].offset == 10);
    CHECK(list[1].length == 10);
    CHECK(list[1].header_length == 4);
    CHECK(list[1].first_segment == 1);
    CHECK(list[1].last_segment == 2);
    CHECK(list[1].first_time == 101);
    CHECK(list[1].last_time == 201);
    CHECK(list.notes_of(list[0]) == nullptr);
    REQUIRE(list.notes_of(list[1]) != nullptr);
    CHECK(list.notes_of(list[1])->reason == "length 99 over max 8");
    REQUIRE(list.notes_of(list[2]) != nullptr);
    CHECK(list.notes_of(list[2])->header_json == R"({"data_size":5})");
    CHECK(list.notes_of(list[2])->recv_buffer == 1024);
    CHECK(list.bad_count() == 1);
    CHECK(list.class_counts() == std::array<std::uint64_t, 4>{1, 1, 1, 0});

    SECTION("dropping the oldest keeps their counts and frees their notes") {
        list.drop_front(2);
        REQUIRE(list.size() == 1);
        CHECK(list.front().index == 2);
        CHECK(list.dropped() == 2);
        CHECK(list.bad_count() == 1);
        CHECK(list.class_counts() == std::array<std::uint64_t, 4>{1, 1, 1, 0});
        CHECK(list.notes_of(list.front())->recv_buffer == 1024);
        list.drop_front(5); // more than there are
        CHECK(list.empty());
        CHECK(list.dropped() == 3);
    }
}

namespace {

// Messages shaped like RESP lines on the wire: most coalesced in a segment, some split over two,
// now and then a gap (the offset jumps), a malformed one with a reason, and rare oddities the
// engine does not make but the list must keep (an index jump, a time going back, huge values).
std::vector<dissect::Message> line_messages(std::size_t count, std::uint32_t seed) {
    std::mt19937 random(seed);
    std::vector<dissect::Message> out;
    std::uint64_t offset = 0, segment = 0, index = 0;
    model::Timestamp time = 1'700'000'000'000'000'000;
    for (std::size_t i = 0; i < count; ++i) {
        dissect::Message m;
        const unsigned roll = random() % 100;
        if (roll < 15) { // a new segment
            ++segment;
            time += 1000 * static_cast<model::Timestamp>(random() % 500);
        }
        if (roll == 20)
            offset += random() % 5000; // a gap
        if (roll == 21)
            index += 3;
        if (roll == 22)
            time -= 5000;
        m.index = index++;
        m.offset = offset;
        m.length = roll == 23 ? (1ull << 40) : 5 + random() % 60;
        m.header_length = roll == 24 ? 4 : 0;
        m.first_segment = segment;
        m.first_time = time;
        if (roll > 90) {
            ++segment;
            time += 40'000;
        }
        m.last_segment = segment;
        m.last_time = time;
        m.message_class = static_cast<dissect::MessageClass>(random() % 4);
        if (roll == 25) {
            m.status = dissect::MessageStatus::malformed;
            m.reason = "bad line " + std::to_string(i);
        }
        offset += m.length;
        out.push_back(m);
    }
    return out;
}

void check_same(const StoredMessage& stored, const dissect::Message& m) {
    CHECK(stored.index == m.index);
    CHECK(stored.offset == m.offset);
    CHECK(stored.length == m.length);
    CHECK(stored.header_length == m.header_length);
    CHECK(stored.first_segment == m.first_segment);
    CHECK(stored.last_segment == m.last_segment);
    CHECK(stored.first_time == m.first_time);
    CHECK(stored.last_time == m.last_time);
    CHECK(stored.message_class == m.message_class);
    CHECK(stored.status == m.status);
}

} // namespace

TEST_CASE("a message list reads back every message as added, in any order", "[store]") {
    const auto messages = line_messages(1000, 7);
    MessageList list;
    for (const auto& m : messages)
        list.add(m);
    REQUIRE(list.size() == messages.size());
    std::size_t i = 0;
    for (const StoredMessage stored : list)
        check_same(stored, messages[i++]);
    CHECK(i == messages.size());
    for (std::size_t j = messages.size(); j-- > 0;) // backwards, across blocks
        check_same(list[j], messages[j]);
    std::mt19937 random(3);
    for (int k = 0; k < 200; ++k) {
        const std::size_t j = random() % messages.size();
        check_same(list[j], messages[j]);
    }
    CHECK(list.back().index == messages.back().index);
    CHECK(list.notes_of(list[messages.size() - 1]) == nullptr);
    CHECK(list.in_offset_order());
}

TEST_CASE("a message list finds messages by offset as a scan would", "[store]") {
    const auto messages = line_messages(700, 11);
    MessageList list;
    for (const auto& m : messages)
        list.add(m);
    const auto drop = GENERATE(0, 5, 32, 100, 333);
    list.drop_front(static_cast<std::size_t>(drop));
    const auto kept = std::vector<dissect::Message>(messages.begin() + drop, messages.end());
    REQUIRE(list.size() == kept.size());
    // Around every message's first byte, and past the last one.
    std::vector<std::uint64_t> offsets{0, messages.back().offset + messages.back().length + 5};
    for (const auto& m : messages)
        for (const std::uint64_t offset : {m.offset - 1, m.offset, m.offset + 1})
            offsets.push_back(offset);
    for (const std::uint64_t offset : offsets) {
        std::optional<std::size_t> last;
        std::size_t first = kept.size();
        for (std::size_t i = 0; i < kept.size(); ++i) {
            if (kept[i].offset <= offset)
                last = i;
            if (kept[i].offset >= offset && first == kept.size())
                first = i;
        }
        INFO("offset " << offset << ", " << drop << " dropped");
        CHECK(list.last_starting_at_or_before(offset) == last);
        CHECK(list.first_starting_from(offset) == first);
    }
    for (std::size_t i = 0; i < kept.size(); i += 13)
        check_same(list[i], kept[i]);
}

TEST_CASE("a message list dropped to nothing goes on from where it was", "[store]") {
    const auto messages = line_messages(100, 5);
    MessageList list;
    for (std::size_t i = 0; i < 40; ++i)
        list.add(messages[i]);
    list.drop_front(40);
    CHECK(list.empty());
    CHECK(list.dropped() == 40);
    for (std::size_t i = 40; i < 100; ++i)
        list.add(messages[i]);
    REQUIRE(list.size() == 60);
    for (std::size_t i = 0; i < 60; ++i)
        check_same(list[i], messages[40 + i]);
    list.drop_front(59);
    check_same(list.front(), messages[99]);
}

TEST_CASE("a message list keeps small lines in a few bytes each", "[store]") {
    // The issue's shape: 30 million RESP lines must fit far below a 64-byte record each.
    const auto messages = line_messages(100'000, 1);
    MessageList list;
    for (const auto& m : messages)
        list.add(m);
    const double per_message = static_cast<double>(list.memory_bytes()) / messages.size();
    INFO(per_message << " bytes per message");
    CHECK(per_message < 8);
}

} // namespace sniff::store
