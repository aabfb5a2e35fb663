// Fuzz target: sniff exec's report ring reader (exec/report_ring.hpp) on a ring the traced program
// could have written anything into, its records fed to the ExecCollector. The input is a sequence
// of operations on a fresh 1 MiB ring:
//   byte 0  write a slot at the head: u8 stamp (0 committed, 1 reserved, else garbage), u32 the
//           slot's length word (0: the right one), u16 record length, then the record's bytes
//           (fewer at the end of the input), at the head rounded up to a slot boundary; the
//           head moves on by the right slot length
//   byte 1  take: u8 how many records at most, u16 how many KiB at most; each record goes to the
//           collector
//   byte 2  move the head: u32 added to it
// Checks: every record handed out lies in one slot (no longer than the largest record), the
// ring's tail never moves back, and the collector keeps its caps and closes every flow.

#include "exec/exec_collector.hpp"
#include "exec/record_format.hpp"
#include "exec/report_ring.hpp"
#include "exec/ring_format.hpp"
#include "fuzz/fuzz_support.hpp"

#include <atomic>
#include <cstring>

namespace {

using namespace sniff;
namespace ring = exec::ring;

constexpr std::size_t k_size = ring::k_min_size;

class NullSink final : public reassembly::StreamSink {
public:
    void on_data(const model::Flow&, model::Direction, const model::SegmentInfo& segment,
                 util::Bytes bytes) override {
        SNIFF_FUZZ_CHECK(bytes.size() == segment.length);
        sniff::fuzz::touch(bytes);
    }
};

std::atomic_ref<std::uint64_t> word64(std::uint8_t* at) {
    return std::atomic_ref<std::uint64_t>(*reinterpret_cast<std::uint64_t*>(at));
}

void write_slot(std::uint8_t* control, sniff::fuzz::Input& input) {
    const std::uint8_t stamp_kind = input.u8();
    const std::uint32_t length_word = input.u32();
    const util::Bytes record = input.take(input.u16());
    // A producer's slots are aligned: after the head was moved anywhere, the next starts at the
    // next boundary (the reader must cope with the unaligned head itself).
    const std::uint64_t head = word64(control + ring::control::head).load();
    const std::uint64_t position = (head + ring::k_align - 1) & ~(ring::k_align - 1);
    const std::uint64_t slot = ring::slot_length(record.size());
    std::uint8_t* at = control + ring::k_control_size + (position & (k_size - 1));
    const std::uint32_t length = length_word != 0 ? length_word : static_cast<std::uint32_t>(slot);
    std::memcpy(at + ring::slot::length, &length, 4);
    const std::uint32_t pid = 0; // not a process: a reserved slot is given up after the wait
    std::memcpy(at + ring::slot::pid, &pid, 4);
    if (!record.empty())
        std::memcpy(at + ring::k_prefix_size, record.data(), record.size());
    const std::uint64_t stamp = stamp_kind == 0   ? ring::committed(position)
                                : stamp_kind == 1 ? ring::reserved(position)
                                                  : position * 0x9e3779b97f4a7c15ull;
    word64(at + ring::slot::stamp).store(stamp);
    word64(control + ring::control::head).store(position + slot);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    sniff::fuzz::Input input(data, size);
    exec::ReportRing reader;
    if (!reader.create(k_size).empty())
        return 0;
    std::uint8_t* control = ring::map_ring(reader.fd(), k_size, PROT_READ | PROT_WRITE);
    SNIFF_FUZZ_CHECK(control != nullptr);
    NullSink sink;
    exec::ExecCollector collector(sink);
    std::uint64_t tail = 0;
    while (!input.empty()) {
        switch (input.u8() % 3) {
        case 0:
            write_slot(control, input);
            break;
        case 1: {
            const std::size_t records = input.u8();
            const std::size_t bytes = std::size_t{input.u16()} * 1024;
            for (const util::Bytes record : reader.take(records, bytes)) {
                SNIFF_FUZZ_CHECK(record.size() <= exec::wire::k_max_record + ring::k_align);
                collector.on_record(record);
            }
            const std::uint64_t now = word64(control + ring::control::tail).load();
            SNIFF_FUZZ_CHECK(now >= tail);
            tail = now;
            break;
        }
        default:
            word64(control + ring::control::head).fetch_add(input.u32());
            break;
        }
        SNIFF_FUZZ_CHECK(collector.open_flows() <= exec::ExecCollector::k_max_flows);
    }
    collector.finish();
    SNIFF_FUZZ_CHECK(collector.open_flows() == 0);
    ring::unmap_ring(control, k_size);
    return 0;
}
