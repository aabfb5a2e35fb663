#include "output/connection_twins.hpp"

#include "util/plural.hpp"

#include <cinttypes>

namespace sniff::output {

using model::Direction;

namespace {

int index_of(Direction direction) {
    return static_cast<int>(direction);
}

} // namespace

bool ConnectionTwins::Views::all_closed() const {
    for (const auto& side : sides)
        if (side && !side->closed)
            return false;
    return true;
}

bool ConnectionTwins::Views::complete() const {
    return sides[wire] && (sides[client_end] || sides[server_end]) && all_closed();
}

// Only connections whose opening every view saw: then offset 0 is the same byte in all of them.
void ConnectionTwins::on_flow_open(const model::Flow& flow) {
    if (flow.protocol != model::Protocol::tcp || !flow.saw_syn)
        return;
    Side side = wire;
    if (flow.origin == model::FlowOrigin::exec && flow.program_end == model::ProgramEnd::client)
        side = client_end;
    else if (flow.origin == model::FlowOrigin::exec &&
             flow.program_end == model::ProgramEnd::server)
        side = server_end;
    else if (flow.origin != model::FlowOrigin::capture)
        return;
    const Key key{flow.protocol, flow.client, flow.server};
    // A reused 4-tuple starts over: the earlier connection's view is replaced.
    m_connections[key].sides[side] = View{flow.id, false, {}};
    m_open[flow.id] = {key, side};
}

ConnectionTwins::DirectionView* ConnectionTwins::direction_of(std::uint64_t flow_id,
                                                              Direction direction) {
    const auto open = m_open.find(flow_id);
    if (open == m_open.end())
        return nullptr;
    auto& view = m_connections[open->second.first].sides[open->second.second];
    return view ? &view->directions[index_of(direction)] : nullptr;
}

void ConnectionTwins::on_data(const model::Flow& flow, Direction direction,
                              const model::SegmentInfo& segment, util::Bytes bytes) {
    auto* view = direction_of(flow.id, direction);
    if (view == nullptr)
        return;
    ++view->chunks;
    auto& picture = view->picture;
    if (segment.offset != picture.bytes.size() || picture.bytes.size() >= k_picture_bytes)
        return;
    picture.segment_starts.push_back(segment.offset);
    const std::size_t take = std::min(bytes.size(), k_picture_bytes - picture.bytes.size());
    picture.bytes.append(reinterpret_cast<const char*>(bytes.data()), take);
}

bool ConnectionTwins::wants_each_message(const model::Flow& flow, Direction direction) {
    const auto* view = direction_of(flow.id, direction);
    return view != nullptr && view->picture.messages_end < k_picture_bytes;
}

void ConnectionTwins::on_message(const model::Flow& flow, const dissect::Message& message,
                                 util::Bytes) {
    auto* view = direction_of(flow.id, message.direction);
    if (view == nullptr || message.offset >= k_picture_bytes)
        return;
    view->picture.message_starts.push_back(message.offset);
    view->picture.messages_end = message.offset + message.length;
}

void ConnectionTwins::on_segment(const model::Flow& flow, const dissect::SegmentReport& report) {
    auto* view = direction_of(flow.id, report.direction);
    if (view != nullptr && report.has_messages && report.first_message != report.last_message)
        ++view->mixed;
}

void ConnectionTwins::on_direction_end(const model::Flow& flow,
                                       const dissect::DirectionSummary& summary) {
    if (auto* view = direction_of(flow.id, summary.direction)) {
        view->messages = summary.messages;
        view->framed = summary.spec != "raw";
    }
}

void ConnectionTwins::on_flow_close(const model::Flow& flow, reassembly::CloseReason) {
    const auto open = m_open.find(flow.id);
    if (open == m_open.end())
        return;
    const auto [key, side] = open->second;
    m_open.erase(open);
    const auto found = m_connections.find(key);
    auto& views = found->second;
    views.sides[side]->closed = true;
    if (views.complete()) {
        print(key, views);
        ++m_matched;
        m_connections.erase(found);
        return;
    }
    if (!views.all_closed())
        return; // a view still open prints them all when it closes
    m_waiting.push_back(key);
    if (m_waiting.size() > k_max_waiting)
        forget_oldest_waiting();
}

void ConnectionTwins::forget_oldest_waiting() {
    const Key key = m_waiting.front();
    m_waiting.pop_front();
    const auto found = m_connections.find(key);
    // A connection with a view opened since is not forgotten.
    if (found != m_connections.end() && found->second.all_closed())
        m_connections.erase(found);
}

void ConnectionTwins::print(const Key& key, const Views& views) {
    if (m_one_line) {
        print_line(key, views);
        return;
    }
    std::fprintf(m_out, "same connection, seen %s: %s -> %s  (flow #%" PRIu64 " on the wire",
                 views.sides[client_end] && views.sides[server_end] ? "three ways" : "twice",
                 key.client.to_string().c_str(), key.server.to_string().c_str(),
                 views.sides[wire]->flow_id);
    if (views.sides[client_end])
        std::fprintf(m_out, ", #%" PRIu64 " the client's calls", views.sides[client_end]->flow_id);
    if (views.sides[server_end])
        std::fprintf(m_out, ", #%" PRIu64 " the server's calls", views.sides[server_end]->flow_id);
    std::fprintf(m_out, ")\n");
    for (const auto direction : {Direction::c2s, Direction::s2c})
        print_direction(direction, views);
    std::fputc('\n', m_out);
}

void ConnectionTwins::print_line(const Key& key, const Views& views) {
    std::fprintf(m_out, "same connection %s -> %s: wire #%" PRIu64, key.client.to_string().c_str(),
                 key.server.to_string().c_str(), views.sides[wire]->flow_id);
    for (const auto direction : {Direction::c2s, Direction::s2c}) {
        const int d = index_of(direction);
        std::fprintf(m_out, " · %s %s", model::direction_name(direction),
                     util::counted(views.sides[wire]->directions[d].chunks, "segment").c_str());
        for (const Side side : {client_end, server_end})
            if (views.sides[side])
                std::fprintf(
                    m_out, ", %s %s", side == client_end ? "client" : "server",
                    util::counted(views.sides[side]->directions[d].chunks, "call").c_str());
    }
    std::fputc('\n', m_out);
}

void ConnectionTwins::print_direction(Direction direction, const Views& views) {
    const int d = index_of(direction);
    const Side sender = direction == Direction::c2s ? client_end : server_end;
    const Side reader = direction == Direction::c2s ? server_end : client_end;
    struct Lane {
        Side side;
        std::string name;
    };
    const std::string sender_name = sender == client_end ? "client" : "server";
    const std::string reader_name = reader == client_end ? "client" : "server";
    // In the order the bytes travelled: the sender's writes, the wire, the reader's reads.
    std::vector<Lane> lanes;
    for (const Lane& lane : {Lane{sender, sender_name + " writes"}, Lane{wire, "wire"},
                             Lane{reader, reader_name + " reads"}})
        if (views.sides[lane.side] && views.sides[lane.side]->directions[d].chunks > 0)
            lanes.push_back(lane);
    if (lanes.empty())
        return;

    // The bytes and messages drawn are the reader's (the program's reads when it has them).
    const DirectionView* reference = nullptr;
    for (const Side side : {reader, sender, wire})
        if (reference == nullptr && views.sides[side] &&
            !views.sides[side]->directions[d].picture.bytes.empty())
            reference = &views.sides[side]->directions[d];
    std::fprintf(m_out, "  %s", model::direction_name(direction));
    for (const auto& lane : lanes) {
        const auto& view = views.sides[lane.side]->directions[d];
        std::fprintf(m_out, "  %s: %s", lane.name.c_str(),
                     util::counted(view.chunks, lane.side == wire ? "segment" : "call").c_str());
        if (lane.side != wire && view.mixed > 0)
            std::fprintf(m_out, " (%" PRIu64 " with bytes of two or more messages)", view.mixed);
    }
    if (reference != nullptr && reference->framed)
        std::fprintf(m_out, "  · %s", util::counted(reference->messages, "message").c_str());
    std::fputc('\n', m_out);
    if (reference == nullptr)
        return;

    // A capture that lost bytes (or a view of another stream) is not drawn as if they agreed.
    PictureInput input = reference->picture;
    input.segment_starts.clear();
    std::vector<const Lane*> drawn;
    std::vector<const Lane*> differing;
    for (const auto& lane : lanes) {
        const auto& picture = views.sides[lane.side]->directions[d].picture;
        if (picture.bytes.compare(0, input.bytes.size(), input.bytes) == 0) {
            input.extra_starts.push_back(picture.segment_starts);
            drawn.push_back(&lane);
        } else {
            differing.push_back(&lane);
        }
    }
    const auto picture = draw_boundaries(input);
    for (std::size_t i = 0; i < drawn.size(); ++i)
        std::fprintf(m_out, "    %-14s %s\n", drawn[i]->name.c_str(), picture.extras[i].c_str());
    std::fprintf(m_out, "    %-14s %s\n", "text", picture.text.c_str());
    if (!input.message_starts.empty())
        std::fprintf(m_out, "    %-14s %s\n", "msgs", picture.messages.c_str());
    for (const auto* lane : differing)
        std::fprintf(m_out, "    %-14s (its first bytes differ from these: not drawn)\n",
                     lane->name.c_str());
}

} // namespace sniff::output
