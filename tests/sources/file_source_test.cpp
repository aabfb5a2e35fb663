// A capture file is read in slices on the run's event loop (sources/file_source.hpp): each slice
// must leave the store consistent and usable, and the slices together must give exactly what one
// read of the whole file gives.

#include "capture/pcap_writer.hpp"
#include "pipeline/framing_selection.hpp"
#include "sources/asio.hpp"
#include "sources/file_source.hpp"
#include "store/flow_store.hpp"
#include "synth/conversation.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <unistd.h>

namespace sniff::sources {

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

// A file source feeding a store through the engine, started on a loop that never runs: the test
// takes the slices itself.
struct LoadedStore {
    explicit LoadedStore(const pipeline::Options& options) : source(options) {
        dissect::FramingSelector none;
        REQUIRE(source.open(setup(none)) == 0);
        std::string error;
        auto framings = pipeline::framing_selector(options, true, error);
        REQUIRE(framings);
        store = std::make_unique<store::FlowStore>(source.stable_bytes());
        engine = std::make_unique<dissect::DissectorEngine>(std::move(*framings), *store,
                                                            dissect::EngineConfig{});
        fanout.add(*store);
        fanout.add(*engine);
        source.start(context);
    }
    SourceSetup setup(const dissect::FramingSelector& framings) { return {io, framings}; }

    boost::asio::io_context io;
    FileSource source;
    std::unique_ptr<store::FlowStore> store;
    std::unique_ptr<dissect::DissectorEngine> engine;
    reassembly::SinkFanout fanout;
    SourceContext context{.io = io,
                          .sink = fanout,
                          .ended = [] {},
                          .event = [](const std::string&, bool) {},
                          .run_flow_id = [](std::uint64_t id) { return id; },
                          .status = [](const std::string&, bool) {}};
};

std::uint64_t messages_in(const store::FlowStore& store) {
    std::uint64_t total = 0;
    for (std::size_t i = 0; i < store.size(); ++i)
        total += store.at(i).message_count();
    return total;
}

} // namespace

TEST_CASE("a capture read in slices gives what one read gives, and each slice is usable",
          "[sources][file]") {
    const std::string path = write_capture(4000); // 12,000 data segments
    pipeline::Options options;
    options.read_file = path;
    options.framings.push_back("crlf");

    LoadedStore loaded(options);
    auto& load = loaded.source;
    const auto& store = *loaded.store;
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
    LoadedStore once(options);
    CHECK_FALSE(once.source.step(std::chrono::hours(1)));
    CHECK(messages_in(*once.store) == messages_in(store));
    std::filesystem::remove(path);
}

TEST_CASE("a bad filter stops the file source before it starts, a bad framing the run",
          "[sources][file]") {
    const std::string path = write_capture(1);
    boost::asio::io_context io;
    dissect::FramingSelector none;
    SourceSetup setup{io, none};
    pipeline::Options bad_filter;
    bad_filter.read_file = path;
    bad_filter.filter = "tcp port";
    CHECK(FileSource(bad_filter).open(setup) == 2);
    pipeline::Options missing;
    missing.read_file = path + ".missing";
    CHECK(FileSource(missing).open(setup) == 1);
    pipeline::Options bad_framing;
    bad_framing.read_file = path;
    bad_framing.framings.push_back("len:size=5");
    std::string error;
    CHECK_FALSE(pipeline::framing_selector(bad_framing, false, error));
    CHECK(error.rfind("--framing: ", 0) == 0);
    std::filesystem::remove(path);
}

} // namespace sniff::sources
