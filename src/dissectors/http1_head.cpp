// HTTP/1.x heads: end of the header section, start line and body-deciding fields.

#include "dissectors/http1_head.hpp"

#include <array>
#include <charconv>
#include <cstring>
#include <string_view>

namespace sniff::dissect {

namespace {

// RFC 9110 methods, WebDAV's common ones, and HTTP/2's preface "method".
constexpr std::array<std::string_view, 16> k_methods{
    "GET",   "HEAD",     "POST",  "PUT",  "DELETE", "CONNECT", "OPTIONS", "TRACE",
    "PATCH", "PROPFIND", "MKCOL", "COPY", "MOVE",   "LOCK",    "UNLOCK",  "PRI"};

constexpr std::uint64_t k_max_content_length = 1ull << 40; // far from overflow in any sum

std::string_view as_text(util::Bytes bytes) {
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

char lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool equals_nocase(std::string_view a, std::string_view b) {
    if (a.size() != b.size())
        return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (lower(a[i]) != lower(b[i]))
            return false;
    return true;
}

std::string_view trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
        text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r'))
        text.remove_suffix(1);
    return text;
}

// Whether the comma-separated list `value` has `token` (any case) as an element.
bool list_has(std::string_view value, std::string_view token) {
    while (!value.empty()) {
        const auto comma = value.find(',');
        if (equals_nocase(trim(value.substr(0, comma)), token))
            return true;
        if (comma == std::string_view::npos)
            break;
        value.remove_prefix(comma + 1);
    }
    return false;
}

// The last element of a comma-separated list.
std::string_view list_last(std::string_view value) {
    const auto comma = value.rfind(',');
    return trim(comma == std::string_view::npos ? value : value.substr(comma + 1));
}

bool is_version(std::string_view text) {
    return text.size() == 8 && text.substr(0, 7) == "HTTP/1." && text[7] >= '0' && text[7] <= '9';
}

bool parse_request_line(std::string_view line, HttpHead& head) {
    const auto first = line.find(' ');
    const auto last = line.rfind(' ');
    if (first == std::string_view::npos || first == 0 || last == first)
        return false;
    const std::string_view method = line.substr(0, first);
    const std::string_view version = line.substr(last + 1);
    for (const char c : method)
        if (c < 'A' || c > 'Z')
            return false; // methods are tokens; upper case in every real client
    head.request = true;
    head.method = std::string(method);
    head.target = std::string(line.substr(first + 1, std::min(last - first - 1, k_kept_target)));
    if (method == "PRI" && version == "HTTP/2.0" && head.target == "*") {
        head.http2_preface = true;
        return true;
    }
    return is_version(version);
}

bool parse_status_line(std::string_view line, HttpHead& head) {
    // "HTTP/1.1 200" with or without a reason phrase.
    if (line.size() < 12 || !is_version(line.substr(0, 8)) || line[8] != ' ')
        return false;
    std::uint16_t status = 0;
    const auto [end, ec] = std::from_chars(line.data() + 9, line.data() + 12, status);
    if (ec != std::errc{} || end != line.data() + 12 || status < 100 || status > 999)
        return false;
    if (line.size() > 12 && line[12] != ' ')
        return false;
    head.status = status;
    return true;
}

// Applies one field line; false with `error` set when it makes the message's length unknowable.
bool apply_field(std::string_view line, HttpHead& head, std::string& error) {
    const auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0)
        return true; // not a field: tolerated (obsolete folding, junk); it decides nothing
    const std::string_view name = line.substr(0, colon);
    const std::string_view value = trim(line.substr(colon + 1));
    if (equals_nocase(name, "content-length")) {
        std::uint64_t length = 0;
        const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), length);
        if (ec != std::errc{} || end != value.data() + value.size() || value.empty() ||
            length > k_max_content_length) {
            error = "bad Content-Length '" + std::string(value.substr(0, 40)) + "'";
            return false;
        }
        if (head.has_length && head.content_length != length) {
            error = "two different Content-Lengths";
            return false;
        }
        head.has_length = true;
        head.content_length = length;
    } else if (equals_nocase(name, "transfer-encoding")) {
        head.chunked = equals_nocase(list_last(value), "chunked");
    } else if (equals_nocase(name, "upgrade")) {
        std::string upgrade(list_last(value).substr(0, 32));
        for (char& c : upgrade)
            c = lower(c);
        head.upgrade = std::move(upgrade);
    } else if (equals_nocase(name, "connection")) {
        head.connection_upgrade = head.connection_upgrade || list_has(value, "upgrade");
    }
    return true;
}

} // namespace

std::optional<std::size_t> find_head_end(util::Bytes bytes, std::size_t from) {
    const std::string_view text = as_text(bytes);
    // An empty line is a LF followed by LF or by CR LF; the scan restarts two bytes back so an
    // end that straddles the previous call's last bytes is found.
    std::size_t at = from >= 2 ? from - 2 : 0;
    for (;;) {
        at = text.find('\n', at);
        if (at == std::string_view::npos || at + 1 >= text.size())
            return std::nullopt;
        if (text[at + 1] == '\n')
            return at + 2;
        if (text[at + 1] == '\r') {
            if (at + 2 >= text.size())
                return std::nullopt;
            if (text[at + 2] == '\n')
                return at + 3;
        }
        ++at;
    }
}

std::optional<HttpHead> parse_head(util::Bytes bytes, std::string& error) {
    std::string_view text = as_text(bytes);
    HttpHead head;
    auto next_line = [&text]() {
        const auto lf = text.find('\n');
        std::string_view line = text.substr(0, lf);
        text.remove_prefix(lf == std::string_view::npos ? text.size() : lf + 1);
        if (!line.empty() && line.back() == '\r')
            line.remove_suffix(1);
        return line;
    };
    const std::string_view start = next_line();
    const bool ok = start.starts_with("HTTP/") ? parse_status_line(start, head)
                                               : parse_request_line(start, head);
    if (!ok) {
        error = "not an HTTP/1 start line: '" + std::string(start.substr(0, 40)) + "'";
        return std::nullopt;
    }
    while (!text.empty()) {
        const std::string_view line = next_line();
        if (line.empty())
            break;
        if (!apply_field(line, head, error))
            return std::nullopt;
    }
    return head;
}

StartLine looks_like_start_line(util::Bytes bytes) {
    const std::string_view text = as_text(bytes);
    constexpr std::string_view k_version = "HTTP/1.";
    bool maybe = false;
    const std::size_t compared = std::min(text.size(), k_version.size());
    if (text.substr(0, compared) == k_version.substr(0, compared)) {
        if (compared == k_version.size())
            return StartLine::yes;
        maybe = true;
    }
    for (const std::string_view method : k_methods) {
        if (text.size() > method.size()) {
            if (text.starts_with(method) && text[method.size()] == ' ')
                return StartLine::yes;
        } else if (method.starts_with(text)) {
            maybe = true;
        }
    }
    return maybe ? StartLine::unknown : StartLine::no;
}

} // namespace sniff::dissect
