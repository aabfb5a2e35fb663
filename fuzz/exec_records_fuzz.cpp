// Fuzz target: sniff exec's ExecCollector fed report records (exec/record_format.hpp), the bytes a
// traced program could write to the report socket. The input is a sequence of records:
//   byte  control   bit 0: start the record with a valid magic and version ("SX", 1), so the
//                   fuzzer reaches the fields behind them; bit 1: call finish() here and start a
//                   new collector run
//   u16   length    then that many record bytes (fewer at the end of the input)
// Checks: every on_data's bytes match its segment length, data and gaps of a flow direction tile
// the stream, events fall between the flow's open and close, open flows and pending calls stay
// within the caps, and finish() closes every flow.

#include "exec/exec_collector.hpp"
#include "fuzz/fuzz_support.hpp"

#include <array>
#include <map>
#include <vector>

namespace {

using namespace sniff;

class CheckingSink final : public reassembly::StreamSink {
public:
    void on_flow_open(const model::Flow& flow) override {
        SNIFF_FUZZ_CHECK(flow.origin == model::FlowOrigin::exec);
        SNIFF_FUZZ_CHECK(m_open.emplace(flow.id, std::array<std::uint64_t, 2>{}).second);
    }
    void on_data(const model::Flow& flow, model::Direction direction,
                 const model::SegmentInfo& segment, util::Bytes bytes) override {
        SNIFF_FUZZ_CHECK(bytes.size() == segment.length);
        SNIFF_FUZZ_CHECK(segment.call != nullptr);
        sniff::fuzz::touch(bytes);
        std::uint64_t& next = next_offset(flow, direction);
        SNIFF_FUZZ_CHECK(segment.offset == next);
        next += segment.length;
    }
    void on_gap(const model::Flow& flow, model::Direction direction,
                const model::Gap& gap) override {
        std::uint64_t& next = next_offset(flow, direction);
        SNIFF_FUZZ_CHECK(gap.offset == next);
        next += gap.length;
    }
    void on_flow_close(const model::Flow& flow, reassembly::CloseReason) override {
        SNIFF_FUZZ_CHECK(m_open.erase(flow.id) == 1);
    }
    std::size_t open() const { return m_open.size(); }

private:
    std::uint64_t& next_offset(const model::Flow& flow, model::Direction direction) {
        const auto found = m_open.find(flow.id);
        SNIFF_FUZZ_CHECK(found != m_open.end());
        return found->second[static_cast<std::size_t>(direction)];
    }
    std::map<std::uint64_t, std::array<std::uint64_t, 2>> m_open;
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    sniff::fuzz::Input input(data, size);
    CheckingSink sink;
    auto collector = std::make_unique<exec::ExecCollector>(sink);
    std::vector<std::byte> record;
    while (!input.empty()) {
        const std::uint8_t control = input.u8();
        const std::uint16_t length = input.u16();
        const util::Bytes bytes = input.take(length);
        record.assign(bytes.begin(), bytes.end());
        if ((control & 1) != 0 && record.size() >= 3) {
            record[0] = std::byte{exec::wire::k_magic0};
            record[1] = std::byte{exec::wire::k_magic1};
            record[2] = std::byte{exec::wire::k_version};
        }
        collector->on_record(record);
        SNIFF_FUZZ_CHECK(collector->open_flows() <= exec::ExecCollector::k_max_flows);
        if ((control & 2) != 0) {
            collector->finish();
            SNIFF_FUZZ_CHECK(sink.open() == 0);
            collector = std::make_unique<exec::ExecCollector>(sink);
        }
    }
    collector->finish();
    SNIFF_FUZZ_CHECK(collector->open_flows() == 0);
    SNIFF_FUZZ_CHECK(sink.open() == 0);
    return 0;
}
