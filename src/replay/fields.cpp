// --ignore [N:]resp:K: where the Kth element of a RESP aggregate lies in a compared message.
// https://redis.io/docs/latest/develop/reference/protocol-spec/ (the layout is drawn in
// dissectors/resp_scan.hpp)
#include "replay/fields.hpp"

#include "dissectors/resp_scan.hpp"

#include <algorithm>
#include <charconv>
#include <string_view>

namespace sniff::replay {

namespace {

// As the resp framing: nothing is buffered, so the bound is only a sanity limit on lengths.
constexpr std::uint64_t k_resp_max = 512ull << 20;
// An element number or a header count past this is not a real message's.
constexpr std::uint64_t k_max_count = 1ull << 32;

bool parse_number(std::string_view text, std::uint64_t& value) {
    const auto* end = text.data() + text.size();
    const auto parsed = std::from_chars(text.data(), end, value);
    return !text.empty() && parsed.ec == std::errc{} && parsed.ptr == end;
}

// The aggregate header "*COUNT\r\n" (or ~ > %): the number of values that follow, 0 for a
// null (-1) or empty one, nothing when the message is not an aggregate.
std::optional<std::uint64_t> aggregate_values(util::ByteReader& reader) {
    const std::uint8_t type = reader.read_u8();
    if (!reader.ok() || (type != '*' && type != '~' && type != '>' && type != '%'))
        return std::nullopt;
    bool negative = false;
    if (reader.has(1) && reader.rest()[0] == std::byte{'-'}) {
        negative = true;
        reader.skip(1);
    }
    std::uint64_t count = 0;
    std::size_t digits = 0;
    while (reader.has(1) && reader.rest()[0] >= std::byte{'0'} &&
           reader.rest()[0] <= std::byte{'9'}) {
        // Checked before the multiplication: count stays <= k_max_count, far from overflow.
        count = count * 10 + (reader.read_u8() - '0');
        if (++digits > 10 || count > k_max_count)
            return std::nullopt;
    }
    if (digits == 0 || reader.read_u8() != '\r' || reader.read_u8() != '\n' || !reader.ok())
        return std::nullopt;
    if (negative)
        return count == 1 ? std::optional<std::uint64_t>(0) : std::nullopt;
    return type == '%' ? count * 2 : count; // a map: key and value each count
}

} // namespace

bool parse_ignored_field(const std::string& text, IgnoredField& out, std::string& error) {
    const std::string_view view(text);
    const auto at = view.find("resp:");
    IgnoredField field;
    bool ok = at != std::string_view::npos && parse_number(view.substr(at + 5), field.element) &&
              field.element >= 1 && field.element <= k_max_count;
    if (ok && at > 0) {
        std::uint64_t message = 0;
        ok = view[at - 1] == ':' && parse_number(view.substr(0, at - 1), message) && message >= 1;
        field.message = message;
    }
    if (!ok) {
        error = "--ignore: expected N (a message), resp:K (element K of every RESP answer) or "
                "N:resp:K (of message N), K and N from 1, got \"" +
                text + "\"";
        return false;
    }
    out = field;
    return true;
}

std::vector<IgnoredBytes> resp_field_ranges(util::Bytes message, std::uint64_t number,
                                            const std::vector<IgnoredField>& fields) {
    std::vector<std::uint64_t> wanted;
    for (const auto& field : fields)
        if (!field.message || *field.message == number)
            wanted.push_back(field.element);
    std::vector<IgnoredBytes> ranges;
    if (wanted.empty())
        return ranges;
    std::sort(wanted.begin(), wanted.end());
    util::ByteReader reader(message);
    const auto values = aggregate_values(reader);
    if (!values)
        return ranges;
    std::size_t position = reader.position();
    dissect::RespScan scan(k_resp_max);
    const std::uint64_t last = std::min(*values, wanted.back());
    for (std::uint64_t element = 1; element <= last && position < message.size(); ++element) {
        scan.reset();
        const auto step = scan.advance(message.subspan(position));
        std::uint64_t length = step.used;
        if (step.verdict == dissect::RespScan::Verdict::body) {
            // The blob's body and CRLF: compared with what is left before they are added.
            if (step.rest > message.size() - position - step.used)
                break;
            length += step.rest;
        } else if (step.verdict != dissect::RespScan::Verdict::complete) {
            break; // cut short or malformed: the rest is compared as bytes
        }
        if (std::binary_search(wanted.begin(), wanted.end(), element))
            ranges.push_back(IgnoredBytes{position, length});
        position += static_cast<std::size_t>(length);
    }
    return ranges;
}

} // namespace sniff::replay
