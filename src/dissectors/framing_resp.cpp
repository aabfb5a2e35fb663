// resp: Redis's serialization protocol, RESP2 and RESP3: one top-level value is one message
// (https://redis.io/docs/latest/develop/reference/protocol-spec/). A request is an array of bulk
// strings (or an inline command line); a reply is any value; a RESP3 push (`>`), which may
// arrive between replies, is marked {"resp":"push"}.
//
//   *3\r\n $3\r\nSET\r\n $1\r\nk\r\n $200\r\n<200 bytes>\r\n     one message (request)
//   +OK\r\n                                                     one message (reply)
//   >3\r\n $7\r\nmessage\r\n $2\r\nch\r\n $2\r\nhi\r\n            one message, marked push
// The value structure is scanned by RespScan (resp_scan.hpp), incrementally (tail feed): a
// reply of 22,000 nested lines is scanned once, nothing buffered. A top-level bulk string's body
// is skipped unread. Counts, lengths and nesting are bounded; a value that breaks them is
// malformed and the direction is given up (RESP has no marker to resynchronise on).

#include "dissectors/framings.hpp"
#include "dissectors/resp_scan.hpp"

#include <array>

namespace sniff::dissect {

namespace {

// Redis's own cap on a bulk string (proto-max-bulk-len) is 512 MB; nothing is buffered, so a
// large default costs nothing.
constexpr std::uint64_t k_default_resp_max = 512ull << 20;
constexpr std::string_view k_push_json = R"({"resp":"push"})";

class RespFraming final : public Framing {
public:
    explicit RespFraming(const FramingSpec& spec)
        : m_scans{RespScan(spec.max), RespScan(spec.max)}, m_run_scan(spec.max) {}

    FrameResult frame(model::Direction direction, util::Bytes bytes, std::uint64_t from) override {
        RespScan& scan = m_scans[static_cast<std::size_t>(direction)];
        if (from == 0)
            scan.reset();
        const RespScan::Step step = scan.advance(bytes);
        switch (step.verdict) {
        case RespScan::Verdict::more:
            return FrameResult::need_more(from + bytes.size() + 1, Feed::tail);
        case RespScan::Verdict::complete:
            return finish(scan, from + step.used);
        case RespScan::Verdict::body:
            return finish(scan, from + step.used + step.rest);
        case RespScan::Verdict::malformed:
            break;
        }
        return FrameResult::malformed(step.reason, Resync::give_up, from + step.used);
    }

    std::size_t frame_run(model::Direction, util::Bytes bytes, std::span<RunMessage> out) override {
        std::size_t count = 0;
        std::size_t at = 0;
        while (count < out.size() && at < bytes.size()) {
            m_run_scan.reset();
            const util::Bytes rest = bytes.subspan(at);
            const RespScan::Step step = m_run_scan.advance(rest);
            std::uint64_t total = step.used;
            if (step.verdict == RespScan::Verdict::body)
                total += step.rest;
            else if (step.verdict != RespScan::Verdict::complete)
                break;
            // A push carries a mark (header fields): frame() reports it.
            if (total > rest.size() || m_run_scan.push())
                break;
            out[count++] = RunMessage{total, m_run_scan.header()};
            at += static_cast<std::size_t>(total);
        }
        return count;
    }

private:
    static FrameResult finish(const RespScan& scan, std::uint64_t total) {
        return FrameResult::message(total, scan.header(),
                                    scan.push() ? std::string(k_push_json) : std::string{});
    }

    std::array<RespScan, 2> m_scans;
    RespScan m_run_scan; // frame_run's, reset for each message
};

SpecResult parse_resp(const SpecParser& parser, std::span<const SpecPart> parts) {
    return parse_max_only(parser, parts, Family::resp, "resp", k_default_resp_max);
}

std::string print_resp(const FramingSpec& spec) {
    return print_max_only(spec, "resp", k_default_resp_max);
}

constexpr std::array<std::string_view, 3> k_fuzz_specs{"resp", "resp:max=1024", "resp:max=16"};

std::unique_ptr<Framing> make_resp_framing(const FramingSpec& spec) {
    return std::make_unique<RespFraming>(spec);
}

} // namespace

extern const FamilyInfo k_family_resp{
    .family = Family::resp,
    .name = "resp",
    .grammar = "resp[:max=N]",
    .parse = parse_resp,
    .print = print_resp,
    .make = make_resp_framing,
    .lua_body = nullptr, // nested counts need a scanner: no Lua form yet
    .fuzz_specs = k_fuzz_specs,
};

} // namespace sniff::dissect
