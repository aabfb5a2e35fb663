// The store's compact message records: notes beside them, counts that survive dropping.

#include "store/message_list.hpp"

#include <catch2/catch.hpp>

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

} // namespace sniff::store
