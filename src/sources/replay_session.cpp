#include "sources/replay_session.hpp"

#include "sources/framing_cut_planner.hpp"
#include "util/escape.hpp"

#include <algorithm>
#include <utility>

namespace sniff::sources {

namespace asio = proxy::asio;
using model::Direction;
using proxy::k_use_tuple;
using namespace asio::experimental::awaitable_operators;

namespace {

constexpr auto k_connect_timeout = std::chrono::seconds(5);
// After our last turn, how long a peer that says nothing more is given to close or send extras.
constexpr auto k_linger = std::chrono::milliseconds(300);
constexpr std::size_t k_read_size = 64 * 1024;
// Request text shown beside a compared message.
constexpr std::size_t k_request_text = 60;
// UDP: how many of the latest missing answers a datagram may be the late answer to.
constexpr std::size_t k_late_candidates = 16;

model::Timestamp now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// adversarial: cuts where the framing of our side breaks first (the generic cuts without one).
std::unique_ptr<proxy::CutPlanner>
planner_for(const ReplayShared& shared, const replay::Conversation& conversation, Direction own) {
    const std::string& framing = conversation.of(own).framing;
    if (shared.original_chunks || shared.rechunk.mode != proxy::RechunkMode::adversarial ||
        framing.empty() || framing == "raw")
        return nullptr;
    auto parsed = dissect::parse_spec(framing);
    if (!std::holds_alternative<dissect::FramingSpec>(parsed))
        return nullptr;
    return framing_cut_planner(std::get<dissect::FramingSpec>(parsed))(own);
}

} // namespace

ReplaySession::ReplaySession(ReplayShared& shared, const replay::Conversation& conversation,
                             replay::FlowOutcome& outcome)
    : m_shared(shared), m_conversation(conversation), m_outcome(outcome),
      m_script(replay::build_script(conversation)),
      m_own(shared.side == replay::Side::client ? Direction::c2s : Direction::s2c),
      m_peer(model::opposite(m_own)), m_link(make_link(shared.io, conversation.flow.protocol)),
      m_wake(shared.io), m_timer(shared.io),
      m_rechunker(shared.rechunk, proxy::direction_seed(shared.seed, conversation.flow.id, m_own),
                  planner_for(shared, conversation, m_own)),
      m_pacer(shared.probe, shared.delay_ms, true,
              proxy::PaceCounters{shared.writes_merged, shared.writes_unseen}) {
    replay::trim_at_gaps(m_script, conversation, m_own);
    const replay::SideStream& peer = conversation.of(m_peer);
    const replay::SideStream& own = conversation.of(m_own);
    // What the peer is expected to send: its messages (with a framing), else its turns, as far as
    // the script goes (not past a gap).
    std::uint64_t peer_end = 0;
    for (const auto& step : m_script.steps)
        if (step.direction == m_peer)
            peer_end = step.bytes.end();
    if (!peer.messages.empty()) {
        for (const auto& message : peer.messages)
            if (message.end() <= peer_end)
                m_expected.push_back(message);
    } else {
        for (const auto& step : m_script.steps)
            if (step.direction == m_peer)
                m_expected.push_back(step.bytes);
    }
    // Answers in an open-ended last turn (after a gap in our stream) are compared only if they
    // come.
    m_open_from = m_expected.size();
    for (const auto& step : m_script.steps)
        if (step.open_ended)
            m_open_from =
                static_cast<std::size_t>(std::find_if(m_expected.begin(), m_expected.end(),
                                                      [&](const replay::Span& span) {
                                                          return span.end() > step.bytes.offset;
                                                      }) -
                                         m_expected.begin());
    // Our message (or turn) sent last before each expected one.
    std::size_t own_count = 0;
    std::size_t expected_index = 0;
    for (const auto& step : m_script.steps) {
        if (step.direction == m_own) {
            own_count = own.messages.empty() ? own_count + 1 : step.messages;
            continue;
        }
        while (expected_index < m_expected.size() &&
               m_expected[expected_index].end() <= step.bytes.end()) {
            m_request_of.push_back(own_count);
            ++expected_index;
        }
    }
    m_request_of.resize(m_expected.size(), own_count);
    m_outcome.captured_flow = conversation.flow.id;
    m_outcome.side = shared.side == replay::Side::client ? "client" : "server";
    m_outcome.framing = peer.messages.empty() ? "raw" : peer.framing;
    if (conversation.flow.protocol == model::Protocol::udp && m_outcome.framing == "raw")
        m_outcome.framing = "datagrams"; // each one a message
    if (!shared.ignored_fields.empty() && !peer.framing.starts_with("resp"))
        m_outcome.notes.push_back("--ignore resp:K: the " +
                                  std::string(m_own == Direction::c2s ? "answers" : "requests") +
                                  " are not framed as resp here; compared whole");
    if (!m_script.cut_reason.empty())
        m_outcome.notes.push_back("replayed up to the gap: " + m_script.cut_reason +
                                  "; nothing after it was sent or compared");
}

ReplaySession::~ReplaySession() = default;

bool ReplaySession::framed() const {
    return !m_conversation.of(m_peer).messages.empty();
}

std::string ReplaySession::refused_text() const {
    return "nothing listens on " + m_outcome.peer +
           " (UDP: an ICMP port unreachable came back for a datagram)";
}

asio::awaitable<void> ReplaySession::run_client(asio::ip::address address, std::uint16_t port) {
    m_outcome.peer = address.to_string() + ":" + std::to_string(port);
    const std::string failure = co_await m_link->connect(address, port, k_connect_timeout);
    if (m_stopping)
        co_return;
    if (!failure.empty()) {
        m_outcome.failure = "connect " + m_outcome.peer + ": " + failure;
        co_return;
    }
    co_await play();
}

asio::awaitable<void> ReplaySession::run_server(std::unique_ptr<ReplayLink> link) {
    m_link = std::move(link);
    const auto remote = m_link->remote();
    m_outcome.peer = remote.ip.to_string() + ":" + std::to_string(remote.port);
    co_await play();
}

void ReplaySession::close() {
    m_stopping = true;
    m_link->close();
    m_wake.cancel();
    m_timer.cancel();
}

void ReplaySession::open_flow() {
    const auto local = m_link->local();
    const auto remote = m_link->remote();
    m_live.id = m_shared.next_flow_id++;
    m_live.protocol = m_link->protocol();
    m_live.client = m_own == Direction::c2s ? local : remote;
    m_live.server = m_own == Direction::c2s ? remote : local;
    m_live.first_seen = m_live.last_seen = now_ns();
    m_live.first_frame = m_shared.next_frame;
    // Roles are known: one side connected (or, over UDP, sent first).
    m_live.saw_syn = m_live.protocol == model::Protocol::tcp;
    m_live.origin = model::FlowOrigin::replay;
    m_shared.sink->on_flow_open(m_live);
    m_flow_open = true;
    m_outcome.live_flow = m_shared.run_flow_id ? m_shared.run_flow_id(m_live.id) : m_live.id;
    dissect::FramingSpec spec;
    const std::string& chosen = m_conversation.of(m_peer).framing;
    if (auto parsed = dissect::parse_spec(chosen.empty() ? "raw" : chosen);
        std::holds_alternative<dissect::FramingSpec>(parsed))
        spec = std::get<dissect::FramingSpec>(parsed);
    // The live flow is framed with what the capture's flow turned out to be (auto decided there).
    model::Flow framed_flow = m_live;
    framed_flow.server.port = m_conversation.flow.server.port;
    m_finder = std::make_unique<replay::MessageFinder>(framed_flow, spec);
}

void ReplaySession::close_flow() {
    if (!m_flow_open)
        return;
    m_flow_open = false;
    m_live.last_seen = now_ns();
    const auto reason = m_stopping                       ? reassembly::CloseReason::end_of_input
                        : m_peer_reset || m_peer_refused ? reassembly::CloseReason::rst
                        : udp()                          ? reassembly::CloseReason::end_of_input
                                                         : reassembly::CloseReason::fin;
    m_shared.sink->on_flow_close(m_live, reason);
}

void ReplaySession::report_chunk(Direction direction, util::Bytes bytes) {
    const auto segment =
        model::count_chunk(m_live.of(direction), m_shared.next_frame++, now_ns(), bytes.size());
    m_live.last_seen = segment.time;
    m_shared.sink->on_data(m_live, direction, segment, bytes);
    m_finder->add(direction, bytes, segment.time);
}

asio::awaitable<void> ReplaySession::play() {
    m_link->set_no_delay();
    open_flow();
    m_last_peer_byte = std::chrono::steady_clock::now();
    co_await (send_turns() && read_peer());
    m_link->close();
    // Whatever the turn-taking, an ICMP port unreachable is why the answers did not come.
    if (m_peer_refused && m_outcome.failure.empty() && !m_stopping)
        m_outcome.failure = refused_text();
    m_finder->close();
    compare_ready(true);
    close_flow();
}

asio::awaitable<void> ReplaySession::read_peer() {
    // 64 KiB: a TCP read, or the largest UDP datagram whole.
    std::vector<std::byte> buffer(k_read_size);
    for (;;) {
        auto [error, size] = co_await m_link->read(buffer);
        if (size > 0)
            received(util::Bytes(buffer.data(), size));
        if (error) {
            if (error == asio::error::eof)
                m_live.of(m_peer).fin = true;
            else if (error == asio::error::connection_refused && udp())
                m_peer_refused = true;
            else if (!m_stopping && error != asio::error::operation_aborted) {
                m_peer_reset = true;
                m_live.of(m_peer).rst = true;
            }
            m_peer_closed = true;
            m_wake.cancel();
            co_return;
        }
    }
}

void ReplaySession::received(util::Bytes bytes) {
    m_last_peer_byte = std::chrono::steady_clock::now();
    m_outcome.bytes_received += bytes.size();
    m_peer_bytes.insert(m_peer_bytes.end(), bytes.begin(), bytes.end());
    report_chunk(m_peer, bytes);
    compare_ready(false);
    m_wake.cancel();
}

bool ReplaySession::peer_answered(std::size_t messages, std::uint64_t bytes) const {
    if (framed() && m_finder->lost(m_peer).empty())
        return m_finder->messages(m_peer).size() - m_late + m_skipped >= messages;
    return m_peer_bytes.size() >= bytes;
}

void ReplaySession::skip_unanswered(std::size_t messages) {
    if (!framed() || !m_finder->lost(m_peer).empty())
        return; // compared as bytes at the end
    compare_ready(false);
    const auto& captured = m_conversation.of(m_peer);
    while (m_compared < std::min(messages, m_expected.size())) {
        const util::Bytes expected = captured.view(m_expected[m_compared]);
        record(compare(m_compared, &expected, nullptr));
        // A late answer follows its request closely: the last few missing ones are enough, and
        // a server that answers nothing does not make each later message compared with all.
        if (m_unanswered.size() == k_late_candidates)
            m_unanswered.erase(m_unanswered.begin());
        m_unanswered.push_back(m_compared);
        ++m_compared;
        ++m_skipped;
    }
}

bool ReplaySession::take_late_answer(util::Bytes message) {
    const auto& captured = m_conversation.of(m_peer);
    auto equal_to = [&](std::size_t index) {
        const util::Bytes expected = captured.view(m_expected[index]);
        return compare(index, &expected, &message).verdict == replay::Verdict::equal;
    };
    const auto answered = std::find_if(m_unanswered.begin(), m_unanswered.end(), equal_to);
    if (answered == m_unanswered.end())
        return false;
    const std::size_t index = *answered;
    m_unanswered.erase(answered);
    ++m_late;
    m_outcome.notes.push_back("answer " + std::to_string(index + 1) + " came after the " +
                              std::to_string(m_shared.answer_timeout.count()) +
                              " ms answer timeout: missing, then extra (not compared with the "
                              "answers after it)");
    record(compare(index, nullptr, &message));
    return true;
}

asio::awaitable<void> ReplaySession::send_turns() {
    model::Timestamp previous_time = 0;
    bool stopped_early = false;
    for (const auto& step : m_script.steps) {
        if (m_stopping)
            co_return;
        if (step.direction == m_peer) {
            if (m_shared.await.mode == replay::AwaitMode::none) {
                previous_time = step.time;
                continue;
            }
            if (!co_await await_step(step)) {
                stopped_early = true;
                break;
            }
        } else {
            if (previous_time != 0)
                co_await pause_for(m_shared.timing.pause_ns(step.time - previous_time));
            if (!co_await send_step(step)) {
                stopped_early = true;
                break;
            }
        }
        previous_time = step.time;
    }
    if (!stopped_early && m_shared.await.mode == replay::AwaitMode::none && !m_expected.empty()) {
        // Everything went out at once: now take the answers, as far as they come.
        const auto& last = m_expected.back();
        const std::size_t count = m_expected.size();
        co_await wait_until([&] { return peer_answered(count, last.end()); },
                            m_shared.answer_timeout);
    }
    if (!m_stopping && m_conversation.of(m_own).fin && !stopped_early)
        m_link->shutdown_send();
    if (!m_stopping && !m_peer_closed)
        co_await wait_until([] { return false; }, k_linger);
    m_link->close(); // ends read_peer
}

asio::awaitable<bool> ReplaySession::await_step(const replay::Step& step) {
    if (step.open_ended) {
        co_await wait_until([&] { return peer_answered(step.messages, step.bytes.end()); },
                            k_linger);
        co_return true;
    }
    if (m_shared.await.mode == replay::AwaitMode::idle) {
        co_await wait_idle(std::chrono::milliseconds(m_shared.await.idle_ms));
        co_return !m_peer_closed;
    }
    const bool done = co_await wait_until(
        [&] { return peer_answered(step.messages, step.bytes.end()); }, m_shared.answer_timeout);
    // The peer answered all we sent: it has read it, so our next write needs no pacing.
    m_peer_caught_up = done;
    if (done || m_stopping)
        co_return done;
    if (m_peer_refused) {
        m_outcome.failure = refused_text();
        co_return false;
    }
    if (udp()) {
        // Lost, or never sent: missing, and the next request goes out.
        skip_unanswered(step.messages);
        co_return true;
    }
    const std::size_t got = framed() ? m_finder->messages(m_peer).size() : 0;
    const std::string what = framed()
                                 ? "its message " + std::to_string(std::min(got + 1, step.messages))
                                 : "byte " + std::to_string(m_peer_bytes.size());
    const std::string who = m_own == Direction::c2s ? "the server" : "the client";
    m_outcome.failure = m_peer_closed
                            ? who + (m_peer_reset ? " reset" : " closed") +
                                  " the connection while " + what + " was awaited"
                            : who + " sent nothing for " +
                                  std::to_string(m_shared.answer_timeout.count()) + " ms while " +
                                  what + " was awaited (" + std::to_string(m_peer_bytes.size()) +
                                  " B received); the replay of this flow stopped there";
    co_return false;
}

asio::awaitable<bool> ReplaySession::wait_until(const std::function<bool()>& done,
                                                std::chrono::milliseconds idle) {
    for (;;) {
        if (done())
            co_return true;
        if (m_peer_closed || m_stopping)
            co_return false;
        const auto deadline = m_last_peer_byte + idle;
        if (std::chrono::steady_clock::now() >= deadline)
            co_return false;
        m_wake.expires_at(deadline);
        co_await m_wake.async_wait(k_use_tuple);
    }
}

asio::awaitable<void> ReplaySession::wait_idle(std::chrono::milliseconds quiet) {
    // Silence counts from our last write too: an answer may not have begun yet.
    m_last_peer_byte = std::max(m_last_peer_byte, std::chrono::steady_clock::now());
    co_await wait_until([] { return false; }, quiet);
}

asio::awaitable<void> ReplaySession::pause_for(std::int64_t ns) {
    if (ns <= 0 || m_stopping)
        co_return;
    m_timer.expires_after(std::chrono::nanoseconds(ns));
    co_await m_timer.async_wait(k_use_tuple);
}

void ReplaySession::plan_chunks(const replay::Step& step, std::vector<std::size_t>& sizes) {
    sizes.clear();
    // UDP: each captured datagram is one write whatever --rechunk says.
    if (!m_shared.original_chunks && !udp()) {
        m_rechunker.plan(m_conversation.of(m_own).view(step.bytes), sizes);
        return;
    }
    // The captured segments, cut to the step (a step may begin or end inside one after snapping).
    // Chunks are in stream order: start at the first one that ends inside the step.
    const auto& chunks = m_conversation.of(m_own).chunks;
    const auto first = std::upper_bound(chunks.begin(), chunks.end(), step.bytes.offset,
                                        [](std::uint64_t offset, const replay::Chunk& chunk) {
                                            return offset < chunk.offset + chunk.length;
                                        });
    for (auto it = first; it != chunks.end() && it->offset < step.bytes.end(); ++it) {
        const replay::Chunk& chunk = *it;
        const std::uint64_t begin = std::max(chunk.offset, step.bytes.offset);
        const std::uint64_t end = std::min(chunk.offset + chunk.length, step.bytes.end());
        if (end > begin)
            sizes.push_back(static_cast<std::size_t>(end - begin));
    }
}

asio::awaitable<bool> ReplaySession::send_step(const replay::Step& step) {
    const util::Bytes bytes = m_conversation.of(m_own).view(step.bytes);
    std::vector<std::size_t> sizes;
    plan_chunks(step, sizes);
    std::size_t offset = 0;
    for (const std::size_t size : sizes) {
        if (!std::exchange(m_peer_caught_up, false))
            co_await m_link->pace(m_pacer, m_timer);
        if (m_stopping)
            co_return false;
        const auto piece = bytes.subspan(offset, size);
        if (const auto error = co_await m_link->write(piece)) {
            if (m_stopping)
                co_return false;
            if (error == asio::error::connection_refused && udp()) {
                m_peer_refused = true;
                m_outcome.failure = refused_text();
            } else {
                m_outcome.failure = "write to " + m_outcome.peer + ": " + error.message();
            }
            co_return false;
        }
        m_pacer.wrote(size);
        report_chunk(m_own, piece);
        m_outcome.bytes_sent += size;
        ++m_outcome.writes;
        offset += size;
    }
    // Silence is counted from our last write too: a long turn of ours is not the peer's stall.
    m_last_peer_byte = std::max(m_last_peer_byte, std::chrono::steady_clock::now());
    m_outcome.requests =
        m_conversation.of(m_own).messages.empty() ? m_outcome.requests + 1 : step.messages;
    co_return true;
}

replay::Comparison ReplaySession::compare(std::size_t index, const util::Bytes* expected,
                                          const util::Bytes* got) const {
    if (m_shared.ignored_fields.empty() || !m_conversation.of(m_peer).framing.starts_with("resp"))
        return replay::compare_message(index, expected, got, m_shared.ignored_bytes);
    const auto& fields = m_shared.ignored_fields;
    auto cut = [&](const util::Bytes* message) {
        return message ? replay::resp_field_ranges(*message, index + 1, fields)
                       : std::vector<replay::IgnoredBytes>{};
    };
    return replay::compare_message(index, expected, got, m_shared.ignored_bytes, cut(expected),
                                   cut(got));
}

void ReplaySession::record(replay::Comparison comparison) {
    const std::uint64_t number = comparison.index + 1;
    if (std::find(m_shared.ignored_messages.begin(), m_shared.ignored_messages.end(), number) !=
            m_shared.ignored_messages.end() &&
        comparison.verdict != replay::Verdict::extra)
        comparison.verdict = replay::Verdict::ignored;
    replay::ComparedMessage message;
    message.comparison = std::move(comparison);
    const std::size_t index = message.comparison.index;
    if (index < m_request_of.size()) {
        message.request = m_request_of[index];
        const auto& own = m_conversation.of(m_own);
        if (message.request > 0 && message.request <= own.messages.size())
            message.request_text =
                "\"" +
                util::escape_bytes(own.view(own.messages[message.request - 1]), k_request_text) +
                "\"";
    }
    m_outcome.tally.add(message.comparison.verdict);
    m_outcome.compared.push_back(message);
    if (m_shared.compared)
        m_shared.compared(m_outcome, m_outcome.compared.back());
}

void ReplaySession::compare_ready(bool final) {
    const util::Bytes live(m_peer_bytes.data(), m_peer_bytes.size());
    const auto& captured = m_conversation.of(m_peer);
    const bool by_message = framed() && m_finder->lost(m_peer).empty();
    const auto& live_messages = m_finder->messages(m_peer);
    while (m_compared < m_expected.size()) {
        const replay::Span want = m_expected[m_compared];
        const util::Bytes expected = captured.view(want);
        std::optional<util::Bytes> got;
        if (by_message && next_live() < live_messages.size()) {
            const auto& span = live_messages[next_live()];
            const util::Bytes message = live.subspan(static_cast<std::size_t>(span.offset),
                                                     static_cast<std::size_t>(span.length));
            auto comparison = compare(m_compared, &expected, &message);
            // Not the answer awaited now: it may be the late one to an answer counted missing.
            if (comparison.verdict != replay::Verdict::equal && take_late_answer(message))
                continue;
            record(std::move(comparison));
            ++m_compared;
            continue;
        } else if (!by_message && live.size() >= want.end()) {
            got = live.subspan(static_cast<std::size_t>(want.offset),
                               static_cast<std::size_t>(want.length));
        } else if (!final) {
            return;
        } else if (m_compared >= m_open_from) {
            m_outcome.notes.push_back(std::to_string(m_expected.size() - m_compared) +
                                      " captured message(s) after the gap not compared (they "
                                      "may answer the lost bytes)");
            m_compared = m_expected.size();
            break;
        } else if (!by_message && live.size() > want.offset) {
            got = live.subspan(static_cast<std::size_t>(want.offset)); // cut short
        }
        record(compare(m_compared, &expected, got ? &*got : nullptr));
        ++m_compared;
    }
    if (!final)
        return;
    // What the peer sent beyond what the capture has.
    if (by_message) {
        // Live message i stands for expected message i + m_skipped - m_late (UDP answers that
        // never came, or came late).
        for (std::size_t i = next_live(); i < live_messages.size(); ++i) {
            const auto& span = live_messages[i];
            const util::Bytes extra = live.subspan(static_cast<std::size_t>(span.offset),
                                                   static_cast<std::size_t>(span.length));
            if (!take_late_answer(extra))
                record(compare(i + m_skipped - m_late, nullptr, &extra));
        }
        const std::size_t live_count = live_messages.size() + m_skipped - m_late;
        const std::uint64_t framed_end = live_messages.empty() ? 0 : live_messages.back().end();
        if (live.size() > framed_end && live_count >= m_expected.size()) {
            const util::Bytes rest = live.subspan(static_cast<std::size_t>(framed_end));
            record(replay::compare_message(std::max(live_count, m_expected.size()), nullptr, &rest,
                                           m_shared.ignored_bytes));
        }
    } else {
        const std::uint64_t expected_end = m_expected.empty() ? 0 : m_expected.back().end();
        if (live.size() > expected_end) {
            const util::Bytes rest = live.subspan(static_cast<std::size_t>(expected_end));
            record(compare(m_expected.size(), nullptr, &rest));
        }
    }
}

} // namespace sniff::sources
