// The inspector reads a capture in slices on its event loop (app/capture_load.hpp): each slice
// must leave the store consistent and usable, and the slices together must give exactly what one
// read of the whole file gives.

#include "app/capture_load.hpp"
#include "capture/pcap_writer.hpp"
#include "synth/conversation.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <unistd.h>

namespace sniff::app {

namespace {

// Three flows of `lines` CRLF lines each, one line per segment, interleaved as clients would be.
std::string write_capture(int lines) {
    const std::string path = (std::filesystem::temp_directory_path() /
                              ("sniff-capture-load-" + std::to_string(getpid()) + ".pcap"))
                                 .string();
    capture::PcapWriter writer;
    REQUIRE(writer.open(path, {}));
    const auto output = [&](model::Timestamp time, util::Bytes headers, util::Bytes payload) {
        writer.write(time, headers, payload);
    };
    std::vector<synth::TcpConversation> flows;
    for (std::uint16_t i = 0; i < 3; ++i)
        flows.emplace_back(
            output, model::Endpoint{model::IpAddress::v4(0x0a000001), std::uint16_t(40000 + i)},
            model::Endpoint{model::IpAddress::v4(0x0a000002), 6379});
    model::Timestamp time = 1'000'000'000;
    for (auto& flow : flows)
        flow.handshake(time += 1000);
    for (int line = 0; line < lines; ++line)
        for (auto& flow : flows) {
            const std::string text = "line " + std::to_string(line) + "\r\n";
            flow.data(model::Direction::c2s, time += 1000,
                      util::Bytes(reinterpret_cast<const std::byte*>(text.data()), text.size()));
        }
    for (auto& flow : flows)
        flow.fin(model::Direction::c2s, time += 1000);
    REQUIRE(writer.close());
    return path;
}

std::uint64_t messages_in(const store::FlowStore& store) {
    std::uint64_t total = 0;
    for (std::size_t i = 0; i < store.size(); ++i)
        total += store.at(i).message_count();
    return total;
}

} // namespace

TEST_CASE("a capture read in slices gives what one read gives, and each slice is usable",
          "[tui][load]") {
    const std::string path = write_capture(4000); // 12,000 data segments
    Options options;
    options.read_file = path;
    options.framings.push_back("crlf");

    capture::CaptureError error;
    auto reader = capture::FileReader::open(path, error);
    REQUIRE(reader);
    store::FlowStore store(reader->mapped_data());
    CaptureLoad load(options, *reader, store, {});
    REQUIRE(load.prepare() == 0);
    // A zero budget reads one batch per slice: the file takes many slices.
    int slices = 0;
    std::uint64_t last_messages = 0;
    while (load.step(std::chrono::milliseconds(0))) {
        ++slices;
        const std::uint64_t now = messages_in(store);
        CHECK(now >= last_messages); // the store only grows between slices
        last_messages = now;
        CHECK(load.status_text().rfind("loading ", 0) == 0);
    }
    CHECK(slices >= 5);
    CHECK(load.done());
    CHECK_FALSE(load.step(std::chrono::milliseconds(0)));
    CHECK(load.status_text().rfind("read ", 0) == 0);
    REQUIRE(store.size() == 3);
    for (std::size_t i = 0; i < store.size(); ++i) {
        const auto& data = store.at(i).of(model::Direction::c2s);
        CHECK(data.message_total() == 4000);
        CHECK(data.segment_total() == 4000);
        CHECK(data.class_counts()[static_cast<int>(dissect::MessageClass::whole)] == 4000);
        CHECK(store.at(i).closed);
    }

    // One read of the whole file gives the same.
    auto again = capture::FileReader::open(path, error);
    REQUIRE(again);
    store::FlowStore whole(again->mapped_data());
    CaptureLoad once(options, *again, whole, {});
    REQUIRE(once.prepare() == 0);
    CHECK_FALSE(once.step(std::chrono::hours(1)));
    CHECK(messages_in(whole) == messages_in(store));
    std::filesystem::remove(path);
}

TEST_CASE("a bad framing or filter stops the load before it starts", "[tui][load]") {
    const std::string path = write_capture(1);
    capture::CaptureError error;
    auto reader = capture::FileReader::open(path, error);
    REQUIRE(reader);
    store::FlowStore store(reader->mapped_data());
    Options bad_filter;
    bad_filter.read_file = path;
    bad_filter.filter = "tcp port";
    CHECK(CaptureLoad(bad_filter, *reader, store, {}).prepare() == 2);
    Options bad_framing;
    bad_framing.read_file = path;
    bad_framing.framings.push_back("len:size=5");
    CHECK(CaptureLoad(bad_framing, *reader, store, {}).prepare() == 2);
    std::filesystem::remove(path);
}

} // namespace sniff::app
