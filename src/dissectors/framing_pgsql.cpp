// PostgreSQL frontend/backend protocol framing with its first-message rules
// (https://www.postgresql.org/docs/current/protocol-message-formats.html):
//
//   client, first:  | int32 length (includes itself) | int32 code | ... |   = len:size=4,be,adj=-4
//   then typed:     | type byte | int32 length (includes itself) | ... | =
//   len:off=1,size=4,be,adj=-4 server answer to SSLRequest (code 80877103) or GSSENCRequest
//   (80877104): one byte 'N' (go on in clear; the client sends its StartupMessage next, again
//   untyped), 'S' (TLS follows: both directions become TLS records, len:off=3,size=2,be) or 'G'
//   (GSSAPI-wrapped tokens, len:size=4,be). Any other first server byte is a typed message (e.g.
//   'E' ErrorResponse).

#include "dissectors/framings.hpp"

#include <array>

namespace sniff::dissect {

namespace {

constexpr std::uint32_t k_ssl_request = 80877103;
constexpr std::uint32_t k_gss_request = 80877104;
constexpr std::uint32_t k_cancel_request = 80877102;

enum class Phase : std::uint8_t { startup, typed, tls, gss };

FramingSpec len_spec(std::uint32_t off, std::uint8_t size, std::int64_t adj, std::uint64_t max) {
    FramingSpec spec;
    spec.family = Family::len;
    spec.off = off;
    spec.size = size;
    spec.adj = adj;
    spec.max = max;
    return spec;
}

class PgsqlFraming final : public Framing {
public:
    explicit PgsqlFraming(const FramingSpec& spec)
        : m_untyped(len_spec(0, 4, -4, spec.max)), m_typed(len_spec(1, 4, -4, spec.max)),
          m_tls(len_spec(3, 2, 0, spec.max)), m_gss(len_spec(0, 4, 0, spec.max)) {}

    FrameResult frame(model::Direction direction, util::Bytes bytes, std::uint64_t) override {
        if (m_phase == Phase::tls)
            return frame_length_prefix(m_tls, bytes);
        if (m_phase == Phase::gss)
            return frame_length_prefix(m_gss, bytes);
        const bool startup = m_phase == Phase::startup;
        const bool awaiting = m_awaiting_answer;
        FrameResult result =
            direction == model::Direction::c2s ? frame_client(bytes) : frame_server(bytes);
        if (result.kind == FrameResult::Kind::message && !bytes.empty())
            count_exchange(direction, bytes, startup, awaiting, result);
        return result;
    }

    // Requests: the StartupMessage and SSLRequest/GSSENCRequest, Query ('Q'), Sync ('S') and
    // FunctionCall ('F'); each is answered by one ReadyForQuery ('Z'), the SSL/GSS request by
    // its one-byte answer. A CancelRequest and Terminate get none; the extended protocol's
    // Parse/Bind/Execute are answered at their Sync. Counted until TLS hides the messages.
    std::optional<ExchangeCount> exchanges(model::Direction direction) const override {
        return client_asks(direction, m_exchanges);
    }

private:
    void count_exchange(model::Direction direction, util::Bytes bytes, bool startup, bool awaiting,
                        const FrameResult& result) {
        const auto type = static_cast<std::uint8_t>(bytes[0]);
        bool counts = false;
        if (direction == model::Direction::c2s && startup) {
            util::ByteReader reader(bytes);
            reader.skip(4);
            const std::uint32_t code = reader.read_be32();
            counts = reader.ok() && code != k_cancel_request;
        } else if (direction == model::Direction::c2s) {
            counts = type == 'Q' || type == 'S' || type == 'F';
        } else {
            counts = type == 'Z' || (awaiting && result.total == 1);
        }
        if (counts)
            ++m_exchanges[static_cast<std::size_t>(direction)];
    }

    FrameResult frame_client(util::Bytes bytes) {
        if (m_phase != Phase::startup)
            return frame_length_prefix(m_typed, bytes);
        FrameResult result = frame_length_prefix(m_untyped, bytes);
        if (result.kind != FrameResult::Kind::message)
            return result;
        if (result.total < 8)
            return FrameResult::malformed("startup message shorter than 8 bytes", Resync::give_up,
                                          4);
        util::ByteReader reader(bytes);
        reader.skip(4);
        const std::uint32_t code = reader.read_be32();
        if (!reader.ok())
            return FrameResult::need_more(8);
        if (code == k_ssl_request || code == k_gss_request)
            m_awaiting_answer = true;
        else
            m_phase = Phase::typed; // StartupMessage or CancelRequest: typed from now on
        return result;
    }

    FrameResult frame_server(util::Bytes bytes) {
        if (!m_awaiting_answer)
            return frame_length_prefix(m_typed, bytes);
        util::ByteReader reader(bytes);
        const std::uint8_t answer = reader.read_u8();
        if (!reader.ok())
            return FrameResult::need_more(1);
        if (answer != 'N' && answer != 'S' && answer != 'G')
            return frame_length_prefix(m_typed, bytes); // e.g. ErrorResponse from an old server
        m_awaiting_answer = false;
        if (answer == 'S')
            m_phase = Phase::tls;
        else if (answer == 'G')
            m_phase = Phase::gss;
        return FrameResult::message(1, 1);
    }

    FramingSpec m_untyped, m_typed, m_tls, m_gss;
    Phase m_phase = Phase::startup;
    bool m_awaiting_answer = false;
    std::array<std::uint64_t, 2> m_exchanges{}; // requests (c2s) and answers (s2c) so far
};

} // namespace

namespace {

SpecResult parse_pgsql(const SpecParser& parser, std::span<const SpecPart> parts) {
    return parse_max_only(parser, parts, Family::pgsql, "pgsql", k_default_max);
}

std::string print_pgsql(const FramingSpec& spec) {
    return print_max_only(spec, "pgsql", k_default_max);
}

constexpr std::array<std::string_view, 3> k_fuzz_specs{"pgsql", "pgsql:max=1024", "pgsql:max=8"};

std::unique_ptr<Framing> make_pgsql_framing(const FramingSpec& spec) {
    return std::make_unique<PgsqlFraming>(spec);
}

} // namespace

extern const FamilyInfo k_family_pgsql{
    .family = Family::pgsql,
    .name = "pgsql",
    .grammar = "pgsql[:max=N]",
    .parse = parse_pgsql,
    .print = print_pgsql,
    .make = make_pgsql_framing,
    .lua_body = nullptr, // the first message's rules need state across PDUs: no Lua form
    .fuzz_specs = k_fuzz_specs,
};

} // namespace sniff::dissect
