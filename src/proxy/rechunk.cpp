#include "proxy/rechunk.hpp"

#include <algorithm>
#include <charconv>
#include <string_view>

namespace sniff::proxy {
namespace {

// Sizes above this make no sense for a chunk and would only hide typos.
constexpr std::size_t k_max_chunk = 1u << 30;

bool parse_number(std::string_view text, std::size_t& value) {
    const auto* end = text.data() + text.size();
    const auto result = std::from_chars(text.data(), end, value);
    return !text.empty() && result.ec == std::errc{} && result.ptr == end && value <= k_max_chunk;
}

bool parse_mode(std::string_view text, RechunkSpec& spec, std::string& error) {
    const auto colon = text.find(':');
    const std::string_view name = text.substr(0, colon);
    const std::string_view args =
        colon == std::string_view::npos ? std::string_view{} : text.substr(colon + 1);
    const bool has_args = colon != std::string_view::npos;
    auto fail = [&](const std::string& what) {
        error = what + " in rechunk mode \"" + std::string(text) + "\"";
        return false;
    };
    if ((name == "1" || name == "none" || name == "adversarial") && has_args)
        return fail("unexpected arguments");
    if (name == "none") {
        spec = RechunkSpec{};
    } else if (name == "1") {
        spec = RechunkSpec{RechunkMode::fixed, 1, 1, 0, 0};
    } else if (name == "adversarial") {
        spec = RechunkSpec{RechunkMode::adversarial, 0, 0, 0, 0};
    } else if (name == "fixed") {
        std::size_t size = 0;
        if (!parse_number(args, size) || size == 0)
            return fail("bad size \"" + std::string(args) + "\" (expected fixed:N, N >= 1)");
        spec = RechunkSpec{RechunkMode::fixed, size, size, 0, 0};
    } else if (name == "random") {
        const auto dash = args.find('-');
        std::size_t low = 0, high = 0;
        if (dash == std::string_view::npos || !parse_number(args.substr(0, dash), low) ||
            !parse_number(args.substr(dash + 1), high) || low == 0 || low > high)
            return fail("bad range \"" + std::string(args) +
                        "\" (expected random:A-B, 1 <= A <= B)");
        spec = RechunkSpec{RechunkMode::random, low, high, 0, 0};
    } else if (name == "coalesce") {
        const auto colon2 = args.find(':');
        std::size_t ms = 0, bytes = 0;
        const std::string_view ms_text = args.substr(0, colon2);
        if (!parse_number(ms_text, ms) || ms == 0 || ms > 60000)
            return fail("bad time \"" + std::string(ms_text) +
                        "\" (expected coalesce:MS[:BYTES], MS 1-60000)");
        if (colon2 != std::string_view::npos &&
            (!parse_number(args.substr(colon2 + 1), bytes) || bytes == 0))
            return fail("bad byte count \"" + std::string(args.substr(colon2 + 1)) + "\"");
        spec = RechunkSpec{RechunkMode::coalesce, 0, 0, static_cast<int>(ms), bytes};
    } else {
        return fail("unknown mode \"" + std::string(name) +
                    "\" (1, fixed:N, random:A-B, coalesce:MS[:BYTES], adversarial, none)");
    }
    return true;
}

} // namespace

std::string RechunkSpec::to_string() const {
    switch (mode) {
    case RechunkMode::none:
        return "none";
    case RechunkMode::fixed:
        return "fixed:" + std::to_string(max_size);
    case RechunkMode::random:
        return "random:" + std::to_string(min_size) + "-" + std::to_string(max_size);
    case RechunkMode::coalesce:
        return "coalesce:" + std::to_string(coalesce_ms) +
               (coalesce_bytes ? ":" + std::to_string(coalesce_bytes) : "");
    case RechunkMode::adversarial:
        return "adversarial";
    }
    return "unknown";
}

bool parse_rechunk(const std::string& text, RechunkPair& out, std::string& error) {
    std::string_view rest = text;
    int only = -1;
    if (rest.starts_with("c2s=") || rest.starts_with("s2c=")) {
        only = rest.starts_with("c2s=") ? 0 : 1;
        rest.remove_prefix(4);
    }
    RechunkSpec spec;
    if (!parse_mode(rest, spec, error))
        return false;
    for (int direction = 0; direction < 2; ++direction)
        if (only < 0 || only == direction)
            out[static_cast<std::size_t>(direction)] = spec;
    return true;
}

void GenericCutPlanner::plan(util::Bytes data, std::vector<std::size_t>& cuts) {
    const std::size_t size = data.size();
    for (const std::size_t cut : {std::size_t{1}, size / 2, size - 1})
        if (size >= 2 && cut > 0 && cut < size && (cuts.empty() || cuts.back() < cut))
            cuts.push_back(cut);
}

std::uint64_t SplitMix64::next() {
    std::uint64_t z = (m_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

std::size_t SplitMix64::between(std::size_t low, std::size_t high) {
    return low + static_cast<std::size_t>(next() % (high - low + 1));
}

std::uint64_t direction_seed(std::uint64_t run_seed, std::uint64_t flow_id,
                             model::Direction direction) {
    SplitMix64 mix(run_seed ^ (flow_id * 0x100000001b3ULL) ^
                   (direction == model::Direction::c2s ? 0 : 0x5bd1e995ULL));
    return mix.next();
}

Rechunker::Rechunker(const RechunkSpec& spec, std::uint64_t seed,
                     std::unique_ptr<CutPlanner> planner)
    : m_spec(spec), m_random(seed), m_planner(std::move(planner)) {
    if (m_spec.mode == RechunkMode::adversarial && !m_planner)
        m_planner = std::make_unique<GenericCutPlanner>();
}

void Rechunker::plan(util::Bytes data, std::vector<std::size_t>& sizes) {
    sizes.clear();
    std::size_t left = data.size();
    switch (m_spec.mode) {
    case RechunkMode::none:
    case RechunkMode::coalesce: // merging happens while reading; the result goes out whole
        if (left > 0)
            sizes.push_back(left);
        return;
    case RechunkMode::fixed:
    case RechunkMode::random:
        while (left > 0) {
            const std::size_t want = m_spec.mode == RechunkMode::fixed
                                         ? m_spec.max_size
                                         : m_random.between(m_spec.min_size, m_spec.max_size);
            const std::size_t size = std::min(want, left);
            sizes.push_back(size);
            left -= size;
        }
        return;
    case RechunkMode::adversarial: {
        m_cuts.clear();
        m_planner->plan(data, m_cuts);
        std::size_t previous = 0;
        // A planner is outside code: ignore cuts that are out of order or out of range rather
        // than forwarding a wrong byte count.
        for (const std::size_t cut : m_cuts)
            if (cut > previous && cut < data.size()) {
                sizes.push_back(cut - previous);
                previous = cut;
            }
        if (data.size() > previous)
            sizes.push_back(data.size() - previous);
        return;
    }
    }
}

} // namespace sniff::proxy
