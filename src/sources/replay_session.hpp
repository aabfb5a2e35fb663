#pragma once
// One flow of sniff replay on a live connection: sniff plays one side of the captured
// conversation (the client: it connects to --to; the server: a client connected to --listen),
// sends that side's turns re-chunked and paced as the proxy paces, awaits the peer's turns, and
// compares what the peer sends with what the capture says it sent. Everything sent and received
// goes to the run's sink as the flow's chunks (the views, -w), as the proxy's recv()s do.
//
// A UDP flow plays the same way on a connected UDP socket (replay_link), with three differences:
// each captured datagram is sent as one datagram (re-chunking would change the messages), each
// datagram received is a message unless a framing cuts it, and an answer that does not come
// within the answer timeout is missing while the replay goes on with the next request (UDP
// loses datagrams; a TCP peer that stops answering ends its flow instead).

#include "proxy/asio_coroutines.hpp"
#include "proxy/rechunk.hpp"
#include "proxy/write_pacer.hpp"
#include "replay/compare.hpp"
#include "replay/fields.hpp"
#include "replay/message_finder.hpp"
#include "replay/report.hpp"
#include "replay/script.hpp"
#include "replay/settings.hpp"
#include "sources/replay_link.hpp"

#include <chrono>
#include <functional>
#include <memory>

namespace sniff::sources {

// What every session of one replay shares (owned by the source).
struct ReplayShared {
    explicit ReplayShared(proxy::asio::io_context& loop) : io(loop) {}
    proxy::asio::io_context& io;
    reassembly::StreamSink* sink = nullptr;
    replay::Side side = replay::Side::client;
    replay::AwaitSpec await;
    replay::TimingSpec timing;
    bool original_chunks = true; // the captured segment sizes
    proxy::RechunkSpec rechunk;  // otherwise this
    std::uint64_t seed = 0;
    std::optional<int> delay_ms;
    // A peer that sends nothing for this long while an answer is awaited has stopped answering:
    // the replay of a TCP flow ends there (a framing bug on its side is the usual reason); over
    // UDP the answer was lost (or never sent) and is missing, and the next request goes out.
    std::chrono::milliseconds answer_timeout{2000};
    std::vector<replay::IgnoredBytes> ignored_bytes;
    std::vector<std::uint64_t> ignored_messages;      // 1-based
    std::vector<replay::IgnoredField> ignored_fields; // --ignore [N:]resp:K
    proxy::PeerProbe probe;
    std::uint64_t writes_merged = 0;
    std::uint64_t writes_unseen = 0;
    std::uint64_t next_flow_id = 1;
    std::uint64_t next_frame = 1;
    // A comparison was made (the JSON event is written at once); the flow is still open.
    std::function<void(const replay::FlowOutcome&, const replay::ComparedMessage&)> compared;
    // The run-wide number of a flow of this source.
    std::function<std::uint64_t(std::uint64_t)> run_flow_id;
};

class ReplaySession : public std::enable_shared_from_this<ReplaySession> {
public:
    ReplaySession(ReplayShared& shared, const replay::Conversation& conversation,
                  replay::FlowOutcome& outcome);
    ~ReplaySession();

    // The client side: connects to the target (TCP: 5 s at most) with the flow's protocol, then
    // plays.
    proxy::asio::awaitable<void> run_client(proxy::asio::ip::address address, std::uint16_t port);
    // The server side: plays on an accepted connection (or a UDP client's socket).
    proxy::asio::awaitable<void> run_server(std::unique_ptr<ReplayLink> link);
    // Stop: closes the connection; the session closes its flow on the loop.
    void close();

private:
    proxy::asio::awaitable<void> play();
    proxy::asio::awaitable<void> send_turns();
    proxy::asio::awaitable<void> read_peer();
    proxy::asio::awaitable<bool> send_step(const replay::Step& step);
    proxy::asio::awaitable<bool> await_step(const replay::Step& step);
    // Waits until done() or the peer closed or `idle` passes without a byte from the peer.
    proxy::asio::awaitable<bool> wait_until(const std::function<bool()>& done,
                                            std::chrono::milliseconds idle);
    proxy::asio::awaitable<void> wait_idle(std::chrono::milliseconds quiet);
    proxy::asio::awaitable<void> pause_for(std::int64_t ns);
    void plan_chunks(const replay::Step& step, std::vector<std::size_t>& sizes);
    void report_chunk(model::Direction direction, util::Bytes bytes);
    void received(util::Bytes bytes);
    bool peer_answered(std::size_t messages, std::uint64_t bytes) const;
    bool framed() const;
    bool udp() const { return m_conversation.flow.protocol == model::Protocol::udp; }
    std::string refused_text() const;
    // UDP: the answers awaited up to the peer's `messages`th that did not come are missing; the
    // ones that come later are compared with the captured messages after them.
    void skip_unanswered(std::size_t messages);
    // UDP: `message` (not the answer awaited now) is the late answer to an expected message
    // recorded missing, equal to it: recorded extra, with a note, and not compared with the next.
    bool take_late_answer(util::Bytes message);
    // The peer's message that stands for expected message m_compared.
    std::size_t next_live() const { return m_compared - m_skipped + m_late; }
    void compare_ready(bool final);
    // Compares the peer's message `index` (0-based), --ignore resp:K fields cut out.
    replay::Comparison compare(std::size_t index, const util::Bytes* expected,
                               const util::Bytes* got) const;
    void record(replay::Comparison comparison);
    void open_flow();
    void close_flow();

    ReplayShared& m_shared;
    const replay::Conversation& m_conversation;
    replay::FlowOutcome& m_outcome;
    replay::Script m_script;
    model::Direction m_own;
    model::Direction m_peer;
    std::unique_ptr<ReplayLink> m_link;
    proxy::asio::steady_timer m_wake;  // cancelled when the peer sends or closes
    proxy::asio::steady_timer m_timer; // pacing and pauses
    std::unique_ptr<replay::MessageFinder> m_finder;
    proxy::Rechunker m_rechunker;
    proxy::WritePacer m_pacer;
    model::Flow m_live;
    bool m_flow_open = false;
    std::vector<std::byte> m_peer_bytes;   // what the peer sent
    std::vector<replay::Span> m_expected;  // the peer's captured messages (or turns) to compare
    std::vector<std::size_t> m_request_of; // per expected message: our last message before it
    std::size_t m_compared = 0;
    std::size_t m_skipped = 0; // expected messages recorded missing before the peer's next one
    std::size_t m_late = 0;    // peer's messages taken as late answers to missing ones
    std::vector<std::size_t> m_unanswered; // expected messages recorded missing, no late answer yet
    std::size_t m_open_from = 0;           // first expected message of an open-ended turn
    // The peer's last byte or our last write: stalls and idleness count from it.
    std::chrono::steady_clock::time_point m_last_peer_byte;
    bool m_peer_caught_up = false; // the peer answered everything we wrote
    bool m_peer_closed = false;
    bool m_peer_reset = false;
    bool m_peer_refused = false; // UDP: ICMP port unreachable (nothing listens)
    bool m_stopping = false;
    bool m_reader_done = false;
};

} // namespace sniff::sources
