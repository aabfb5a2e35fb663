// The spec language's entry points (grammar in dissectors/spec.hpp): a spec's family is looked up
// in the registry (family_registry.hpp), whose row parses and prints the parameters.

#include "dissectors/spec.hpp"

#include "dissectors/family_registry.hpp"

namespace sniff::dissect {

namespace {

SpecError unknown_family(std::string_view name, std::string_view text) {
    SpecError err;
    err.message = "unknown framing '" + std::string(name) + "' at position 0 in '" +
                  std::string(text) + "' (families: " + family_names() +
                  "; or a preset, see --list-framings)";
    return err;
}

SpecResult parse_family(std::string_view text) {
    const SpecParser parser(text);
    const auto colon = text.find(':');
    const std::string_view name = text.substr(0, colon);
    const std::string_view params =
        colon == std::string_view::npos ? std::string_view{} : text.substr(colon + 1);
    const FamilyInfo* info = find_family(name);
    if (info == nullptr)
        return unknown_family(name, text);
    if (info->parse == nullptr) {
        if (colon != std::string_view::npos)
            return parser.error(name, "takes no parameters:", {params, colon + 1});
        FramingSpec spec;
        spec.family = info->family;
        return spec;
    }
    const std::vector<SpecPart> parts =
        params.empty() ? std::vector<SpecPart>{} : parser.split(params, colon + 1);
    return info->parse(parser, parts);
}

} // namespace

const std::vector<Preset>& preset_list() {
    static const std::vector<Preset> k_presets{
        {"struct", "len:size=4,le,signed", "the article's struct.pack('i', n) header"},
        {"json-header", "json:size=4,le", "the article's 4-byte header length, JSON header, body"},
        {"ascii-len", "ascii-len:ack=ready",
         "the article's decimal length, peer's 'ready' (optional \\n or \\r\\n), body"},
        {"dns-tcp", "len:size=2,be", "DNS over TCP (RFC 1035 4.2.2)"},
        {"tls", "len:off=3,size=2,be", "TLS records (RFC 8446 5.1)"},
        {"pgsql", "pgsql", "PostgreSQL: untyped startup, 'N'/'S' SSL answer, then typed"},
        {"mysql", "len:size=3,le,adj=1", "MySQL packets: 3-byte length, sequence id"},
        {"kafka", "len:size=4,be", "Kafka requests and responses"},
        {"memcache-bin", "len:off=8,size=4,be,adj=12", "memcached binary protocol"},
        {"mqtt", "len:off=1,size=varint", "MQTT remaining length"},
        {"lines", "delim:\\n", "newline-terminated lines"},
        {"crlf", "delim:\\r\\n", "CRLF-terminated lines (SMTP, Redis RESP lines)"},
        {"resp", "resp", "Redis RESP2/RESP3: one top-level value a message, pushes marked"},
        {"memcache-text", "memcache-text",
         "memcached text protocol: commands with their data, VALUE...END replies"},
        {"varint", "len:size=varint",
         "protobuf-style unsigned varint length (LEB128, up to 10 bytes), then "
         "the payload"},
        {"nats", "nats", "NATS: PUB/MSG/HPUB/HMSG with their payload, other operations a line"},
        {"stomp", "stomp", "STOMP frames (body to NUL or content-length), heart-beats marked"},
        {"amqp", "amqp", "AMQP 0-9-1: protocol header, then one message per frame"},
        {"amqp-content", "amqp:content",
         "AMQP 0-9-1: a content's method, header and body frames as one message"},
        {"smtp", "smtp",
         "SMTP: commands, multi-line replies, DATA/BDAT content, TLS after STARTTLS"},
    };
    return k_presets;
}

SpecResult parse_spec(std::string_view text) {
    for (const Preset& preset : preset_list())
        if (text == preset.name)
            return parse_family(preset.expansion);
    return parse_family(text);
}

std::string escape_spec_bytes(std::string_view bytes) {
    static constexpr char k_hex[] = "0123456789abcdef";
    std::string out;
    for (const char c : bytes) {
        const auto byte = static_cast<unsigned char>(c);
        switch (byte) {
        case '\n':
            out += "\\n";
            continue;
        case '\r':
            out += "\\r";
            continue;
        case '\t':
            out += "\\t";
            continue;
        case '\0':
            out += "\\0";
            continue;
        case '\\':
            out += "\\\\";
            continue;
        default:
            break;
        }
        if (byte > 0x20 && byte < 0x7f && byte != ',' && byte != '=') {
            out += c;
        } else {
            out += "\\x";
            out += k_hex[byte >> 4];
            out += k_hex[byte & 0xf];
        }
    }
    return out;
}

std::string to_string(const FramingSpec& spec) {
    const FamilyInfo& info = family_info(spec.family);
    return info.print != nullptr ? info.print(spec) : std::string(info.name);
}

} // namespace sniff::dissect
