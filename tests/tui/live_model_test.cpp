// Live sources without a terminal: the store's memory budget on an endless stream, and follow
// mode keeping the newest bytes in view while data arrives.

#include "store/flow_store.hpp"
#include "tui/inspector.hpp"
#include "tui/tui_support.hpp"

#include <catch2/catch.hpp>

using namespace sniff;
using model::Direction;

namespace {

model::Flow live_flow() {
    model::Flow flow;
    flow.id = 1;
    flow.client = {model::IpAddress::v4(0x7f000001), 40000};
    flow.server = {model::IpAddress::v4(0x7f000001), 9000};
    return flow;
}

// Feeds `count` chunks of `size` bytes into c2s, each from a buffer reused between calls, as the
// proxy's chunk views are: the store must copy them.
void feed(store::FlowStore& store, model::Flow& flow, std::size_t count, std::size_t size,
          std::uint64_t& offset, std::uint64_t& index) {
    std::vector<std::byte> buffer(size);
    for (std::size_t i = 0; i < count; ++i) {
        for (std::size_t b = 0; b < size; ++b)
            buffer[b] = static_cast<std::byte>('a' + (offset + b) % 26);
        model::SegmentInfo segment;
        segment.index = index++;
        segment.frame = segment.index + 1;
        segment.offset = offset;
        segment.length = static_cast<std::uint32_t>(size);
        flow.stats[0].stream_bytes += size;
        store.on_data(flow, Direction::c2s, segment, buffer);
        offset += size;
    }
}

} // namespace

TEST_CASE("a store with a byte budget drops the oldest bytes and list entries of an endless "
          "stream",
          "[tui][store][live]") {
    constexpr std::uint64_t k_budget = 256u << 10;
    store::FlowStore store;
    store.set_byte_budget(k_budget);
    auto flow = live_flow();
    store.on_flow_open(flow);
    std::uint64_t offset = 0;
    std::uint64_t index = 0;
    feed(store, flow, 4000, 1000, offset, index); // 4 MB, 16 times the budget

    const auto& data = store.at(0).of(Direction::c2s);
    CHECK(store.held_bytes() <= k_budget);
    CHECK(data.bytes.arena_bytes() <= k_budget);
    CHECK(data.bytes.dropped_bytes() > 0);
    // The newest bytes are still there and correct; the oldest read as missing.
    CHECK_FALSE(data.bytes.has(0));
    const auto tail = data.bytes.read(offset - 26, 26);
    REQUIRE(tail.size() == 26);
    CHECK(static_cast<char>(tail[0]) == static_cast<char>('a' + (offset - 26) % 26));
    CHECK(data.bytes.dropped_bytes() +
              data.bytes.read(data.bytes.dropped_below(), 1 << 30).size() ==
          offset);
    // List entries are bounded by budget / k_bytes_per_item, and still counted.
    CHECK(data.segments.size() <= k_budget / store::FlowStore::k_bytes_per_item);
    CHECK(data.segment_total() == 4000);
    CHECK(data.segments.back().index == 3999);
}

TEST_CASE("small live flows take a few KiB of arena, not a whole chunk", "[tui][store][live]") {
    store::FlowStore store;
    auto flow = live_flow();
    std::uint64_t offset = 0;
    std::uint64_t index = 0;
    feed(store, flow, 3, 10, offset, index);
    CHECK(store.at(0).of(Direction::c2s).bytes.arena_bytes() == store::StreamBytes::k_first_chunk);
    CHECK(store.at(0).of(Direction::c2s).bytes.read(0, 30).size() == 30);
}

TEST_CASE("follow mode keeps the newest bytes in view as data arrives, moving turns it off",
          "[tui][live]") {
    store::FlowStore store;
    auto flow = live_flow();
    std::uint64_t offset = 0;
    std::uint64_t index = 0;
    feed(store, flow, 10, 100, offset, index);
    tui::Inspector inspector(store);
    inspector.set_follow(true);
    tui::Screen screen(40, 120);
    inspector.render(screen);
    // In the list, follow selects the newest flow: Enter opens it.
    inspector.handle_key(tui::Key::of(tui::KeyCode::enter));
    REQUIRE(inspector.in_flow_view());
    inspector.render(screen);
    CHECK(inspector.view_of(Direction::c2s).cursor == 999);
    CHECK(inspector.view_of(Direction::c2s).segment == 9);

    feed(store, flow, 50, 100, offset, index);
    inspector.render(screen);
    CHECK(inspector.view_of(Direction::c2s).cursor == offset - 1);
    CHECK(inspector.view_of(Direction::c2s).segment == 59);
    CHECK(inspector.view_of(Direction::c2s).top > 0);
    CHECK(test::row_containing(screen, "seg 59") >= 0); // the newest segment is drawn
    CHECK(test::row_containing(screen, "following") == 0);

    inspector.handle_key(tui::Key::of(U'k')); // scroll up by hand
    CHECK_FALSE(inspector.follow());
    const auto top = inspector.view_of(Direction::c2s).top;
    feed(store, flow, 10, 100, offset, index);
    inspector.render(screen);
    CHECK(inspector.view_of(Direction::c2s).top == top); // stays where the user went
    inspector.handle_key(tui::Key::of(U'F'));
    inspector.render(screen);
    CHECK(inspector.view_of(Direction::c2s).cursor == offset - 1);
}
