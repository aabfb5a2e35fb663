#pragma once
// Turns the preload library's report records into StreamSink events, so every view works on a
// program's own socket calls as it does on captured segments:
//
//   one flow per connected socket (TCP, Unix stream; keyed by the socket's inode, which a forked
//   child shares and a reused descriptor number does not) or per UDP socket and peer, with
//   model::FlowOrigin::exec; client and server from connect()/accept(), else a guess (the
//   higher port is the client's, or the first to send on UDP);
//   one on_data per call (SegmentInfo.call and .asked name the call and its size asked for;
//   frame = the call's number in the run), a gap for sendfile()/splice() counts (bytes not seen);
//   SSL_read/SSL_write (flag_tls) make a second flow over the same socket: the plaintext;
//   MSG_PEEK reads are counted, never delivered (the stream did not advance);
//   on_anomaly for a failed call (EAGAIN and EINTR are only counted) and for a datagram cut by a
//   buffer smaller than it; on_flow_close at the socket's close() (end_of_input at finish()).
//
// Records are untrusted: parse_record checks each; a bad one is counted and skipped. Bounded:
// at most k_max_flows open flows and k_max_pending calls in reassembly of their fragments, each
// holding at most k_max_call_bytes (a larger call is delivered in pieces of that size).

#include "exec/record_parser.hpp"
#include "reassembly/stream_sink.hpp"

#include <map>
#include <memory>
#include <vector>

namespace sniff::exec {

struct ExecCounters {
    std::uint64_t records = 0;
    std::uint64_t malformed = 0;  // records rejected by the parser or out of sequence
    std::uint64_t calls = 0;      // complete calls (all fragments in)
    std::uint64_t read_calls = 0; // of them, reading calls (failed, peeks and EOF included)
    std::uint64_t write_calls = 0;
    std::uint64_t bytes_read = 0;
    std::uint64_t bytes_written = 0;
    std::uint64_t flows = 0;
    std::uint64_t peeks = 0;
    std::uint64_t errors = 0;      // failed calls reported as anomalies
    std::uint64_t would_block = 0; // EAGAIN / EWOULDBLOCK / EINTR
    std::uint64_t eofs = 0;
    std::uint64_t truncated_datagrams = 0;
    std::uint64_t closes = 0;
    std::uint64_t dropped = 0; // flows or calls not tracked because a cap was reached
};

class ExecCollector {
public:
    static constexpr std::size_t k_max_flows = 65536;
    static constexpr std::size_t k_max_pending = 1024;
    static constexpr std::size_t k_max_call_bytes = 4u << 20;

    explicit ExecCollector(reassembly::StreamSink& sink);
    ~ExecCollector();
    ExecCollector(const ExecCollector&) = delete;
    ExecCollector& operator=(const ExecCollector&) = delete;

    // One message of the report socket.
    void on_record(util::Bytes message);
    // End of the run: closes every open flow (end_of_input) and drops unfinished calls.
    void finish();

    const ExecCounters& counters() const { return m_counters; }
    std::size_t open_flows() const { return m_flows.size(); }

    struct FlowState;

private:
    struct FlowKey {
        std::uint64_t inode = 0;
        model::Endpoint peer; // UDP only
        bool tls = false;     // SSL_read/SSL_write's plaintext, beside the socket's own flow
        auto operator<=>(const FlowKey&) const = default;
    };
    struct Pending {
        Record record; // the first fragment's header (bytes not kept there)
        std::vector<std::byte> bytes;
        std::uint64_t next_offset = 0; // fragment offset expected next
        std::uint64_t delivered = 0;   // bytes already passed on in pieces
    };
    using PendingKey = std::pair<std::uint32_t, std::uint64_t>; // pid, sequence

    void on_data_record(const Record& record);
    void on_fragment(const Record& record);
    void deliver(const Record& record, util::Bytes bytes, std::uint64_t piece_offset);
    void count_call(const Record& record);
    FlowState* flow_for(const Record& record);
    void on_close_record(const Record& record);
    void report_error(FlowState& flow, const Record& record);
    void anomaly(const model::Flow* flow, model::AnomalyKind kind, std::string detail);

    reassembly::StreamSink& m_sink;
    ExecCounters m_counters;
    std::map<FlowKey, std::unique_ptr<FlowState>> m_flows;
    std::map<PendingKey, Pending> m_pending;
    std::uint64_t m_next_flow_id = 1;
    std::uint64_t m_call_number = 0;
};

} // namespace sniff::exec
