#include "replay/compare.hpp"

#include "util/escape.hpp"

#include <algorithm>
#include <charconv>

namespace sniff::replay {

namespace {

// Bytes shown before the first difference, and in all.
constexpr std::size_t k_context_before = 16;
constexpr std::size_t k_excerpt_bytes = 48;
constexpr std::size_t k_excerpt_text = 200;

bool is_ignored(std::uint64_t position, const std::vector<IgnoredBytes>& ignored) {
    return std::any_of(ignored.begin(), ignored.end(), [position](const IgnoredBytes& range) {
        return position >= range.offset && position - range.offset < range.length;
    });
}

std::string excerpt(util::Bytes bytes, std::uint64_t from) {
    if (from >= bytes.size())
        return from == 0 ? "" : "…(ends here)";
    const auto start = static_cast<std::size_t>(from);
    const std::size_t size = std::min(k_excerpt_bytes, bytes.size() - start);
    return (start > 0 ? "…" : "") + util::escape_bytes(bytes.subspan(start, size), k_excerpt_text) +
           (start + size < bytes.size() ? "…" : "");
}

// A message with ranges cut out: the bytes left, and where each of them was.
class CutMessage {
public:
    // Without ranges nothing is copied.
    CutMessage(const CutMessage&) = delete;
    CutMessage& operator=(const CutMessage&) = delete;
    CutMessage(util::Bytes bytes, const std::vector<IgnoredBytes>& cut) : m_view(bytes) {
        std::uint64_t from = 0;
        for (const auto& range : cut) {
            // Ranges come in order and inside the message (fields.cpp): checked all the same.
            if (range.offset < from || range.offset > bytes.size() ||
                range.length > bytes.size() - range.offset) {
                m_cut.clear();
                m_kept.clear();
                return;
            }
            m_kept.insert(m_kept.end(), bytes.begin() + static_cast<std::ptrdiff_t>(from),
                          bytes.begin() + static_cast<std::ptrdiff_t>(range.offset));
            from = range.offset + range.length;
            m_cut.push_back(range);
        }
        if (m_cut.empty())
            return;
        m_kept.insert(m_kept.end(), bytes.begin() + static_cast<std::ptrdiff_t>(from), bytes.end());
        m_view = util::Bytes(m_kept.data(), m_kept.size());
    }
    util::Bytes kept() const { return m_view; }
    // The message position of kept byte `index` (or of the end, for index == kept().size()).
    std::uint64_t position(std::uint64_t index) const {
        std::uint64_t position = index;
        for (const auto& range : m_cut)
            if (range.offset <= position)
                position += range.length;
        return position;
    }

private:
    util::Bytes m_view;
    std::vector<IgnoredBytes> m_cut;
    std::vector<std::byte> m_kept;
};

} // namespace

const char* verdict_name(Verdict verdict) {
    switch (verdict) {
    case Verdict::equal:
        return "equal";
    case Verdict::different:
        return "different";
    case Verdict::missing:
        return "missing";
    case Verdict::extra:
        return "extra";
    case Verdict::ignored:
        return "ignored";
    }
    return "equal";
}

Comparison compare_message(std::size_t index, const util::Bytes* expected, const util::Bytes* got,
                           const std::vector<IgnoredBytes>& ignored,
                           const std::vector<IgnoredBytes>& expected_cut,
                           const std::vector<IgnoredBytes>& got_cut) {
    Comparison result;
    result.index = index;
    result.expected_length = expected ? expected->size() : 0;
    result.got_length = got ? got->size() : 0;
    if (expected == nullptr || got == nullptr) {
        result.verdict = expected ? Verdict::missing : Verdict::extra;
        result.expected = expected ? excerpt(*expected, 0) : "";
        result.got = got ? excerpt(*got, 0) : "";
        return result;
    }
    const CutMessage want(*expected, expected_cut);
    const CutMessage have(*got, got_cut);
    const util::Bytes a = want.kept();
    const util::Bytes b = have.kept();
    const std::size_t common = std::min(a.size(), b.size());
    std::optional<std::uint64_t> difference; // in the kept bytes
    for (std::size_t i = 0; i < common && !difference; ++i)
        if (a[i] != b[i] && !is_ignored(want.position(i), ignored))
            difference = i;
    if (!difference && a.size() != b.size())
        difference = common;
    result.verdict = difference ? Verdict::different : Verdict::equal;
    auto from = [](std::uint64_t position) {
        return position > k_context_before ? position - k_context_before : 0;
    };
    if (difference) {
        result.first_difference = want.position(*difference);
        result.expected = excerpt(*expected, from(*result.first_difference));
        result.got = excerpt(*got, from(have.position(*difference)));
    } else {
        result.expected = excerpt(*expected, 0);
        result.got = excerpt(*got, 0);
    }
    return result;
}

void Tally::add(Verdict verdict) {
    switch (verdict) {
    case Verdict::equal:
        ++equal;
        break;
    case Verdict::different:
        ++different;
        break;
    case Verdict::missing:
        ++missing;
        break;
    case Verdict::extra:
        ++extra;
        break;
    case Verdict::ignored:
        ++ignored;
        break;
    }
}

bool parse_ignored_bytes(const std::string& text, IgnoredBytes& out, std::string& error) {
    const auto colon = text.find(':');
    auto number = [](std::string_view part, std::uint64_t& value) {
        const auto* end = part.data() + part.size();
        const auto parsed = std::from_chars(part.data(), end, value);
        return !part.empty() && parsed.ec == std::errc{} && parsed.ptr == end;
    };
    IgnoredBytes range;
    const std::string_view view(text);
    if (colon == std::string::npos || !number(view.substr(0, colon), range.offset) ||
        !number(view.substr(colon + 1), range.length) || range.length == 0) {
        error =
            "--ignore-bytes: expected OFF:LEN (byte offset in each message, length >= 1), got \"" +
            text + "\"";
        return false;
    }
    out = range;
    return true;
}

} // namespace sniff::replay
