// ExecCollector and parse_record on records built here: the untrusted-input rules (each field
// checked, fragments within the call's result, caps) and the events a record becomes.

#include "exec/exec_collector.hpp"
#include "exec/support.hpp"

#include <catch2/catch.hpp>
#include <cstring>

// Records are written as designated initializers naming only the fields a test changes.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace {

namespace wire = sniff::exec::wire;
using sniff::model::Direction;

struct RecordSpec {
    wire::Kind kind = wire::Kind::data;
    wire::Call call = wire::Call::recv;
    wire::Dir dir = wire::Dir::in;
    wire::SockType type = wire::SockType::stream;
    wire::Role role = wire::Role::connected;
    std::uint8_t flags = wire::flag_last_fragment;
    std::uint64_t inode = 77;
    std::uint64_t sequence = 0;
    std::uint64_t asked = 1024;
    std::int64_t result = -1; // -1: the bytes' size
    std::uint64_t datagram = 0;
    std::uint64_t fragment_offset = 0;
    std::string bytes;
};

void put(std::vector<std::byte>& out, std::size_t at, std::uint64_t value, int size) {
    for (int i = 0; i < size; ++i)
        out[at + static_cast<std::size_t>(i)] = static_cast<std::byte>(value >> (8 * i));
}

std::vector<std::byte> build(const RecordSpec& spec) {
    std::vector<std::byte> out(wire::k_header_size + spec.bytes.size());
    namespace at = wire::offset;
    out[0] = std::byte{'S'};
    out[1] = std::byte{'X'};
    out[at::version] = std::byte{wire::k_version};
    out[at::kind] = static_cast<std::byte>(spec.kind);
    out[at::call] = static_cast<std::byte>(spec.call);
    out[at::direction] = static_cast<std::byte>(spec.dir);
    out[at::family] = static_cast<std::byte>(wire::Family::ipv4);
    out[at::type] = static_cast<std::byte>(spec.type);
    out[at::role] = static_cast<std::byte>(spec.role);
    out[at::flags] = static_cast<std::byte>(spec.flags);
    put(out, at::pid, 4242, 4);
    put(out, at::time, 1'700'000'000'000'000'000ull, 8);
    put(out, at::inode, spec.inode, 8);
    put(out, at::sequence, spec.sequence, 8);
    put(out, at::asked, spec.asked, 8);
    put(out, at::result,
        static_cast<std::uint64_t>(spec.result == -1 ? static_cast<std::int64_t>(spec.bytes.size())
                                                     : spec.result),
        8);
    put(out, at::datagram, spec.datagram, 8);
    put(out, at::fragment_offset, spec.fragment_offset, 8);
    put(out, at::fragment_length, spec.bytes.size(), 4);
    put(out, at::local, 40000, 2);
    put(out, at::local + 2, 0x0100007f, 4); // 127.0.0.1 in address order
    put(out, at::peer, 6379, 2);
    put(out, at::peer + 2, 0x0100007f, 4);
    std::memcpy(out.data() + wire::k_header_size, spec.bytes.data(), spec.bytes.size());
    return out;
}

} // namespace

TEST_CASE("collector turns a connected socket's calls into one flow, one segment per call",
          "[exec]") {
    sniff::test::RecordingSink sink;
    sniff::exec::ExecCollector collector(sink);
    collector.on_record(build({.call = wire::Call::send, .dir = wire::Dir::out, .bytes = "ping"}));
    collector.on_record(build({.call = wire::Call::recv, .bytes = "po"}));
    collector.on_record(build({.call = wire::Call::read, .asked = 2, .bytes = "ng"}));
    collector.on_record(build({.kind = wire::Kind::close, .call = wire::Call::close}));
    REQUIRE(sink.flows.size() == 1);
    const auto& flow = sink.flows.begin()->second;
    CHECK(flow.flow.client.to_string() == "127.0.0.1:40000");
    CHECK(flow.flow.server.to_string() == "127.0.0.1:6379");
    CHECK(flow.stream(Direction::c2s) == "ping");
    CHECK(flow.stream(Direction::s2c) == "pong");
    REQUIRE(flow.segments.size() == 3);
    CHECK(flow.segments[2].call == "read");
    CHECK(flow.segments[2].info.asked == 2);
    CHECK(flow.segments[2].info.offset == 2);
    CHECK(flow.closed);
}

TEST_CASE("collector rejects records that do not hold together", "[exec]") {
    sniff::test::RecordingSink sink;
    sniff::exec::ExecCollector collector(sink);
    auto bad_magic = build({.bytes = "x"});
    bad_magic[0] = std::byte{'Q'};
    collector.on_record(bad_magic);
    collector.on_record(build({.result = 1, .bytes = "too long"})); // beyond the result
    auto bad_call = build({.bytes = "x"});
    bad_call[wire::offset::call] = std::byte{200};
    collector.on_record(bad_call);
    auto cut = build({.bytes = "abc"});
    cut.pop_back(); // fragment length no longer matches
    collector.on_record(cut);
    collector.on_record(
        build({.flags = wire::flag_last_fragment | wire::flag_no_bytes, .bytes = "x"}));
    collector.on_record(build({.result = 6, .fragment_offset = 5, .bytes = "xy"}));
    collector.on_record(std::vector<std::byte>(10));
    CHECK(collector.counters().malformed == 7);
    CHECK(sink.flows.empty());
}

TEST_CASE("collector joins a call's fragments and counts peeks, errors and EOF", "[exec]") {
    sniff::test::RecordingSink sink;
    sniff::exec::ExecCollector collector(sink);
    collector.on_record(build({.flags = 0, .sequence = 9, .result = 6, .bytes = "abc"}));
    collector.on_record(build({.flags = wire::flag_last_fragment,
                               .sequence = 9,
                               .result = 6,
                               .fragment_offset = 3,
                               .bytes = "def"}));
    collector.on_record(build({.flags = wire::flag_last_fragment | wire::flag_peek, .bytes = "g"}));
    collector.on_record(build({.result = -11}));  // EAGAIN: counted only
    collector.on_record(build({.result = -104})); // ECONNRESET: an anomaly
    collector.on_record(build({.result = 0}));    // EOF
    collector.finish();
    REQUIRE(sink.flows.size() == 1);
    const auto& flow = sink.flows.begin()->second;
    REQUIRE(flow.segments.size() == 1);
    CHECK(flow.segments[0].bytes == "abcdef");
    CHECK(collector.counters().peeks == 1);
    CHECK(collector.counters().would_block == 1);
    CHECK(collector.counters().errors == 1);
    CHECK(collector.counters().eofs == 1);
    REQUIRE(sink.anomalies.size() == 1);
    CHECK(sink.anomalies[0].kind == sniff::model::AnomalyKind::call_error);
    CHECK(sink.anomalies[0].detail.find("errno 104") != std::string::npos);
    CHECK(flow.closed);
    CHECK(flow.reason == sniff::reassembly::CloseReason::end_of_input);
}
